/**
 * The termination decisions of the supervisor, end to end: each workflow runs
 * on the emulator under TestClock, through the LocalRunner, and the test reads
 * how its invocations ended.
 */
import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient, Durable, RetryPolicy, Scheduler, Termination } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Clock, Deferred, Duration, Effect, Layer, Schema } from "effect"
import { answerCallbacks } from "./support.ts"

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { attempt: Schema.Number }) {}

const retriedOnce = (delay: Duration.Input) =>
  Durable.workflow({ name: "retried-once", output: Schema.Number }, () =>
    Durable.step(
      "flaky",
      Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt === 1) return yield* new Flaky({ attempt })
        return attempt
      }),
      { error: Flaky, retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: delay, jitter: "NONE" }) }
    ))

const waitsFor = (duration: Duration.Input) =>
  Durable.workflow({ name: "waits", output: Schema.String }, () =>
    Effect.gen(function*() {
      yield* Durable.wait("pause", duration)
      return yield* Durable.step("after", Effect.succeed("done"), { success: Schema.String })
    }))

const outcomes = (result: LocalRunner.Result<unknown>) => result.invocations.map((i) => i.outcome)

const run = <W extends Parameters<typeof LocalRunner.runUnderTestClock>[0]>(
  workflow: W,
  input?: LocalRunner.InputOf<W>,
  options?: LocalRunner.TestClockOptions
) => LocalRunner.runUnderTestClock(workflow, input as LocalRunner.InputOf<W>, options)

