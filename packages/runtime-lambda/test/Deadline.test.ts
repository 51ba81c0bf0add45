/**
 * Every invocation answers before its deadline, whatever the service does
 * (issue 7): one fault test per defect found, under TestClock, over a
 * transport that hangs, loops, returns garbage, or dies at checkpoint k.
 * Each asserts an answer before the (6-second) deadline with the right
 * status, and that nothing the service accepted was lost or done twice (the
 * run ends as a clean run does).
 */
import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient, Durable, Invocation, RetryPolicy, type Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Clock, Effect, Fiber, Logger, Schema } from "effect"
import { TestClock } from "effect/testing"
import { type Fault, hostile, invocationTimeout, runFaulty, signature } from "./faults.ts"

/** Three steps, then a child context and a parallel: the last checkpoints are fire-and-forget SUCCEEDs. */
const Trailing = Durable.workflow({ name: "trailing", output: Schema.Number }, () =>
  Effect.gen(function*() {
    const a = yield* Durable.step("a", Effect.succeed(1), { success: Schema.Number })
    const b = yield* Durable.child("child", Durable.step("b", Effect.succeed(2), { success: Schema.Number }), {
      success: Schema.Number
    })
    const batch = yield* Durable.parallel("both", [
      { name: "c", effect: Durable.step("c", Effect.succeed(3), { success: Schema.Number }) },
      { name: "d", effect: Durable.step("d", Effect.succeed(4), { success: Schema.Number }) }
    ])
    return a + b + batch.successCount
  }))

/** A step, a wait long enough to suspend, a step. */
const Paced = Durable.workflow({ name: "paced", output: Schema.String }, () =>
  Effect.gen(function*() {
    const first = yield* Durable.step("first", Effect.succeed("a"), { success: Schema.String })
    yield* Durable.wait("pause", "1 hour")
    const second = yield* Durable.step("second", Effect.succeed("b"), { success: Schema.String })
    return first + second
  }))

/** A result too large for the response: it goes through an EXECUTION SUCCEED checkpoint. */
const big = "x".repeat(6 * 1024 * 1024 - 36)
const Big = Durable.workflow({ name: "big", output: Schema.String }, () =>
  Effect.gen(function*() {
    yield* Durable.step("prepare", Effect.succeed(1))
    return big
  }))

/** Many steps, so that the state of a replay takes pages. */
const Many = Durable.workflow({ name: "many", output: Schema.Number }, () =>
  Effect.gen(function*() {
    let total = 0
    for (let i = 0; i < 8; i++) total += yield* Durable.step(`s${i}`, Effect.succeed(i), { success: Schema.Number })
    yield* Durable.wait("pause", "1 hour")
    return total + (yield* Durable.step("last", Effect.succeed(100), { success: Schema.Number }))
  }))

/** A fault at call `k` (1-based over the run), once. */
const at = (k: number, fault: Fault) => ({ index }: { readonly index: number }) => index === k ? fault : undefined

const clean = <W extends Parameters<typeof LocalRunner.runUnderTestClock>[0]>(workflow: W) =>
  LocalRunner.runUnderTestClock(workflow, undefined as LocalRunner.InputOf<W>)

const outcomes = (result: LocalRunner.Result<unknown>) => result.invocations.map((i) => i.outcome)

