/**
 * Handlers of the `child` requirements (3-1 to 3-18): child contexts, names, nesting,
 * failures, retries inside, replay, results over the size limit, crashes, codecs.
 */
import { Durable, Payload, RetryPolicy } from "@effect-durable/core"
import { LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"
import * as Logs from "../src/Logs.ts"
import * as Outside from "../src/Outside.ts"

const echo = (value: string) => Durable.step("echo", Effect.succeed(value))

const failing = Durable.step("failing", Effect.fail(new Error("the inner step failed")), { retry: RetryPolicy.noRetry })

/** A custom format that writes the text upper-cased (and reads it as it is). */
const UpperCase = Payload.serde<string>({ encode: (text) => text.toUpperCase(), decode: (payload) => payload ?? "" })

export const handlers: Suite = {
  "3-1": {
    workflow: Durable.workflow(
      { name: "child-basic", input: event(Schema.String) },
      ({ Input }) => Durable.child("child", echo(Input))
    )
  },
  "3-2": {
    workflow: Durable.workflow(
      { name: "child-named", input: event(Schema.Struct({ name: Schema.String, value: Schema.String })) },
      ({ Input }) => Durable.child(Input.name, echo(Input.value))
    )
  },
  "3-3": {
    workflow: Durable.workflow(
      { name: "child-sequence", input: event(Schema.String) },
      ({ Input }) =>
        Durable.child(
          "child",
          Effect.flatMap(Durable.step("first", Effect.succeed(Input)), (first) => Durable.step("second", Effect.succeed(first)))
        )
    )
  },
  "3-4": {
    workflow: Durable.workflow({ name: "child-fails", input: anyEvent }, () => Durable.child("child", failing))
  },
  "3-5": {
    workflow: Durable.workflow(
      { name: "child-failure-caught", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        yield* Durable.child("child", failing).pipe(Effect.catchTag("ChildContextError", () => Effect.void))
        return yield* Durable.step("recover", Effect.succeed(Input))
      })
    )
  },
  "3-6": {
    workflow: Durable.workflow(
      { name: "child-nested", input: event(Schema.String) },
      ({ Input }) =>
        Durable.child(
          "outer",
          Effect.andThen(Durable.step("outer-step", Effect.succeed(Input)), Durable.child("inner", echo(Input)))
        )
    )
  },
  "3-7": {
    workflow: Durable.workflow(
      { name: "child-step-retried", input: event(Schema.String) },
      ({ Input }) =>
        Durable.child(
          "child",
          Durable.step(
            "flaky",
            Effect.gen(function*() {
              const { attempt } = yield* Durable.StepContext
              if (attempt === 1) return yield* Effect.fail(new Error("first attempt fails"))
              return Input
            }),
            { retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "1 second", jitter: "NONE" }) }
          )
        )
    )
  },
  "3-8": {
    workflow: Durable.workflow(
      { name: "child-step-exhausted", input: anyEvent },
      () =>
        Durable.child(
          "child",
          Durable.step("always-fails", Effect.fail(new Error("always fails")), {
            retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "1 second", jitter: "NONE" })
          })
        )
    )
  },
  "3-9": {
    workflow: Durable.workflow(
      { name: "child-replayed", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const result = yield* Durable.child("child", echo(Input))
        yield* Durable.wait("pause", "1 second")
        return result
      })
    )
  },
  "3-10": {
    workflow: Durable.workflow(
      { name: "child-step-and-wait", input: event(Schema.String) },
      ({ Input }) =>
        Durable.child(
          "child",
          Effect.gen(function*() {
            const result = yield* echo(Input)
            yield* Durable.wait("pause", "1 second")
            return result
          })
        )
    )
  },
  "3-11": {
    // The child's result (about 300 KB) is over the checkpoint limit: it is rebuilt from the children on replay.
    workflow: Durable.workflow(
      { name: "child-large-result", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const large = yield* Durable.child(
          "large",
          Effect.gen(function*() {
            yield* Effect.logInfo(`building the large result for ${Input}`)
            const seed = yield* Durable.step("seed", Effect.succeed(Input))
            return seed.repeat(Math.ceil(300_000 / seed.length))
          })
        )
        yield* Durable.wait("pause", "1 second")
        return { length: large.length }
      })
    ),
    layer: Logs.replayLogging
  },
  "3-12": {
    workflow: Durable.workflow(
      { name: "child-interrupted", input: event(Schema.String) },
      ({ Input }) =>
        Durable.child(
          "child",
          Durable.step(
            "work",
            Effect.gen(function*() {
              // Some work, then the process dies (the first time).
              yield* Effect.sleep("100 millis")
              if (yield* Outside.firstTime("crash")) return yield* LocalRunner.crash
              return Input
            })
          )
        )
    )
  },
  "3-13": {
    workflow: Durable.workflow(
      { name: "child-wait-only", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        yield* Durable.child("child", Durable.wait("pause", "1 second").pipe(Effect.as(Input)))
        return yield* Durable.step("after", Effect.succeed(Input))
      })
    )
  },
  "3-14": {
    workflow: Durable.workflow(
      { name: "child-custom-codec", input: event(Schema.String) },
      ({ Input }) => Durable.child("child", echo(Input), { success: UpperCase })
    )
  },
  "3-15": {
    workflow: Durable.workflow(
      { name: "child-throws", input: anyEvent },
      () => Durable.child("child", Effect.fail(new Error("thrown directly in the child")))
    )
  },
  "3-16": {
    workflow: Durable.workflow({ name: "child-null", input: anyEvent }, () => Durable.child("child", Effect.succeed(null)))
  },
  "3-17": {
    workflow: Durable.workflow(
      { name: "child-logs-only", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const result = yield* Durable.child("logs", Effect.logInfo(`child running for ${Input}`).pipe(Effect.as(Input)))
        yield* Durable.wait("pause", "1 second")
        return result
      })
    ),
    layer: Logs.replayLogging
  },
  "3-18": {
    workflow: Durable.workflow(
      { name: "child-mixed", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const result = yield* Durable.child(
          "child",
          Effect.gen(function*() {
            const value = yield* echo(Input)
            yield* Durable.wait("inner-pause", "1 second")
            return value
          })
        )
        yield* Durable.step("after", Effect.succeed(result))
        yield* Durable.wait("outer-pause", "1 second")
        return result
      })
    )
  }
}