describe("Supervisor", () => {
  it.effect("a wait shorter than the warmup resumes in-process, within one invocation", () =>
    Effect.gen(function*() {
      const result = yield* run(waitsFor("1 second"), undefined, { policy: { warmup: Duration.seconds(2) } })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("by default (cost), a one-second wait suspends: a second alive costs more than a re-invocation", () =>
    Effect.gen(function*() {
      const result = yield* run(waitsFor("1 second"))
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const [first] = result.invocations
      // at 128 MB the break-even is 96 ms: it suspended at once
      assert.strictEqual(first.endedAt - first.startedAt, 0)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("under cost, a wait shorter than the break-even time resumes in-process", () =>
    Effect.gen(function*() {
      // 950 ms of start-up before the first operation (every invocation replays it): at
      // 128 MB a re-invocation costs the request fee (96 ms alive) plus 950 ms, more than
      // one second alive.
      const slowStart = Durable.workflow({ name: "slow-start", output: Schema.String }, () =>
        Effect.sleep("950 millis").pipe(Effect.andThen(waitsFor("1 second").body(undefined))))
      const result = yield* run(slowStart)
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
      // at 1 GB the request fee is worth 12 ms alive: 962 ms is less than the wait, it suspends
      const big = yield* run(slowStart, undefined, { policy: { costModel: { memoryMB: 1024 } } })
      assert.deepStrictEqual(outcomes(big), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the latency policy waits for a one-second wait in-process", () =>
    Effect.gen(function*() {
      const result = yield* run(waitsFor("1 second"), undefined, { policy: "latency" })
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
      const [only] = result.invocations
      assert.strictEqual(only.endedAt - only.startedAt, 1_000)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an in-process wait resumes even when timers fire a millisecond before the clock reads their time", () =>
    Effect.gen(function*() {
      // Node's timers and Date.now round differently: a timer may fire when the clock
      // still reads a millisecond less. The supervisor's alarm must not take that for
      // its time and go back to sleep with nothing left to wake it up.
      const clock = yield* Clock.Clock
      const early = new Proxy(clock, {
        get: (target, key) =>
          key === "sleep"
            ? (duration: Duration.Duration) =>
              target.sleep(
                Duration.isGreaterThan(duration, Duration.millis(1))
                  ? Duration.subtract(duration, Duration.millis(1))
                  : duration
              )
            : Reflect.get(target, key, target)
      })
      const result = yield* run(waitsFor("1 second"), undefined, { policy: "latency" }).pipe(
        Effect.provideService(Clock.Clock, early)
      )
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
      const [only] = result.invocations
      assert.isAtMost(only.endedAt - only.startedAt, 1_001)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the eager policy suspends 20 ms after nothing runs, as the official SDK does", () =>
    Effect.gen(function*() {
      const result = yield* run(waitsFor("1 second"), undefined, { policy: "eager" })
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const [first] = result.invocations
      assert.strictEqual(first.endedAt - first.startedAt, 20)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  const approval = Durable.workflow({ name: "approval", output: Schema.String }, () =>
    Effect.flatMap(Durable.createCallback("approval"), (callback) => callback.await))
  const answeredAfter = (after: Duration.Input, options: LocalRunner.TestClockOptions = {}) =>
    Effect.scoped(Effect.gen(function*() {
      const answering = yield* answerCallbacks(() => ({ after, result: "yes" }))
      return yield* run(approval, undefined, { ...answering, ...options })
    }))
  const callbackOf = (result: LocalRunner.Result<unknown>) => result.operations.find((op) => op.Type === "CALLBACK")!
  const idleFor = (result: LocalRunner.Result<unknown>) =>
    result.invocations[0].endedAt - callbackOf(result).StartTimestamp!.getTime()

  it.effect("under cost, a callback answered within the break-even time is seen by the last look, in-process", () =>
    Effect.gen(function*() {
      const whole = { policy: { rent: "deterministic" } } as const
      // 96 ms of request fee at 128 MB: an answer after 50 ms is picked up by the poll at 96 ms
      const quick = yield* answeredAfter("50 millis", whole)
      assert.deepStrictEqual(outcomes(quick), ["SUCCEEDED"])
      assert.strictEqual(idleFor(quick), 96)
      // an answer after the break-even time is bought: PENDING, then a re-invocation
      const slow = yield* answeredAfter("500 millis", whole)
      assert.deepStrictEqual(outcomes(slow), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(idleFor(slow), 96)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("under cost, a callback is rented the share of the break-even time its execution draws", () =>
    Effect.gen(function*() {
      const policy = Termination.resolve("cost")
      const drawn = (result: LocalRunner.Result<unknown>) =>
        Termination.rentMillis(policy, 96, result.arn, [callbackOf(result).Id])
      // an answer after the break-even time: it stays the drawn rent, then suspends
      const names = ["a", "b", "c", "d"]
      const rents: Array<number> = []
      let first = ""
      for (const executionName of names) {
        const result = yield* answeredAfter("500 millis", { executionName })
        first ||= result.arn
        assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
        assert.isAtMost(drawn(result), 96)
        assert.strictEqual(idleFor(result), drawn(result))
        rents.push(idleFor(result))
      }
      // executions draw apart; the same execution draws the same on every run
      assert.isAbove(new Set(rents).size, 1)
      const again = yield* answeredAfter("500 millis", { executionName: "a" }).pipe(
        Effect.provide(Layer.fresh(Emulator.Emulator.layer))
      )
      assert.strictEqual(again.arn, first)
      assert.strictEqual(idleFor(again), rents[0])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("under cost, a callback rents at most half the break-even time once the execution's answers came late", () =>
    Effect.gen(function*() {
      const twice = Durable.workflow({ name: "twice", output: Schema.String }, () =>
        Effect.gen(function*() {
          const first = yield* Effect.flatMap(Durable.createCallback("first"), (callback) => callback.await)
          const second = yield* Effect.flatMap(Durable.createCallback("second"), (callback) => callback.await)
          return `${first} ${second}`
        }))
      const policy = Termination.resolve("cost")
      const seen: Array<number> = []
      for (const executionName of ["a", "b", "c", "d", "e", "f"]) {
        const result = yield* Effect.scoped(Effect.gen(function*() {
          const answering = yield* answerCallbacks(() => ({ after: "500 millis", result: "yes" }))
          return yield* run(twice, undefined, { ...answering, executionName })
        }))
        assert.deepStrictEqual(outcomes(result), ["PENDING", "PENDING", "SUCCEEDED"])
        const [first, second] = result.operations.filter((op) => op.Type === "CALLBACK")
        const idle = (i: number, op: typeof first) => result.invocations[i].endedAt - op.StartTimestamp!.getTime()
        // the first callback: no answer yet in this execution, the whole break-even time to draw from
        assert.strictEqual(idle(0, first), Termination.rentMillis(policy, 96, result.arn, [first.Id]))
        // the second: the first came after 500 ms, later than the break-even time: half of it at most
        assert.strictEqual(idle(1, second), Termination.rentMillis(policy, 96, result.arn, [second.Id], 500))
        assert.isAtMost(idle(1, second), 48)
        seen.push(idle(1, second))
      }
      assert.isAbove(new Set(seen).size, 1)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a longer wait ends the invocation with PENDING at once, and resumes in a second one", () =>
    Effect.gen(function*() {
      const result = yield* run(waitsFor("1 hour"))
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const [first, second] = result.invocations
      // suspended as soon as it was idle, not at the end of the wait
      assert.strictEqual(first.endedAt - first.startedAt, 0)
      assert.isAtLeast(second.startedAt - first.startedAt, 3_600_000)
      // a wake-up after the deadline is not worth waiting for, even under latency
      const patient = yield* run(waitsFor("1 hour"), undefined, { policy: "latency" })
      assert.deepStrictEqual(outcomes(patient), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(patient.invocations[0].endedAt - patient.invocations[0].startedAt, 0)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a one-day wait completes in milliseconds of real time", () =>
    Effect.gen(function*() {
      const started = performance.now()
      const result = yield* run(waitsFor("1 day"))
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.isBelow(performance.now() - started, 2_000)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a one-second retry back-off suspends by default, and resumes in-process under latency", () =>
    Effect.gen(function*() {
      const result = yield* run(retriedOnce("1 second"))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 2)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const fast = yield* run(retriedOnce("1 second"), undefined, { policy: "latency" })
      if (fast.status === "SUCCEEDED") assert.strictEqual(fast.output, 2)
      assert.deepStrictEqual(outcomes(fast), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a long retry back-off ends with PENDING and retries in the next invocation", () =>
    Effect.gen(function*() {
      const result = yield* run(retriedOnce("30 seconds"))
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const step = result.operations.find((op) => op.Name === "flaky")
      assert.strictEqual(step?.StepDetails?.Attempt, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a step still executing keeps the invocation alive while a parallel wait elapses", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "parallel" }, () =>
        Effect.all([
          Durable.step("slow", Effect.sleep("1 minute").pipe(Effect.as("slow"))),
          Durable.wait("quick", "10 seconds")
        ], { concurrency: "unbounded" }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
      const wait = result.operations.find((op) => op.Name === "quick")
      assert.strictEqual(wait?.Status, "SUCCEEDED")
      const [only] = result.invocations
      assert.strictEqual(only.endedAt - only.startedAt, 60_000)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("never answers PENDING with nothing pending", () =>
    Effect.gen(function*() {
      // No durable operation at all, and work that takes longer than the warmup.
      const plain = Durable.workflow({ name: "plain" }, () => Effect.sleep("10 seconds").pipe(Effect.as(42)))
      const result = yield* run(plain)
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
      // Completed operations only: nothing waits, so nothing may suspend.
      const completed = Durable.workflow({ name: "completed" }, () =>
        Effect.gen(function*() {
          yield* Durable.step("one", Effect.succeed(1))
          yield* Effect.sleep("5 seconds")
          return yield* Durable.step("two", Effect.succeed(2))
        }))
      const second = yield* run(completed)
      assert.deepStrictEqual(outcomes(second), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a non-deterministic replay fails the execution with NonDeterministicExecutionError", () =>
    Effect.gen(function*() {
      let invocations = 0
      const drifting = Durable.workflow({ name: "drifting" }, () =>
        Effect.gen(function*() {
          invocations++
          if (invocations === 1) yield* Durable.wait("first", "1 hour")
          else yield* Durable.step("first", Effect.succeed("oops"))
          return "unreachable"
        }))
      const result = yield* run(drifting)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
        assert.match(result.error.ErrorMessage ?? "", /Expected type "WAIT", but got "STEP"/)
      }
      assert.deepStrictEqual(outcomes(result), ["PENDING", "FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the Lambda deadline forces PENDING a safety margin before the timeout", () =>
    Effect.gen(function*() {
      let runs = 0
      const long = Durable.workflow({ name: "long" }, () =>
        Durable.step(
          "long-step",
          Effect.suspend(() => ++runs === 1 ? Effect.sleep("20 minutes") : Effect.void).pipe(Effect.map(() => runs))
        ))
      const result = yield* run(long, undefined, { invocationTimeout: "15 minutes" })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const [first] = result.invocations
      // ended 2 s (the default margin) before the 15-minute timeout, not by it
      assert.strictEqual(first.endedAt - first.startedAt, 15 * 60_000 - 2_000)
      // the interrupted attempt was checkpointed as a failed attempt, and the retry ran it again
      const step = result.operations.find((op) => op.Name === "long-step")
      assert.strictEqual(step?.StepDetails?.Attempt, 2)
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an attempt cut short at the deadline runs its finalizers before it is checkpointed as failed", () =>
    Effect.gen(function*() {
      const events: Array<string> = []
      let runs = 0
      const long = Durable.workflow({ name: "long-finalized" }, () =>
        Durable.step(
          "long-step",
          Effect.suspend(() => ++runs === 1 ? Effect.sleep("20 minutes") : Effect.void).pipe(
            Effect.onExit((exit) => Effect.sync(() => events.push(`attempt ${runs}: ${exit._tag}`))),
            Effect.map(() => runs)
          ),
          { retry: RetryPolicy.exponential({ maxAttempts: 1 }) }
        ).pipe(Effect.catch((error) => Effect.sync(() => (events.push(`caught ${error._tag}`), 0))))
      )
      const result = yield* run(long, undefined, { invocationTimeout: "15 minutes" })
      // one attempt only: the attempt cut at the deadline fails the step, and the workflow goes on with the failure
      assert.deepStrictEqual(events, ["attempt 1: Failure", "caught StepError"])
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 0)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a step late in a chain still gives up its attempt at the deadline cut-off", () =>
    Effect.gen(function*() {
      // The chain's changes (a step executing, completing; the queue draining) keep nothing waiting, so they do
      // not wake the supervisor: the alarm it set for the cut-off on its first look is what ends the last step.
      let runs = 0
      const chain = Durable.workflow({ name: "chain-then-long" }, () =>
        Effect.gen(function*() {
          for (let i = 1; i <= 5; i++) yield* Durable.step(`quick-${i}`, Effect.succeed(i))
          return yield* Durable.step(
            "long-step",
            Effect.suspend(() => ++runs === 1 ? Effect.sleep("20 minutes") : Effect.void).pipe(Effect.map(() => runs))
          )
        }))
      const result = yield* run(chain, undefined, { invocationTimeout: "15 minutes" })
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const [first] = result.invocations
      assert.strictEqual(first.endedAt - first.startedAt, 15 * 60_000 - 2_000)
      assert.strictEqual(result.operations.find((op) => op.Name === "long-step")?.StepDetails?.Attempt, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the supervisor's change signal skips the changes that keep nothing waiting while something executes", () =>
    Effect.gen(function*() {
      const scheduler = yield* Scheduler.make(Termination.cost)
      const meta = (id: string) => ({ id, type: "STEP", subType: "Step", name: id }) as const
      yield* scheduler.executing(meta("a"))
      // The supervisor looks: something executes, nothing waits.
      const busy = yield* scheduler.changed
      yield* scheduler.executing(meta("b"))
      yield* scheduler.complete("a")
      yield* scheduler.complete("b")
      yield* scheduler.signal
      assert.isFalse(yield* Deferred.isDone(busy))
      // Something waits: the decision may change.
      yield* scheduler.register(meta("c"), { state: "IDLE_NOT_AWAITED", wakeAt: undefined, current: undefined, until: () => true })
      assert.isTrue(yield* Deferred.isDone(busy))
      // A look at a state where something waits: every change counts.
      const waiting = yield* scheduler.changed
      yield* scheduler.executing(meta("d"))
      assert.isTrue(yield* Deferred.isDone(waiting))
      // The alarm always wakes it.
      yield* scheduler.complete("c")
      const idle = yield* scheduler.changed
      yield* scheduler.wake
      assert.isTrue(yield* Deferred.isDone(idle))
    }))

  it.effect("a durable operation inside a step fails the execution with ContextValidationError", () =>
    Effect.gen(function*() {
      const nested = Durable.workflow({ name: "nested" }, () =>
        Durable.step("outer", Durable.wait("inner", "1 second") as Effect.Effect<void>))
      const result = yield* run(nested)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "ContextValidationError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an invalid operation name fails the execution with ConfigValidationError", () =>
    Effect.gen(function*() {
      const badName = Durable.workflow({ name: "bad-name" }, () => Durable.step("x".repeat(300), Effect.void))
      const result = yield* run(badName)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "ConfigValidationError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  const twoSteps = Durable.workflow({ name: "two-steps" }, () =>
    Effect.gen(function*() {
      const a = yield* Durable.step("a", Effect.succeed(1))
      const b = yield* Durable.step("b", Effect.succeed(2))
      return a + b
    }))

  const fault = (statusCode: number, message: string) => ({ attempt }: { attempt: number }) =>
    attempt === 2
      ? new CheckpointClient.CheckpointClientError({ message, scope: "INVOCATION", statusCode })
      : undefined

  it.effect("a transient checkpoint failure is retried within the invocation", () =>
    Effect.gen(function*() {
      const result = yield* run(twoSteps, undefined, { injectFault: fault(429, "Rate exceeded") })
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 3)
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an invalid token fails the invocation, and the retried invocation completes without redoing work", () =>
    Effect.gen(function*() {
      const result = yield* run(twoSteps, undefined, { injectFault: fault(400, "Invalid checkpoint token") })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 3)
      assert.deepStrictEqual(outcomes(result), ["failed", "SUCCEEDED"])
      // step "a" was acknowledged before the failure: the retried invocation replays it
      const emulator = yield* Emulator.Emulator
      const history = yield* emulator.history(result.arn)
      const succeeds = history.flatMap((event) =>
        event._tag === "Checkpointed" ? event.updates.filter((u) => u.Action === "SUCCEED").map((u) => u.Name) : []
      )
      assert.deepStrictEqual(succeeds, ["a", "b"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
