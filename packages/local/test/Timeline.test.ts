/**
 * The timeline model and its SVG, built from real histories: workflows run on
 * the emulator under `TestClock`, their history taken in the service's shape
 * (`History.fromExecution`), as `GetDurableExecutionHistory` returns it.
 */
import { Durable, RetryPolicy, Termination } from "@effect-durable/core"
import { Emulator, History, LambdaApiServer, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Timeline from "../src/Timeline.ts"
import * as TimelineSvg from "../src/TimelineSvg.ts"

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { attempt: Schema.Number }) {}

const StepsRetryWait = Durable.workflow(
  { name: "steps-retry-wait", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  Effect.fn(function*({ name }) {
    const greeting = yield* Durable.step("compose <greeting>", Effect.succeed(`Hello, ${name}!`))
    yield* Durable.step(
      "deliver",
      Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt === 1) return yield* new Flaky({ attempt })
        return attempt
      }),
      { error: Flaky, retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "3 seconds", jitter: "NONE" }) }
    )
    yield* Durable.wait("cool-down", "1 hour")
    return greeting
  })
)

const Approval = Durable.workflow(
  { name: "approval", output: Schema.String },
  () =>
    Effect.gen(function*() {
      const answer = yield* Durable.waitForCallback("approve", () => Effect.void, { timeout: "1 day" })
      return yield* Durable.step("after", Effect.succeed(`got ${answer}`))
    })
)

const Fanout = Durable.workflow(
  { name: "fanout", output: Schema.Array(Schema.Number) },
  () =>
    Effect.gen(function*() {
      const batch = yield* Durable.map("double", [1, 2, 3], (n) => Durable.step("times-two", Effect.succeed(n * 2)))
      return batch.all.flatMap((item) => item.status === "SUCCEEDED" ? [item.result as number] : [])
    })
)

const historyOf = (execution: Emulator.Execution) => History.fromExecution(execution)

