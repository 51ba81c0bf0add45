import { assert, describe, it } from "@effect/vitest"
import { Durable, Payload, WaitForCondition } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Schedule, Schema } from "effect"
import { assertReplaySafe, outcomes, run } from "./support.ts"

const Job = Schema.Struct({ polls: Schema.Number, status: Schema.Literals(["RUNNING", "DONE"]) })

/** A job that is done at the third check; the state carries the number of checks. */
const polling = (schedule: Schedule.Schedule<unknown, typeof Job.Type, unknown>) =>
  Durable.workflow({ name: "polling", output: Job }, () =>
    Durable.waitForCondition(
      "job-done",
      (job) => Effect.succeed({ polls: job.polls + 1, status: job.polls + 1 >= 3 ? "DONE" as const : "RUNNING" as const }),
      { initial: { polls: 0, status: "RUNNING" }, schedule, schema: Job }
    ))

const untilDone = WaitForCondition.until<typeof Job.Type>((job) => job.status === "DONE", {
  initialDelay: "10 seconds",
  maxAttempts: 5
})

describe("Durable.waitForCondition", () => {
  it.effect("checkpoints the state with each RETRY, and SUCCEEDs with the state that met the condition", () =>
    Effect.gen(function*() {
      const result = yield* run(polling(untilDone))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, { polls: 3, status: "DONE" })
      // 10 s then 15 s between checks: both longer than the in-process horizon
      assert.deepStrictEqual(outcomes(result), ["PENDING", "PENDING", "SUCCEEDED"])
      const op = result.operations.find((op) => op.Name === "job-done")
      assert.strictEqual(op?.Type, "STEP")
      assert.strictEqual(op?.SubType, "WaitForCondition")
      assert.strictEqual(op?.StepDetails?.Result, "{\"polls\":3,\"status\":\"DONE\"}")
      const emulator = yield* Emulator.Emulator
      const retries = (yield* emulator.history(result.arn)).flatMap((e) =>
        e._tag === "Checkpointed" ? e.updates.filter((u) => u.Action === "RETRY") : []
      )
      assert.deepStrictEqual(retries.map((u) => [u.Payload, u.StepOptions?.NextAttemptDelaySeconds]), [
        ["{\"polls\":1,\"status\":\"RUNNING\"}", 10],
        ["{\"polls\":2,\"status\":\"RUNNING\"}", 15]
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("accepts any Schedule as its strategy", () =>
    Effect.gen(function*() {
      const schedule = Schedule.spaced("1 second").pipe(
        Schedule.setInputType<typeof Job.Type>(),
        Schedule.while(({ input }) => input.status !== "DONE")
      )
      const result = yield* run(polling(schedule))
      assert.strictEqual(result.status, "SUCCEEDED")
      // by default, each 1-second delay costs more alive than a re-invocation: it suspends
      assert.deepStrictEqual(outcomes(result), ["PENDING", "PENDING", "SUCCEEDED"])
      // the latency policy waits for them in-process
      const fast = yield* run(polling(schedule), undefined, { policy: "latency" })
      assert.deepStrictEqual(outcomes(fast), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("gives up with a WaitForConditionError when the strategy fails", () =>
    Effect.gen(function*() {
      const impatient = WaitForCondition.until<typeof Job.Type>((job) => job.status === "DONE", { maxAttempts: 2 })
      const result = yield* run(polling(impatient))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "WaitForConditionError")
        assert.include(result.error.ErrorMessage, "after 2 checks")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a failing check fails the operation", () =>
    Effect.gen(function*() {
      const failing = Durable.workflow({ name: "failing" }, () =>
        Durable.waitForCondition("check", () => Effect.fail(new Error("status endpoint down")), {
          initial: 0,
          schedule: Schedule.spaced("1 minute")
        }).pipe(Effect.catchTag("WaitForConditionError", (error) => Effect.succeed(error.message))))
      const result = yield* run(failing)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "status endpoint down")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      yield* assertReplaySafe(polling(untilDone), undefined)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("validates its replay, which the official SDK does not", () =>
    Effect.gen(function*() {
      let invocation = 0
      const drifting = Durable.workflow({ name: "drifting" }, () =>
        Effect.suspend(() =>
          Durable.waitForCondition(++invocation === 1 ? "a" : "b", (n: number) => Effect.succeed(n + 1), {
            initial: 0,
            schedule: Schedule.spaced("1 hour").pipe(Schedule.setInputType<number>(), Schedule.while(({ input }) => input < 2))
          })
        ))
      const result = yield* run(drifting)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("Durable.waitForCondition with an until predicate", () => {
  it.effect("infers the state type from the initial state and polls until the predicate holds", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "until" }, () =>
        Durable.waitForCondition("counter", (n) => Effect.succeed(n + 1), {
          initial: 0,
          until: (n) => n >= 3,
          initialDelay: "1 second",
          backoffRate: 1
        }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 3)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("Durable.waitForCondition with a hand-written state format", () => {
  it.effect("checkpoints each state through the Payload.serde, and reads it back after a suspension", () =>
    Effect.gen(function*() {
      const Reversed = Payload.serde<string>({
        encode: (text) => `reversed:${[...text].reverse().join("")}`,
        decode: (payload) => [...(payload ?? "").replace(/^reversed:/, "")].reverse().join("")
      })
      const workflow = Durable.workflow({ name: "serde" }, () =>
        Durable.waitForCondition("append", (text: string) => Effect.succeed(`${text}ab`), {
          initial: "",
          schema: Reversed,
          until: (text) => text.length >= 4
        }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "abab")
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const emulator = yield* Emulator.Emulator
      const payloads = (yield* emulator.history(result.arn)).flatMap((e) =>
        e._tag === "Checkpointed" ? e.updates.filter((u) => u.Action !== "START").map((u) => u.Payload) : []
      )
      // the second check started from the state read back through the format ("ab", not "ba")
      assert.deepStrictEqual(payloads, ["reversed:ba", "reversed:baba"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("Durable.waitForCondition with a strategy function", () => {
  const counting = (strategy: WaitForCondition.Strategy<number>) =>
    Durable.workflow({ name: "strategy", output: Schema.Number }, () =>
      Durable.waitForCondition("counter", (n: number) => Effect.succeed(n + 1), { initial: 0, strategy }))

  it.effect("is called with the state and the attempt, and its delays (any Duration input) go on the wire", () =>
    Effect.gen(function*() {
      const calls: Array<[number, number]> = []
      const result = yield* run(counting((n, attempt) => {
        calls.push([n, attempt])
        return n >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: attempt === 1 ? "90 seconds" : { minutes: 5 } }
      }))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 3)
      assert.deepStrictEqual(calls, [[1, 1], [2, 2], [3, 3]])
      const emulator = yield* Emulator.Emulator
      const delays = (yield* emulator.history(result.arn)).flatMap((e) =>
        e._tag === "Checkpointed" ? e.updates.filter((u) => u.Action === "RETRY") : []
      ).map((u) => u.StepOptions?.NextAttemptDelaySeconds)
      assert.deepStrictEqual(delays, [90, 300])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a strategy that throws gives up: WaitForConditionError with its message", () =>
    Effect.gen(function*() {
      const result = yield* run(counting((n) => {
        if (n >= 2) throw new Error("still not ready after 2 checks")
        return { shouldContinue: true, delay: "1 minute" }
      }))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "WaitForConditionError")
        assert.strictEqual(result.error.ErrorMessage, "still not ready after 2 checks")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      yield* assertReplaySafe(
        counting((n) => n >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: "10 seconds" }),
        undefined
      )
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("Durable.waitForCondition near the deadline", () => {
  it.effect("a check still running at the deadline is cut short and checked again in the next invocation", () =>
    Effect.gen(function*() {
      let checks = 0
      const workflow = Durable.workflow({ name: "slow-check" }, () =>
        Durable.waitForCondition(
          "slow",
          (n: number) =>
            Effect.suspend(() => ++checks === 1 ? Effect.sleep("20 minutes") : Effect.void).pipe(Effect.as(n + 1)),
          { initial: 0, until: (n) => n >= 1 }
        ))
      const result = yield* run(workflow, undefined, { invocationTimeout: "15 minutes" })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 1)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(checks, 2)
      const [first] = result.invocations
      assert.strictEqual(first.endedAt - first.startedAt, 15 * 60_000 - 2_000)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