describe("every invocation answers before its deadline", () => {
  it.effect("1. a trailing fire-and-forget update that never returns: a failed invocation, then the same end", () =>
    Effect.gen(function*() {
      const reference = yield* clean(Trailing)
      // The last checkpoint call carries the SUCCEEDs of the parallel and its branches.
      const last = reference.checkpointCalls
      for (const fault of ["hang", "lost"] as const) {
        const label = `${fault} at the last checkpoint`
        const { result } = yield* runFaulty(Trailing, undefined, at(last, fault), label)
        assert.deepStrictEqual(outcomes(result), ["failed", "SUCCEEDED"], label)
        // Nothing is left to wake the function up for: a failed invocation (Lambda retries), never PENDING.
        assert.include(result.invocations[0]!.error, "DeadlineApproachingError", label)
        assert.strictEqual(result.status, "SUCCEEDED", label)
        if (result.status === "SUCCEEDED" && reference.status === "SUCCEEDED") {
          assert.strictEqual(result.output, reference.output, label)
        }
        assert.deepStrictEqual(signature(result.operations), signature(reference.operations), label)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("1'. the same hang after a wait started: PENDING, since the service has the wait to wake it up for", () =>
    Effect.gen(function*() {
      // Call 1 carries "first" (START and SUCCEED), call 2 the WAIT START: hang the poll after it.
      const { result } = yield* runFaulty(Paced, undefined, ({ index }) => index === 3 ? "hang" : undefined, "hang")
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(result.invocations[0]!.outcome, "PENDING")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("2. a result over the response limit whose EXECUTION SUCCEED fails: the right answer each time", () =>
    Effect.gen(function*() {
      const reference = yield* clean(Big)
      const last = reference.checkpointCalls
      // A hang, or a lost response: a failed invocation, and the retry completes the execution.
      for (const fault of ["hang", "lost", "throttle"] as const) {
        const { result } = yield* runFaulty(Big, undefined, at(last, fault), fault)
        assert.strictEqual(result.status, "SUCCEEDED", fault)
        if (result.status === "SUCCEEDED") assert.strictEqual(result.output.length, big.length, fault)
      }
      // Rejected (a 400): the execution FAILED, answered at once.
      const { result: rejected } = yield* runFaulty(Big, undefined, at(last, "reject"), "reject")
      assert.strictEqual(rejected.status, "FAILED")
      if (rejected.status === "FAILED") assert.strictEqual(rejected.error.ErrorType, "CheckpointFailedError")
      // Throttled forever: every invocation fails before its deadline, and the runner gives up.
      const emulator = yield* Emulator.Emulator
      const throttledForever = yield* Effect.flip(
        LocalRunner.runUnderTestClock(Big, undefined, {
          invocationTimeout,
          maxConsecutiveFailures: 3,
          client: CheckpointClient.CheckpointClient.of({
            getExecutionState: emulator.client.getExecutionState,
            checkpoint: (request) =>
              request.Updates?.some((u) => u.Type === "EXECUTION")
                ? Effect.fail(
                  new CheckpointClient.CheckpointClientError({ message: "Rate exceeded", scope: "INVOCATION", statusCode: 429 })
                )
                : emulator.client.checkpoint(request)
          })
        })
      )
      assert.strictEqual(throttledForever._tag, "InvocationFailedError")
      if (throttledForever._tag === "InvocationFailedError") {
        assert.lengthOf(throttledForever.errors, 3)
        for (const error of throttledForever.errors) assert.include(error, "Rate exceeded")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("3. a defect of the transport fails the invocation at once (not at the deadline), and the retry ends it", () =>
    Effect.gen(function*() {
      const reference = yield* clean(Paced)
      for (let k = 1; k <= reference.checkpointCalls; k++) {
        const label = `defect at call ${k}`
        const { result } = yield* runFaulty(Paced, undefined, at(k, "defect"), label)
        assert.strictEqual(result.status, "SUCCEEDED", label)
        const failed = result.invocations.filter((i) => i.outcome === "failed")
        assert.lengthOf(failed, 1, label)
        assert.include(failed[0]!.error, "CheckpointFailedError", label)
        assert.include(failed[0]!.error, "failed unexpectedly", label)
        // Fail fast: not the whole timeout.
        assert.isBelow(failed[0]!.endedAt - failed[0]!.startedAt, 1_000, label)
        assert.deepStrictEqual(signature(result.operations), signature(reference.operations), label)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("4. a paging that loops or never ends fails the invocation at once; so does one that is too slow, in time", () =>
    Effect.gen(function*() {
      const reference = yield* clean(Many)
      // The replay after the wait reads the state in pages of 2: loop on the first page read.
      const state = ({ kind }: { readonly kind: string }) => kind === "state"
      let loops = 0
      const { result: looped } = yield* runFaulty(
        Many,
        undefined,
        (call) => state(call) && loops++ === 0 ? "loop" : undefined,
        "loop"
      )
      assert.strictEqual(looped.status, "SUCCEEDED")
      const failed = looped.invocations.find((i) => i.outcome === "failed")
      assert.include(failed?.error, "twice")
      assert.isBelow(failed!.endedAt - failed!.startedAt, 1_000)
      if (looped.status === "SUCCEEDED" && reference.status === "SUCCEEDED") {
        assert.strictEqual(looped.output, reference.output)
      }
      // A page that takes longer than the invocation has: answered in time all the same.
      let slows = 0
      const { result: slow } = yield* runFaulty(
        Many,
        undefined,
        (call) => state(call) && slows++ < 2 ? "hang" : undefined,
        "hang"
      )
      assert.strictEqual(slow.status, "SUCCEEDED")
      assert.include(slow.invocations.find((i) => i.outcome === "failed")?.error, "DeadlineApproachingError")
    }).pipe(Effect.provide(Emulator.Emulator.layerWith({ pageSize: 2 }))))

  it.effect("4'. a service whose markers never repeat but never end is stopped by the page cap", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      let pages = 0
      const endless = CheckpointClient.CheckpointClient.of({
        getExecutionState: () => Effect.sync(() => ({ Operations: [], NextMarker: `m${++pages}` })),
        checkpoint: emulator.client.checkpoint
      })
      const error = yield* Effect.flip(
        Invocation.handle(Paced, { ...event, InitialExecutionState: { ...event.InitialExecutionState, NextMarker: "m0" } })
          .pipe(Effect.provideService(CheckpointClient.CheckpointClient, endless))
      )
      assert.strictEqual(error._tag, "CheckpointFailedError")
      assert.include(error.message, "more than 60 pages")
      assert.strictEqual(pages, 59)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("5. a malformed checkpoint response is a failed call: the invocation is retried, no state is believed", () =>
    Effect.gen(function*() {
      const reference = yield* clean(Paced)
      // garbage by call index: a token that is not a string, no NewExecutionState, everything moved back to STARTED
      for (let k = 1; k <= reference.checkpointCalls; k++) {
        const label = `garbage at call ${k}`
        const { result } = yield* runFaulty(Paced, undefined, at(k, "garbage"), label)
        assert.strictEqual(result.status, "SUCCEEDED", label)
        if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "ab", label)
        const failed = result.invocations.filter((i) => i.outcome === "failed")
        assert.lengthOf(failed, 1, label)
        assert.include(failed[0]!.error, "malformed response", label)
        assert.deepStrictEqual(signature(result.operations), signature(reference.operations), label)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("5'. a response that moves a finished step back to STARTED never makes the step run again", () =>
    Effect.gen(function*() {
      let runs = 0
      const counted = Durable.workflow({ name: "counted", output: Schema.Number }, () =>
        Effect.gen(function*() {
          yield* Durable.step("once", Effect.sync(() => ++runs), { retry: RetryPolicy.noRetry })
          yield* Durable.wait("pause", "1 hour")
          return runs
        }))
      // The first response that reports the step SUCCEEDED also reports it STARTED again, after that
      // (checkpoints are pipelined: which call that is depends on the batching, not on this test).
      let altered = false
      const succeeded = (response: Wire.CheckpointResponse) =>
        (response.NewExecutionState?.Operations ?? []).some((op) => op.Name === "once" && op.Status === "SUCCEEDED")
      const result = yield* LocalRunner.runUnderTestClock(counted, undefined, {
        alterResponse: ({ response }) =>
          !altered && succeeded(response) && (altered = true)
            ? {
              ...response,
              NewExecutionState: {
                Operations: [...(response.NewExecutionState?.Operations ?? []), {
                  Id: "c4ca4238a0b92382",
                  Type: "STEP",
                  SubType: "Step",
                  Name: "once",
                  Status: "STARTED"
                }]
              }
            }
            : response
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, 1)
      assert.strictEqual(runs, 1)
      assert.strictEqual(result.invocations[0]!.outcome, "failed")
      assert.include(result.invocations[0]!.error, "moved from SUCCEEDED back to STARTED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the watchdog covers the state loading: a first state read that hangs is answered in time", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const hanging = CheckpointClient.CheckpointClient.of({
        getExecutionState: () => Effect.never,
        checkpoint: () => Effect.never
      })
      const started = yield* Clock.currentTimeMillis
      const fiber = yield* Invocation.handle(Paced, {
        ...event,
        InitialExecutionState: { ...event.InitialExecutionState, NextMarker: "page-1" }
      }, { deadline: started + 6_000 }).pipe(
        Effect.provideService(CheckpointClient.CheckpointClient, hanging),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("5 seconds")
      assert.isUndefined(fiber.pollUnsafe(), "not before the supervisor's cut-offs")
      yield* TestClock.adjust("600 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "DeadlineApproachingError")
      assert.strictEqual((yield* Clock.currentTimeMillis) - started, 5_600)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a workflow that ignores interruption still gets its answer in time; its fibers are left to stop", () =>
    Effect.gen(function*() {
      const stubborn = Durable.workflow({ name: "stubborn" }, () => Effect.uninterruptible(Effect.never))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const started = yield* Clock.currentTimeMillis
      const fiber = yield* Invocation.handle(stubborn, event, { deadline: started + 6_000 }).pipe(
        Effect.provide(Emulator.Emulator.layerClient),
        Effect.flip,
        Effect.forkChild
      )
      yield* TestClock.adjust("6 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "DeadlineApproachingError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a transport that returns null, or throws something unreadable, fails the call, logged once", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      for (const broken of [() => Effect.succeed(null as never), () => Effect.die(hostile())]) {
        const arn = yield* emulator.start({ input: "{}" })
        const event = yield* emulator.invoke(arn)
        const logs: Array<string> = []
        const error = yield* Invocation.handle(Paced, event).pipe(
          Effect.provideService(
            CheckpointClient.CheckpointClient,
            CheckpointClient.CheckpointClient.of({ getExecutionState: emulator.client.getExecutionState, checkpoint: broken })
          ),
          Effect.flip,
          Effect.provide(captureLogs(logs))
        )
        assert.strictEqual(error._tag, "CheckpointFailedError")
        assert.strictEqual(logs.length, 1, logs.join("\n"))
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

/** Records the warnings and errors logged. */
const captureLogs = (logs: Array<string>) =>
  Logger.layer([Logger.make(({ logLevel, message }) => {
    if (logLevel === "Error" || logLevel === "Warn") logs.push(`${logLevel}: ${JSON.stringify(message)}`)
  })])