describe("Timeline.fromHistory", () => {
  it.effect("steps, a retry and a wait: invocations, attempts, delays and derived decisions", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(StepsRetryWait, { name: "Ada" })
      const timeline = Timeline.fromHistory(historyOf(result.execution), { arn: result.arn })

      assert.strictEqual(timeline.execution.status, "SUCCEEDED")
      assert.strictEqual(timeline.execution.result, "\"Hello, Ada!\"")
      assert.strictEqual(timeline.execution.name, result.execution.executionName)
      assert.deepStrictEqual(
        timeline.invocations.map((i) => [i.index, i.decision?.status, i.decision?.reason]),
        [[1, "PENDING", "RETRY_SCHEDULED"], [2, "PENDING", "WAIT_SCHEDULED"], [3, "SUCCEEDED", undefined]]
      )
      assert.isFalse(timeline.invocations[0]!.decision!.reported)
      // the local service's own record: the supervisor's reasons, reported with each answer
      const local = Timeline.fromExecution(result.execution)
      assert.deepStrictEqual(
        local.invocations.map((i) => [i.decision?.status, i.decision?.reason, i.decision?.reported]),
        [["PENDING", "RETRY_SCHEDULED", true], ["PENDING", "WAIT_SCHEDULED", true], ["SUCCEEDED", undefined, false]]
      )
      assert.match(timeline.invocations[0]!.decision!.waitingFor[0]!, /^step "deliver": attempt 2 at /)
      assert.match(timeline.invocations[1]!.decision!.waitingFor[0]!, /^wait "cool-down" until /)

      assert.deepStrictEqual(
        timeline.operations.map((op) => [op.name, op.type, op.status, op.attempts, op.depth]),
        [
          ["compose <greeting>", "STEP", "SUCCEEDED", 1, 0],
          ["deliver", "STEP", "SUCCEEDED", 2, 0],
          ["cool-down", "WAIT", "SUCCEEDED", 0, 0]
        ]
      )
      const deliver = timeline.operations[1]!
      assert.deepStrictEqual(deliver.segments.map((s) => [s.kind, s.outcome, s.attempt]), [
        ["attempt", "failed", 1],
        ["retry-delay", undefined, undefined],
        ["attempt", "succeeded", 2]
      ])
      assert.strictEqual(deliver.segments[0]!.error?.ErrorType, "Flaky")
      // the delay lasts until the next attempt starts, 3 s later on the TestClock
      const delay = deliver.segments[1]!
      assert.strictEqual(delay.expectedEnd! - delay.start, 3000)
      assert.isAtLeast(delay.end! - delay.start, 3000)
      const wait = timeline.operations[2]!.segments[0]!
      assert.strictEqual(wait.expectedEnd! - wait.start, 3_600_000)
      assert.strictEqual(wait.end, wait.expectedEnd)
      assert.deepStrictEqual(timeline.pendingCallbacks, [])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a pending callback is listed with its id, then completed", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const snapshots: Array<Timeline.Timeline> = []
      // when the first invocation ends PENDING on the callback: look, then answer it
      const onEvent = (event: LocalRunner.Event) =>
        event._tag === "InvocationCompleted" && event.invocation === 1
          ? Effect.gen(function*() {
            const execution = yield* emulator.execution(event.arn)
            const timeline = Timeline.fromHistory(historyOf(execution))
            snapshots.push(timeline)
            yield* Effect.forkDetach(
              Effect.andThen(Effect.sleep("1 minute"), emulator.sendCallbackSuccess(timeline.pendingCallbacks[0]!.callbackId, "\"yes\""))
            )
          }).pipe(Effect.orDie)
          : Effect.void
      const result = yield* LocalRunner.runUnderTestClock(Approval, undefined, { waitForExternal: true, onEvent })

      const running = snapshots[0]!
      assert.strictEqual(running.execution.status, "RUNNING")
      assert.strictEqual(running.pendingCallbacks.length, 1)
      const pending = running.pendingCallbacks[0]!
      const callback = running.operations.find((op) => op.type === "CALLBACK")!
      assert.strictEqual(pending.callbackId, callback.callbackId)
      assert.strictEqual(callback.depth, 1)
      assert.strictEqual(running.operations[0]!.subType, "WaitForCallback")
      assert.deepStrictEqual(running.invocations.map((i) => i.decision?.reason), ["CALLBACK_PENDING"])
      assert.include(running.invocations[0]!.decision!.waitingFor.join(";"), pending.callbackId)

      const done = Timeline.fromHistory(historyOf(result.execution))
      assert.strictEqual(done.execution.status, "SUCCEEDED")
      assert.strictEqual(JSON.parse(done.execution.result!), "got \"yes\"")
      assert.deepStrictEqual(done.pendingCallbacks, [])
      const completed = done.operations.find((op) => op.type === "CALLBACK")!
      assert.strictEqual(completed.status, "SUCCEEDED")
      // the invocation stayed for the callback the rent the default cost policy drew for it (a share of
      // the 96 ms break-even time at 128 MB) before it suspended; the answer came a minute later
      const rent = Termination.rentMillis(
        Termination.cost,
        96,
        result.arn,
        [result.operations.find((op) => op.Type === "CALLBACK")!.Id]
      )
      assert.isAtMost(rent, 96)
      assert.strictEqual(completed.segments[0]!.end! - completed.segments[0]!.start, 60_000 + rent)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("batch items nest under their map, children under their items", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(Fanout, undefined)
      const timeline = Timeline.fromHistory(historyOf(result.execution))
      assert.deepStrictEqual(
        timeline.operations.map((op) => [op.subType, op.depth]),
        [
          ["Map", 0],
          ["MapIteration", 1],
          ["Step", 2],
          ["MapIteration", 1],
          ["Step", 2],
          ["MapIteration", 1],
          ["Step", 2]
        ]
      )
      // every operation comes after its parent
      const seen = new Set<string>()
      for (const op of timeline.operations) {
        if (op.parentId !== undefined) assert.isTrue(seen.has(op.parentId))
        seen.add(op.id)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("the service's JSON (epoch seconds) gives the same timeline as Dates", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(StepsRetryWait, { name: "Ada" })
      const events = historyOf(result.execution)
      const json = JSON.parse(JSON.stringify(LambdaApiServer.toServiceJson(events))) as Array<Timeline.HistoryEvent>
      assert.deepStrictEqual(Timeline.fromHistory(json), Timeline.fromHistory(events))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it("reported decisions and running invocations come from the local service's notes", () => {
    const t0 = 1_700_000_000_000
    const events: Array<Timeline.HistoryEvent> = [
      { EventId: 1, EventType: "ExecutionStarted", EventTimestamp: new Date(t0), Name: "x" },
      { EventId: 2, EventType: "WaitStarted", EventTimestamp: new Date(t0 + 50), Id: "w", Name: "nap",
        WaitStartedDetails: { Duration: 5, ScheduledEndTimestamp: new Date(t0 + 5050) } },
      { EventId: 3, EventType: "InvocationCompleted", EventTimestamp: new Date(t0 + 150),
        InvocationCompletedDetails: { StartTimestamp: new Date(t0), EndTimestamp: new Date(t0 + 150), RequestId: "r1" } },
      { EventId: 4, EventType: "WaitSucceeded", EventTimestamp: new Date(t0 + 5050), Id: "w", Name: "nap" }
    ]
    const timeline = Timeline.fromHistory(events, {
      now: t0 + 5100,
      invocations: [
        { index: 1, requestId: "r1", start: t0, end: t0 + 150, outcome: "PENDING", reason: "WAIT_SCHEDULED" },
        { index: 2, requestId: "r2", start: t0 + 5060 }
      ]
    })
    assert.deepStrictEqual(timeline.invocations.map((i) => [i.index, i.requestId, i.end, i.decision?.reported]), [
      [1, "r1", t0 + 150, true],
      [2, "r2", undefined, undefined]
    ])
    assert.strictEqual(
      Timeline.describeDecision(timeline.invocations[0]!.decision!),
      "PENDING (WAIT_SCHEDULED): wait \"nap\" until +5.05 s"
    )
  })

  it("an empty history is an empty running timeline", () => {
    const timeline = Timeline.fromHistory([])
    assert.strictEqual(timeline.execution.status, "RUNNING")
    assert.deepStrictEqual([timeline.invocations, timeline.operations], [[], []])
    assert.match(TimelineSvg.render(timeline), /no operations yet/)
  })
})

describe("TimelineSvg.render", () => {
  it.effect("one row per operation, a band per invocation, each decision, escaped names", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(StepsRetryWait, { name: "Ada" })
      const svg = TimelineSvg.render(Timeline.fromHistory(historyOf(result.execution)))
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
      assert.match(svg, /<\/svg>$/)
      assert.strictEqual(svg.match(/data-operation-id=/g)?.length, 3)
      assert.strictEqual(svg.match(/<rect class="band/g)?.length, 3)
      assert.include(svg, "#1 PENDING · RETRY_SCHEDULED")
      assert.include(svg, "#2 PENDING · WAIT_SCHEDULED")
      assert.include(svg, "#3 SUCCEEDED")
      assert.include(svg, "compose &lt;greeting&gt;")
      assert.notInclude(svg, "<greeting>")
      // the hour-long wait is compressed, and labelled with its real length
      assert.match(svg, /≈ 1 h/)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it("the scale keeps moments in order and compresses long gaps", () => {
    const t0 = 0
    const timeline = Timeline.fromHistory([
      { EventId: 1, EventType: "ExecutionStarted", EventTimestamp: new Date(t0) },
      { EventId: 2, EventType: "InvocationCompleted", EventTimestamp: new Date(100),
        InvocationCompletedDetails: { StartTimestamp: new Date(0), EndTimestamp: new Date(100) } },
      { EventId: 3, EventType: "InvocationCompleted", EventTimestamp: new Date(86_400_100),
        InvocationCompletedDetails: { StartTimestamp: new Date(86_400_000), EndTimestamp: new Date(86_400_100) } }
    ])
    const { compressed, x } = TimelineSvg.scale(timeline, 0, 1000)
    assert.deepStrictEqual(compressed, [[100, 86_400_000]])
    assert.isBelow(x(0), x(100))
    assert.isBelow(x(100), x(86_400_000))
    // each 100 ms invocation keeps a visible share of the width beside a day of waiting
    assert.isAbove(x(100) - x(0), 20)
    assert.strictEqual(x(86_400_100), 1000)
  })

  it("formats durations for people", () => {
    assert.deepStrictEqual(
      [850, 3200, 61_000, 3_600_000, 90_000_000].map(TimelineSvg.formatDuration),
      ["850 ms", "3.20 s", "1 min 1 s", "1 h", "1 d 1 h"]
    )
  })
})
