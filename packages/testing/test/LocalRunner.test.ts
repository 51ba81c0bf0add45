import { Durable, RetryPolicy } from "@effect-durable/core"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Emulator } from "../src/Emulator.ts"
import * as LocalRunner from "../src/LocalRunner.ts"

class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String }) {}

const makeCounter = () => {
  const counts = new Map<string, number>()
  return {
    counts,
    hit: (name: string) => Effect.sync(() => counts.set(name, (counts.get(name) ?? 0) + 1))
  }
}

const greet = (counter: ReturnType<typeof makeCounter>) =>
  Durable.workflow(
    { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
    ({ name }) =>
      Effect.gen(function*() {
        const a = yield* Durable.step("compose", Effect.as(counter.hit("compose"), `hello ${name}`))
        yield* Durable.wait("pause", "1 hour")
        const b = yield* Durable.step("shout", Effect.as(counter.hit("shout"), a.toUpperCase()))
        yield* Durable.wait("pause again", "1 day")
        return `${a} / ${b}`
      })
  )

const provide = <A, E, R>(effect: Effect.Effect<A, E, R>, pageSize?: number) =>
  Effect.provide(effect, pageSize === undefined ? Emulator.layer : Emulator.layerWith({ pageSize }))

describe("LocalRunner", () => {
  it.effect("runs a workflow through waits, one invocation per suspension", () =>
    provide(Effect.gen(function*() {
      const counter = makeCounter()
      const result = yield* LocalRunner.runUnderTestClock(greet(counter), { name: "ada" })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, "hello ada / HELLO ADA")
      assert.strictEqual(counter.counts.get("compose"), 1)
      assert.strictEqual(counter.counts.get("shout"), 1)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
      assert.strictEqual(result.invocations[1]!.startedAt, 3_600_000)
      assert.strictEqual(result.checkpointCalls, result.execution.checkpointCalls)
      assert.strictEqual(
        result.invocations.reduce((n, i) => n + i.checkpointCalls, 0),
        result.checkpointCalls
      )
      assert.deepStrictEqual(
        result.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`),
        [
          "EXECUTION::SUCCEEDED",
          "STEP:compose:SUCCEEDED",
          "WAIT:pause:SUCCEEDED",
          "STEP:shout:SUCCEEDED",
          "WAIT:pause again:SUCCEEDED"
        ]
      )
      assert.isAtLeast(yield* Clock.currentTimeMillis, 90_000_000)
    })))

  it.effect("replays correctly whichever checkpoint the container dies after", () =>
    provide(Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "bob" })
      assert.strictEqual(clean.status, "SUCCEEDED")
      for (let k = 1; k <= clean.checkpointCalls; k++) {
        const counter = makeCounter()
        const crashed = yield* LocalRunner.runUnderTestClock(greet(counter), { name: "bob" }, {
          crashAfterCheckpoints: [k]
        })
        assert.strictEqual(crashed.status, "SUCCEEDED", `crash after checkpoint ${k}`)
        assert.deepStrictEqual(
          crashed.status === "SUCCEEDED" ? crashed.output : undefined,
          clean.status === "SUCCEEDED" ? clean.output : undefined
        )
        const outcomes = crashed.invocations.map((i) => i.outcome)
        assert.strictEqual(outcomes.filter((o) => o === "crashed").length, 1, `crash after checkpoint ${k}`)
        assert.strictEqual(outcomes.at(-1), "SUCCEEDED")
        // at-least-once: a step may run again only if the crash came before its result was checkpointed
        assert.isAtMost(counter.counts.get("compose") ?? 0, 2)
        assert.deepStrictEqual(
          crashed.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`),
          clean.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`)
        )
      }
    })))

  it.effect("survives crashes after every checkpoint at once", () =>
    provide(Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "cy" }, {
        crashAfterCheckpoints: Array.from({ length: 20 }, (_, i) => i + 1)
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.isAbove(result.invocations.filter((i) => i.outcome === "crashed").length, 1)
    })))

  it.effect("reports a failed execution with its error object", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow(
        { name: "decline", input: Schema.Number, output: Schema.Number, error: Declined },
        (n) =>
          Effect.gen(function*() {
            const doubled = yield* Durable.step("double", Effect.succeed(n * 2))
            if (doubled > 10) return yield* new Declined({ reason: "too big" })
            return doubled
          })
      )
      const ok = yield* LocalRunner.runUnderTestClock(workflow, 2)
      assert.strictEqual(ok.status === "SUCCEEDED" ? ok.output : undefined, 4)
      const failed = yield* LocalRunner.runUnderTestClock(workflow, 50)
      assert.strictEqual(failed.status, "FAILED")
      if (failed.status === "FAILED") assert.strictEqual(failed.error.ErrorType, "Declined")
      assert.strictEqual(failed.execution.status, "FAILED")
    })))

  it.effect("retries a failing step through PENDING and READY", () =>
    provide(Effect.gen(function*() {
      let attempts = 0
      const workflow = Durable.workflow(
        { name: "flaky", output: Schema.Number },
        () =>
          Durable.step(
            "flaky",
            Effect.suspend(() => {
              attempts += 1
              return attempts < 3 ? Effect.fail(new Declined({ reason: `attempt ${attempts}` })) : Effect.succeed(attempts)
            }),
            { retry: RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "30 seconds", jitter: "NONE" }) }
          )
      )
      const result = yield* LocalRunner.runUnderTestClock(workflow, undefined)
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, 3)
      assert.strictEqual(attempts, 3)
      const step = result.operations.find((o) => o.Type === "STEP")!
      assert.strictEqual(step.StepDetails?.Attempt, 3)
    })))

  it.effect("delivers events to onEvent in order", () =>
    provide(Effect.gen(function*() {
      const events: Array<LocalRunner.Event> = []
      const result = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "dee" }, {
        onEvent: (event) => Effect.sync(() => events.push(event))
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      const tags = events.map((e) => e._tag)
      assert.strictEqual(tags[0], "ExecutionStarted")
      assert.strictEqual(tags[1], "InvocationStarted")
      assert.strictEqual(tags.at(-1), "ExecutionCompleted")
      assert.strictEqual(tags.filter((t) => t === "InvocationStarted").length, result.invocations.length)
      assert.strictEqual(tags.filter((t) => t === "Checkpointed").length, result.checkpointCalls)
      assert.isAtLeast(tags.filter((t) => t === "Sleeping").length, 1)
      assert.deepStrictEqual(events.filter((e) => e._tag !== "Sleeping"), [...result.execution.history])
    })))

  it.effect("pages large states into the invocation", () =>
    provide(
      Effect.gen(function*() {
        const workflow = Durable.workflow({ name: "many", output: Schema.Number }, () =>
          Effect.gen(function*() {
            let sum = 0
            for (let i = 1; i <= 7; i++) sum += yield* Durable.step(`s${i}`, Effect.succeed(i))
            yield* Durable.wait("nap", "1 minute")
            for (let i = 8; i <= 9; i++) sum += yield* Durable.step(`s${i}`, Effect.succeed(i))
            return sum
          }))
        const result = yield* LocalRunner.runUnderTestClock(workflow, undefined)
        assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, 45)
        assert.strictEqual(result.invocations.length, 2)
      }),
      2
    ))

  it.effect("retries failed invocations a bounded number of times", () =>
    provide(Effect.gen(function*() {
      // the body returns a value its output codec cannot encode: a serialization failure Lambda retries
      const workflow = Durable.workflow(
        { name: "bad-output", output: Schema.Number },
        () => Effect.succeed("not a number" as unknown as number)
      )
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { maxConsecutiveFailures: 2 }))
      assert.strictEqual(error._tag, "InvocationFailedError")
      if (error._tag === "InvocationFailedError") assert.strictEqual(error.errors.length, 2)
    })))

  it.effect("gives up at maxInvocations", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "slow" }, () =>
        Effect.gen(function*() {
          for (let i = 1; i <= 5; i++) yield* Durable.wait(`w${i}`, "1 hour")
        }))
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { maxInvocations: 3 }))
      assert.strictEqual(error._tag, "InvocationLimitError")
    })))

  it.effect("fails with HorizonExceededError when time runs out", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "sleepy" }, () => Durable.wait("long", "30 days"))
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { horizon: "1 day" }))
      assert.strictEqual(error._tag, "HorizonExceededError")
    })))

  it.effect("interrupts an invocation that outlives invocationTimeout, as Lambda does", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "stubborn" }, () =>
        Durable.step("stubborn", Effect.uninterruptible(Effect.sleep("20 minutes")), { retry: RetryPolicy.noRetry }))
      const error = yield* Effect.flip(
        LocalRunner.runUnderTestClock(workflow, undefined, { invocationTimeout: "1 minute", maxConsecutiveFailures: 1 })
      )
      assert.strictEqual(error._tag, "InvocationFailedError")
      assert.include(error.message, "timed out")
    })))

  it.effect("drives an execution started elsewhere, and ends with it when it is stopped while it waits", () =>
    provide(Effect.gen(function*() {
      const emulator = yield* Emulator
      const counter = makeCounter()
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "eve" }), name: "greet" })
      const driving = yield* Effect.forkChild(LocalRunner.drive(greet(counter), arn, { waitForExternal: true }))
      // the first invocation runs, then the drive sleeps until the 1-hour wait ends
      for (let second = 0; second < 60; second++) yield* TestClock.adjust("1 second")
      assert.strictEqual(counter.counts.get("compose"), 1)
      yield* emulator.stop(arn, { ErrorType: "Cancelled", ErrorMessage: "no longer needed" })
      const result = yield* Fiber.join(driving)
      assert.strictEqual(result.execution.status, "STOPPED")
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING"])
      assert.isUndefined(counter.counts.get("shout"))
      // and it did not wait for the timer: the clock is where the stop left it
      assert.isBelow(yield* Clock.currentTimeMillis, 3_600_000)
    })))
})
