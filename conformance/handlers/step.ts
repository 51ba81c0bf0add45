/**
 * Handlers of the `step` requirements (1-1 to 1-20): steps, names, results,
 * custom codecs, replay, retries, AtMostOncePerRetry, failures.
 */
import { Durable, Payload, RetryPolicy } from "@effect-durable/core"
import { LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"

const greet = (name: string) => Effect.succeed(`Hello, ${name}!`)

/** Fails its first attempt, succeeds on the next ones. */
const failsOnce = <A>(value: A) =>
  Effect.gen(function*() {
    const { attempt } = yield* Durable.StepContext
    if (attempt === 1) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
    return value
  })

/** A custom format that writes the text upper-cased (and reads it as it is). */
const UpperCase = Payload.serde<string>({ encode: (text) => text.toUpperCase(), decode: (payload) => payload ?? "" })

class TransientError extends Schema.TaggedError<TransientError>()("TransientError", { message: Schema.String }) {}

const alwaysTransient = Effect.fail(new TransientError({ message: "the backend is briefly unavailable" }))

export const handlers: Suite = {
  "1-1": {
    workflow: Durable.workflow(
      { name: "step-basic", input: event(Schema.String) },
      ({ Input }) => Durable.step("greet", greet(Input))
    )
  },
  "1-2": {
    workflow: Durable.workflow(
      { name: "step-named", input: event(Schema.String) },
      ({ Input }) => Durable.step("custom_step_name", greet(Input))
    )
  },
  "1-3": {
    workflow: Durable.workflow(
      { name: "step-sequence", input: anyEvent },
      Effect.fn(function*() {
        const first = yield* Durable.step("step_one", Effect.succeed("first"))
        return yield* Durable.step("step_two", Effect.succeed(`${first}_second`))
      })
    )
  },
  "1-4": {
    workflow: Durable.workflow(
      {
        name: "step-complex-result",
        input: event(Schema.Struct({ name: Schema.String, tags: Schema.Array(Schema.String) }))
      },
      ({ Input }) =>
        Durable.step(
          "build_response",
          Effect.succeed({ user: { name: Input.name, tags: Input.tags }, count: Input.tags.length })
        )
    )
  },
  "1-5": {
    workflow: Durable.workflow(
      { name: "step-null-result", input: anyEvent },
      () => Durable.step("do_nothing", Effect.succeed(null))
    )
  },
  "1-6": {
    workflow: Durable.workflow(
      { name: "step-custom-codec", input: event(Schema.String) },
      ({ Input }) => Durable.step("return_input", Effect.succeed(Input), { success: UpperCase })
    )
  },
  "1-7": {
    workflow: Durable.workflow(
      { name: "step-logger", input: event(Schema.String) },
      ({ Input }) =>
        Durable.step(
          "greet",
          Effect.gen(function*() {
            yield* Effect.logInfo(`Greeting step started for: ${Input}`)
            const greeting = `Hello, ${Input}!`
            yield* Effect.logInfo(`Greeting step completed with: ${greeting}`)
            return greeting
          })
        )
    )
  },
  "1-8": {
    workflow: Durable.workflow(
      { name: "step-and-wait", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.step("compute", Effect.succeed("computed"))
        yield* Durable.wait("pause", "2 seconds")
        return result
      })
    )
  },
  "1-9": {
    workflow: Durable.workflow(
      { name: "step-replay-skips", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.step(
          "compute",
          Effect.logInfo("step executed").pipe(Effect.as("cached_value"))
        )
        yield* Durable.wait("pause", "1 second")
        return result
      })
    )
  },
  "1-10": {
    workflow: Durable.workflow(
      { name: "step-replay-rethrows", input: anyEvent },
      Effect.fn(function*() {
        const caught = yield* Durable.step(
          "fails",
          Effect.logInfo("step executed").pipe(Effect.andThen(Effect.fail(new Error("permanent failure")))),
          { retry: RetryPolicy.noRetry }
        ).pipe(Effect.catchTag("StepError", (error) => Effect.succeed(error.message)))
        yield* Durable.wait("pause", "1 second")
        return { caught }
      })
    )
  },
  "1-11": {
    workflow: Durable.workflow(
      { name: "step-retry", input: anyEvent },
      () =>
        Durable.step("unreliable", failsOnce("Operation succeeded"), {
          retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "1 second", jitter: "NONE" })
        })
    )
  },
  "1-12": {
    workflow: Durable.workflow(
      { name: "step-retry-exhaustion", input: anyEvent },
      () =>
        Durable.step("always_fail", Effect.fail(new Error("always fails")), {
          retry: RetryPolicy.exponential({ maxAttempts: 4, initialDelay: "1 second", backoffRate: 1, jitter: "NONE" })
        })
    )
  },
  "1-13": {
    workflow: Durable.workflow(
      { name: "step-default-retry", input: anyEvent },
      () =>
        Durable.step(
          "unreliable",
          Effect.gen(function*() {
            const { attempt } = yield* Durable.StepContext
            if (attempt <= 2) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
            return "succeeded on the third attempt"
          })
        )
    )
  },
  "1-14": {
    workflow: Durable.workflow(
      { name: "step-custom-retry", input: anyEvent },
      () =>
        Durable.step(
          "unreliable",
          Effect.gen(function*() {
            const { attempt } = yield* Durable.StepContext
            if (attempt <= 2) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
            return "succeeded on the third attempt"
          }),
          { retry: RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "2 seconds", backoffRate: 3, jitter: "NONE" }) }
        )
    )
  },
  "1-15": {
    workflow: Durable.workflow(
      { name: "step-retry-transient", input: anyEvent },
      () =>
        Durable.step(
          "call_backend",
          Effect.gen(function*() {
            const { attempt } = yield* Durable.StepContext
            if (attempt === 1) return yield* alwaysTransient
            return "recovered"
          }),
          {
            error: TransientError,
            retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "1 second", jitter: "NONE" }).pipe(
              RetryPolicy.retryIf({ types: [TransientError] })
            )
          }
        )
    )
  },
  "1-16": {
    workflow: Durable.workflow(
      { name: "step-no-retry-transient", input: anyEvent },
      () =>
        Durable.step("call_backend", alwaysTransient, {
          error: TransientError,
          retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "1 second", jitter: "NONE" }).pipe(
            RetryPolicy.whileError((error) => !(error instanceof TransientError))
          )
        })
    )
  },
  "1-17": {
    workflow: Durable.workflow(
      { name: "step-at-most-once-interrupted", input: event(Schema.String) },
      ({ Input }) =>
        Durable.step(
          "at_most_once_flaky_step",
          Effect.logInfo(`processing ${Input}`).pipe(Effect.andThen(LocalRunner.crash)),
          { semantics: "AtMostOncePerRetry", retry: RetryPolicy.noRetry }
        )
    )
  },
  "1-18": {
    workflow: Durable.workflow(
      { name: "step-at-most-once-retried", input: event(Schema.String) },
      ({ Input }) =>
        Durable.step(
          "at_most_once_step",
          Effect.gen(function*() {
            const { attempt } = yield* Durable.StepContext
            yield* Effect.logInfo(`processing ${Input}`)
            if (attempt === 1) return yield* LocalRunner.crash
            return "succeeded on second attempt"
          }),
          {
            semantics: "AtMostOncePerRetry",
            retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "1 second", jitter: "NONE" })
          }
        )
    )
  },
  "1-19": {
    workflow: Durable.workflow(
      { name: "step-fails", input: anyEvent },
      () => Durable.step("failing", Effect.fail(new Error("this step always fails")), { retry: RetryPolicy.noRetry })
    )
  },
  "1-20": {
    workflow: Durable.workflow(
      { name: "step-error-caught", input: anyEvent },
      Effect.fn(function*() {
        const fallback = yield* Durable.step("failing", Effect.fail(new Error("this step fails")), {
          retry: RetryPolicy.noRetry
        }).pipe(Effect.catchTag("StepError", () => Effect.succeed("fallback")))
        return yield* Durable.step("continue", Effect.succeed(`${fallback}_result`))
      })
    )
  }
}
