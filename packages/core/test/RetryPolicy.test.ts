import { assert, describe, it } from "@effect/vitest"
import { Cause, Data, Duration, Effect, Exit, Random, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { ConfigValidationError } from "../src/DurableError.ts"
import * as RetryPolicy from "../src/RetryPolicy.ts"

class Transient extends Data.TaggedError("Transient")<{ readonly message: string }> {}
class Fatal extends Data.TaggedError("Fatal")<{ readonly message: string }> {}
class NetworkError extends Error {}

const boom = new Error("boom")

/** The decisions after failed attempts 1..n, each computed by a fresh `decide`. */
const decisions = <E>(policy: RetryPolicy.RetryPolicy<E>, error: E, n: number) =>
  Effect.forEach(Array.from({ length: n }, (_, i) => i + 1), (attempt) => RetryPolicy.decide(policy, error, attempt))

const retry = (delaySeconds: number): RetryPolicy.RetryDecision => ({ _tag: "Retry", delaySeconds })
const stop: RetryPolicy.RetryDecision = { _tag: "Stop" }

/** `samples` delays (seconds) of the decision after `attempt`, from one seeded generator. */
const sampleDelays = (policy: RetryPolicy.RetryPolicy, attempt: number, samples: number) =>
  Effect.forEach(Array.from({ length: samples }), () =>
    Effect.map(RetryPolicy.decide(policy, boom, attempt), (decision) => {
      assert.strictEqual(decision._tag, "Retry")
      return decision._tag === "Retry" ? decision.delaySeconds : NaN
    })).pipe(Random.withSeed("retry-policy-jitter"))

const mean = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0) / values.length

const configError = <E>(policy: RetryPolicy.RetryPolicy<E>, error: E) =>
  Effect.flip(RetryPolicy.decide(policy, error, 1))

describe("RetryPolicy", () => {
  describe("exact delays without jitter", () => {
    it.effect("default-like exponential: 5, 10, 20, 40, 60 s, then Stop at attempt 6", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.exponential({
          maxAttempts: 6,
          initialDelay: "5 seconds",
          maxDelay: "60 seconds",
          backoffRate: 2,
          jitter: "NONE"
        })
        assert.deepStrictEqual(yield* decisions(policy, boom, 7), [
          retry(5),
          retry(10),
          retry(20),
          retry(40),
          retry(60),
          stop,
          stop
        ])
        // no state is kept between calls: asking again gives the same answer
        assert.deepStrictEqual(yield* RetryPolicy.decide(policy, boom, 3), retry(20))
      }))

    it.effect("presets.linear: 1, 2, 3, 4, 5 s, then Stop at attempt 6", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* decisions(RetryPolicy.presets.linear, boom, 6), [
          retry(1),
          retry(2),
          retry(3),
          retry(4),
          retry(5),
          stop
        ])
      }))

    it.effect("exponential defaults: 3 attempts, 5 s ×2, capped at 5 minutes", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* decisions(RetryPolicy.exponential({ jitter: "NONE" }), boom, 3), [
          retry(5),
          retry(10),
          stop
        ])
        const capped = RetryPolicy.exponential({ maxAttempts: 10, initialDelay: "1 minute", jitter: "NONE" })
        assert.deepStrictEqual(yield* decisions(capped, boom, 4), [retry(60), retry(120), retry(240), retry(300)])
      }))

    it.effect("linear builder: custom increment and cap; backoffRate 1 is constant", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.linear({
          maxAttempts: 5,
          initialDelay: "10 seconds",
          increment: "30 seconds",
          maxDelay: "1 minute",
          jitter: "NONE"
        })
        assert.deepStrictEqual(yield* decisions(policy, boom, 5), [retry(10), retry(40), retry(60), retry(60), stop])
        const constant = RetryPolicy.exponential({
          maxAttempts: 3,
          initialDelay: "7 seconds",
          backoffRate: 1,
          jitter: "NONE"
        })
        assert.deepStrictEqual(yield* decisions(constant, boom, 3), [retry(7), retry(7), stop])
      }))

    it.effect("noRetry stops after the first attempt", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* decisions(RetryPolicy.noRetry, boom, 2), [stop, stop])
        assert.strictEqual(RetryPolicy.noRetry, RetryPolicy.presets.noRetry)
      }))
  })

  describe("jitter", () => {
    it.effect("presets.default (= standard): FULL jitter within [1, min(5·2^(n-1), 60)] s, Stop at 6", () =>
      Effect.gen(function*() {
        assert.strictEqual(RetryPolicy.standard, RetryPolicy.presets.default)
        const caps = [5, 10, 20, 40, 60]
        for (let attempt = 1; attempt <= 5; attempt++) {
          const cap = caps[attempt - 1]!
          const delays = yield* sampleDelays(RetryPolicy.standard, attempt, 200)
          assert.isTrue(delays.every((d) => Number.isInteger(d) && d >= 1 && d <= cap), `attempt ${attempt}: ${delays}`)
          // jitter really happens: the delays spread over the range
          assert.isTrue(new Set(delays).size > 1, `attempt ${attempt}: no spread`)
        }
        const last = yield* sampleDelays(RetryPolicy.standard, 5, 200)
        assert.isTrue(last.some((d) => d < 30), "FULL jitter reaches below d/2")
        assert.deepStrictEqual(yield* RetryPolicy.decide(RetryPolicy.standard, boom, 6), stop)
      }))

    it.effect("FULL draws uniformly from [0, d]", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "100 seconds", jitter: "FULL" })
        const delays = yield* sampleDelays(policy, 1, 1000)
        assert.isTrue(delays.every((d) => d >= 1 && d <= 100))
        assert.isTrue(delays.some((d) => d <= 10), "some delays near 0")
        assert.isTrue(delays.some((d) => d >= 90), "some delays near d")
        const m = mean(delays)
        assert.isTrue(m > 45 && m < 56, `mean ${m}`)
      }))

    it.effect("HALF draws uniformly from [d/2, d]", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.linear({ maxAttempts: 2, initialDelay: "100 seconds", jitter: "HALF" })
        const delays = yield* sampleDelays(policy, 1, 1000)
        assert.isTrue(delays.every((d) => d >= 50 && d <= 100), `${delays}`)
        assert.isTrue(delays.some((d) => d <= 55), "some delays near d/2")
        assert.isTrue(delays.some((d) => d >= 95), "some delays near d")
        const m = mean(delays)
        assert.isTrue(m > 72 && m < 79, `mean ${m}`)
      }))

    it.effect("jitter is reproducible with a seeded Random", () =>
      Effect.gen(function*() {
        const run = RetryPolicy.decide(RetryPolicy.standard, boom, 5).pipe(Random.withSeed(42))
        const first = yield* Effect.forEach(Array.from({ length: 5 }), () => run)
        assert.isTrue(first.every((d) => d._tag === "Retry"))
        assert.deepStrictEqual(yield* Effect.forEach(Array.from({ length: 5 }), () => run), first)
        assert.strictEqual(new Set(first.map((d) => JSON.stringify(d))).size, 1)
      }))
  })

  describe("rounding to whole seconds", () => {
    const spaced = (delay: Duration.Input) => RetryPolicy.decide(Schedule.spaced(delay), boom, 1)

    it.effect("rounds up, with a minimum of 1 s", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* spaced("300 millis"), retry(1))
        assert.deepStrictEqual(yield* spaced("1200 millis"), retry(2))
        assert.deepStrictEqual(yield* spaced("1001 millis"), retry(2))
        assert.deepStrictEqual(yield* spaced("5 seconds"), retry(5))
        assert.deepStrictEqual(yield* spaced(0), retry(1))
        assert.deepStrictEqual(yield* spaced(Duration.nanos(1n)), retry(1))
      }))

    it.effect("rounds to whole milliseconds first, so a sub-millisecond remainder does not add a second", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* spaced(Duration.nanos(3_000_000_001n)), retry(3))
        assert.deepStrictEqual(yield* spaced(Duration.nanos(3_000_600_000n)), retry(4))
        assert.deepStrictEqual(RetryPolicy.retryAfter(Duration.nanos(4_000_000_400n)), retry(4))
        assert.deepStrictEqual(RetryPolicy.retryAfter("2001 millis"), retry(3))
      }))

    it.effect("an infinite delay cannot be checkpointed: Stop", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* spaced("Infinity"), stop)
        assert.deepStrictEqual(RetryPolicy.retryAfter(Duration.infinity), stop)
      }))
  })

  describe("hand-built schedules", () => {
    it.effect("exponential limited by upTo: 1, 2, 4 s, then Stop", () =>
      Effect.gen(function*() {
        const policy = Schedule.exponential("1 second").pipe(Schedule.upTo({ times: 3 }))
        assert.deepStrictEqual(yield* decisions(policy, boom, 5), [retry(1), retry(2), retry(4), stop, stop])
      }))

    it.effect("exponential combined with recurs through Schedule.max", () =>
      Effect.gen(function*() {
        const policy = Schedule.max([Schedule.exponential("1 second", 3), Schedule.recurs(2)])
        assert.deepStrictEqual(yield* decisions(policy, boom, 3), [retry(1), retry(3), stop])
      }))

    it.effect("Stop when the schedule ends: recurs(2) allows two retries", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* decisions(Schedule.recurs(2), boom, 4), [retry(1), retry(1), stop, stop])
        assert.deepStrictEqual(yield* RetryPolicy.decide(Schedule.recurs(0), boom, 1), stop)
      }))

    it.effect("a schedule that reads its input sees the current failure", () =>
      Effect.gen(function*() {
        const policy = Schedule.spaced("10 seconds").pipe(
          Schedule.setInputType<Transient | Fatal>(),
          Schedule.while(({ input }) => input._tag === "Transient")
        )
        assert.deepStrictEqual(yield* RetryPolicy.decide(policy, new Transient({ message: "x" }), 4), retry(10))
        assert.deepStrictEqual(yield* RetryPolicy.decide(policy, new Fatal({ message: "x" }), 4), stop)
      }))

    it.effect("each step is given the current time from Clock", () =>
      Effect.gen(function*() {
        // waits until t = 10 s
        const untilTen: RetryPolicy.RetryPolicy = Schedule.fromStep(
          Effect.succeed((now: number) =>
            Effect.succeed([now, Duration.millis(10_000 - now)] as [number, Duration.Duration])
          )
        )
        yield* TestClock.setTime(4_000)
        assert.deepStrictEqual(yield* RetryPolicy.decide(untilTen, boom, 1), retry(6))
        yield* TestClock.setTime(7_500)
        assert.deepStrictEqual(yield* RetryPolicy.decide(untilTen, boom, 2), retry(3))
      }))

    it.effect("a schedule that fails or dies gives Stop instead of crashing", () =>
      Effect.gen(function*() {
        const failing = Schedule.spaced("1 second").pipe(Schedule.modifyDelay(() => Effect.fail("nope")))
        const dying = Schedule.spaced("1 second").pipe(Schedule.modifyDelay(() => Effect.die(new Error("bug"))))
        const failingToBuild: RetryPolicy.RetryPolicy = Schedule.fromStep(Effect.fail("cannot build"))
        assert.deepStrictEqual(yield* RetryPolicy.decide(failing, boom, 1), stop)
        assert.deepStrictEqual(yield* RetryPolicy.decide(dying, boom, 1), stop)
        assert.deepStrictEqual(yield* RetryPolicy.decide(failingToBuild, boom, 1), stop)
        // the same schedule without the failure does retry, so Stop above comes from the failure
        assert.deepStrictEqual(yield* RetryPolicy.decide(Schedule.spaced("1 second"), boom, 1), retry(1))
      }))

    it.effect("a ConfigValidationError from a hand-built schedule is propagated, interruption too", () =>
      Effect.gen(function*() {
        const misconfigured: RetryPolicy.RetryPolicy = Schedule.spaced("1 second").pipe(
          Schedule.modifyDelay(() => Effect.fail(new ConfigValidationError({ message: "no" })))
        )
        const error = yield* configError(misconfigured, boom)
        assert.instanceOf(error, ConfigValidationError)
        assert.strictEqual(error.message, "no")
        const interrupted: RetryPolicy.RetryPolicy = Schedule.spaced("1 second").pipe(
          Schedule.modifyDelay(() => Effect.interrupt)
        )
        const exit = yield* Effect.exit(RetryPolicy.decide(interrupted, boom, 1))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      }))

    it.effect("an attempt number below 1 is a defect", () =>
      Effect.gen(function*() {
        for (const attempt of [0, -1, 1.5]) {
          const exit = yield* Effect.exit(RetryPolicy.decide(RetryPolicy.standard, boom, attempt))
          assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause), `attempt ${attempt}`)
        }
      }))
  })

  describe("error filters", () => {
    it.effect("whileError retries matching failures and stops on others, even with attempts left", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.presets.linear.pipe(
          RetryPolicy.whileError((e: Transient | Fatal) => e._tag === "Transient")
        )
        const transient = new Transient({ message: "503" })
        const fatal = new Fatal({ message: "400" })
        assert.deepStrictEqual(yield* decisions(policy, transient, 6), [
          retry(1),
          retry(2),
          retry(3),
          retry(4),
          retry(5),
          stop
        ])
        assert.deepStrictEqual(yield* decisions(policy, fatal, 3), [stop, stop, stop])
      }))

    it("matchesError: message strings and RegExps, tags and classes are OR-ed", () => {
      const matches = RetryPolicy.matchesError({
        messages: ["ECONNRESET", /rate exceeded/gi],
        tags: ["Transient"],
        types: [NetworkError]
      })
      assert.isTrue(matches(new Error("read ECONNRESET")))
      assert.isFalse(matches(new Error("econnreset")), "string patterns are case-sensitive")
      const throttled = new Error("Rate Exceeded for function")
      // a global RegExp must give the same answer every time (lastIndex is ignored)
      assert.isTrue(matches(throttled))
      assert.isTrue(matches(throttled))
      assert.isTrue(matches("rate exceeded"), "a string failure is its own message")
      assert.isTrue(matches(new Transient({ message: "anything" })))
      assert.isTrue(matches(new NetworkError("anything")))
      assert.isFalse(matches(new Fatal({ message: "bad request" })))
      assert.isFalse(matches(new Error("bad request")))
      assert.isFalse(matches(42))
      assert.isFalse(matches(null))
      assert.isFalse(matches({ _tag: 1, message: 2 }))
    })

    it("matchesError: an empty filter matches every failure", () => {
      assert.isTrue(RetryPolicy.matchesError({})(new Error("x")))
      assert.isTrue(RetryPolicy.matchesError({ messages: [], tags: [], types: [] })(undefined))
    })

    it.effect("retryIf filters a policy", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "2 seconds", jitter: "NONE" }).pipe(
          RetryPolicy.retryIf({ messages: [/timeout/], tags: ["Transient"] })
        )
        assert.deepStrictEqual(yield* decisions(policy, new Error("socket timeout"), 3), [retry(2), retry(4), stop])
        assert.deepStrictEqual(yield* decisions(policy, new Transient({ message: "x" }), 2), [retry(2), retry(4)])
        assert.deepStrictEqual(yield* decisions(policy, new Error("validation failed"), 2), [stop, stop])
        const dataFirst = RetryPolicy.retryIf(Schedule.recurs(5), { types: [NetworkError] })
        assert.deepStrictEqual(yield* RetryPolicy.decide(dataFirst, new NetworkError("x"), 1), retry(1))
        assert.deepStrictEqual(yield* RetryPolicy.decide(dataFirst, new TypeError("x"), 1), stop)
      }))
  })

  describe("configuration errors", () => {
    const invalid: ReadonlyArray<[string, RetryPolicy.RetryPolicy, RegExp]> = [
      ["maxAttempts 0", RetryPolicy.exponential({ maxAttempts: 0 }), /maxAttempts/],
      ["maxAttempts 1.5", RetryPolicy.exponential({ maxAttempts: 1.5 }), /maxAttempts/],
      ["maxAttempts Infinity", RetryPolicy.linear({ maxAttempts: Infinity }), /maxAttempts/],
      ["maxAttempts NaN", RetryPolicy.linear({ maxAttempts: NaN }), /maxAttempts/],
      ["negative initialDelay", RetryPolicy.exponential({ initialDelay: -5 }), /initialDelay/],
      ["negative initialDelay string", RetryPolicy.linear({ initialDelay: "-1 seconds" }), /initialDelay/],
      ["infinite initialDelay", RetryPolicy.exponential({ initialDelay: "Infinity" }), /initialDelay/],
      ["negative maxDelay", RetryPolicy.exponential({ maxDelay: "-2 seconds" }), /maxDelay/],
      ["negative increment", RetryPolicy.linear({ increment: -1000 }), /increment/],
      ["unparsable duration", RetryPolicy.linear({ initialDelay: "soon" as Duration.Input }), /initialDelay/],
      ["backoffRate < 1", RetryPolicy.exponential({ backoffRate: 0.5 }), /backoffRate/],
      ["backoffRate NaN", RetryPolicy.exponential({ backoffRate: NaN }), /backoffRate/],
      ["unknown jitter", RetryPolicy.exponential({ jitter: "QUARTER" as RetryPolicy.Jitter }), /jitter/]
    ]

    for (const [name, policy, field] of invalid) {
      it.effect(`${name} fails with ConfigValidationError`, () =>
        Effect.gen(function*() {
          const error = yield* configError(policy, boom)
          assert.instanceOf(error, ConfigValidationError)
          assert.match(error.message, field)
        }))
    }

    it.effect("all problems are reported together", () =>
      Effect.gen(function*() {
        const error = yield* configError(RetryPolicy.exponential({ maxAttempts: 0, backoffRate: 0 }), boom)
        assert.match(error.message, /^RetryPolicy\.exponential: .*maxAttempts.*; .*backoffRate/)
      }))

    it.effect("an invalid policy stays invalid behind combinators", () =>
      Effect.gen(function*() {
        const policy = RetryPolicy.exponential({ maxAttempts: 0 }).pipe(RetryPolicy.retryIf({ tags: ["Transient"] }))
        assert.instanceOf(yield* configError(policy, new Transient({ message: "x" })), ConfigValidationError)
      }))

    it.effect("edge values that the service accepts are valid", () =>
      Effect.gen(function*() {
        const policies = [
          RetryPolicy.exponential({ maxAttempts: 1 }),
          RetryPolicy.exponential({ initialDelay: 0, maxDelay: 0, backoffRate: 1 }),
          RetryPolicy.linear({ increment: 0, maxDelay: "Infinity" })
        ]
        for (const policy of policies) {
          const exit = yield* Effect.exit(RetryPolicy.decide(policy, boom, 1))
          assert.isTrue(Exit.isSuccess(exit))
        }
      }))
  })
})
