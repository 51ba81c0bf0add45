import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Exit, Schema } from "effect"
import * as Wire from "../src/Wire.ts"

const event = {
  DurableExecutionArn: "arn:aws:lambda:us-east-1:1:function:f:$LATEST/durable-execution/e/1",
  CheckpointToken: "token-1",
  InitialExecutionState: {
    Operations: [
      {
        Id: "exec",
        Type: "EXECUTION",
        Status: "STARTED",
        StartTimestamp: "2026-11-29T09:00:00.000Z",
        ExecutionDetails: { InputPayload: "{\"name\":\"bob\"}" }
      },
      {
        Id: "c4ca4238a0b92382",
        Type: "WAIT",
        SubType: "Wait",
        Name: "pause",
        Status: "STARTED",
        StartTimestamp: 1_700_000_000_000,
        WaitDetails: { ScheduledEndTimestamp: new Date(1_700_000_060_000) }
      }
    ]
  },
  SomethingNew: true
}

describe("Wire", () => {
  it.effect("decodes an invocation event, normalising every timestamp form to a Date", () =>
    Effect.gen(function*() {
      const input = yield* Wire.decodeInvocationInput(event)
      const [execution, wait] = input.InitialExecutionState!.Operations!
      assert.strictEqual(execution.StartTimestamp?.toISOString(), "2026-11-29T09:00:00.000Z")
      assert.strictEqual(wait.StartTimestamp?.getTime(), 1_700_000_000_000)
      assert.strictEqual(wait.WaitDetails?.ScheduledEndTimestamp?.getTime(), 1_700_000_060_000)
      assert.strictEqual(execution.ExecutionDetails?.InputPayload, "{\"name\":\"bob\"}")
    }))

  it.effect("names the offending field of a malformed event", () =>
    Effect.gen(function*() {
      const missingToken = yield* Effect.exit(
        Wire.decodeInvocationInput({ DurableExecutionArn: "arn", InitialExecutionState: {} })
      )
      assert.isTrue(Exit.isFailure(missingToken))
      const error = yield* Effect.flip(Wire.decodeInvocationInput({ DurableExecutionArn: "arn" }))
      assert.strictEqual(error._tag, "InvalidEventError")
      assert.include(error.message, "CheckpointToken")

      const badStatus = yield* Effect.flip(Wire.decodeInvocationInput({
        ...event,
        InitialExecutionState: { Operations: [{ Id: "x", Type: "STEP", Status: "DONE" }] }
      }))
      assert.include(badStatus.message, "Status")
      const notAnObject = yield* Effect.flip(Wire.decodeInvocationInput("hello"))
      assert.strictEqual(notAnObject._tag, "InvalidEventError")
    }))

  it.effect("accepts fields present but undefined, as an in-process harness passes them", () =>
    Effect.gen(function*() {
      const input = yield* Wire.decodeInvocationInput({
        ...event,
        InitialExecutionState: { Operations: [{ Id: "x", Type: "STEP", Status: "STARTED", ParentId: undefined }] }
      })
      assert.deepStrictEqual(input.InitialExecutionState?.Operations?.[0], { Id: "x", Type: "STEP", Status: "STARTED" })
    }))

  it("knows the terminal statuses", () => {
    assert.isTrue(Wire.isTerminalStatus("SUCCEEDED"))
    assert.isTrue(Wire.isTerminalStatus("TIMED_OUT"))
    assert.isFalse(Wire.isTerminalStatus("READY"))
    assert.isFalse(Wire.isTerminalStatus("PENDING"))
  })
})

describe("Wire fast decoding", () => {
  // The hand-written decoders must agree with the Schemas on every input: the same value, or both fail.
  const schemaOutcome = <A>(decoded: Effect.Effect<A, unknown>) => Effect.runSync(Effect.exit(decoded))
  // The same value: the same keys (in any order: an input already decoded is returned as it is) and values,
  // timestamps as Dates.
  const normalize = (exit: Exit.Exit<unknown, unknown>) => Exit.isSuccess(exit) ? canonical(exit.value) : false
  const canonical = (u: unknown): unknown =>
    Array.isArray(u)
      ? u.map(canonical)
      : u instanceof Date
      ? { date: u.getTime() }
      : typeof u === "object" && u !== null
      ? Object.keys(u).sort().map((k) => [k, canonical((u as Record<string, unknown>)[k])])
      : u
  const agree = (state: unknown) => {
    const fast = normalize(schemaOutcome(Wire.decodeGetStateResponse(state)))
    const slow = normalize(schemaOutcome(
      Schema.decodeUnknownEffect(Wire.GetStateResponse)(stripUndefined(state), { onExcessProperty: "ignore" })
    ))
    return JSON.stringify(fast) === JSON.stringify(slow)
  }
  const stripUndefined = (u: unknown): unknown =>
    Array.isArray(u) ? u.map(stripUndefined) : typeof u === "object" && u !== null && !(u instanceof Date)
      ? Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined).map(([k, v]) => [k, stripUndefined(v)]))
      : u

  it.effect("agree with the Schemas on generated service states", () =>
    Effect.gen(function*() {
      const result = yield* Arbitrary.checkEffect(
        Arbitrary.schema(Schema.toEncoded(Wire.GetStateResponse)),
        (state) => agree(state),
        { runs: 300, seed: 10 }
      )
      assert.isUndefined(Arbitrary.formatCheckFailure(result))
    }))

  it.effect("hold every operation's keys in the declared order, as plain objects", () =>
    Effect.gen(function*() {
      const declared = Object.keys(Wire.Operation.fields)
      const result = yield* Arbitrary.checkEffect(
        Arbitrary.schema(Schema.toEncoded(Wire.GetStateResponse)),
        (state) => {
          const exit = schemaOutcome(Wire.decodeGetStateResponse(state))
          if (Exit.isFailure(exit)) return true
          return (exit.value.Operations ?? []).every((operation) => {
            const keys = Object.keys(operation)
            return Object.getPrototypeOf(operation) === Object.prototype &&
              keys.every((key, i) => i === 0 || declared.indexOf(keys[i - 1]!) < declared.indexOf(key))
          })
        },
        { runs: 300, seed: 11 }
      )
      assert.isUndefined(Arbitrary.formatCheckFailure(result))
    }))

  it("agree with the Schemas on malformed and unusual operations", () => {
    const base = { Id: "a", Type: "STEP", Status: "SUCCEEDED" }
    const cases: Array<unknown> = [
      base,
      { ...base, Extra: 1, StepDetails: { Result: "1", Extra: true } },
      { ...base, ParentId: undefined, Name: undefined },
      { ...base, ParentId: null },
      { ...base, Type: "NOPE" },
      { ...base, Status: 3 },
      { Type: "STEP", Status: "STARTED" },
      { ...base, StartTimestamp: "not a date" },
      { ...base, StartTimestamp: 1_700_000_000_000, EndTimestamp: "2026-11-29T09:00:00.000Z" },
      { ...base, StartTimestamp: new Date(Number.NaN) },
      { ...base, StepDetails: { Error: { StackTrace: ["a", 1] } } },
      { ...base, StepDetails: { Error: { StackTrace: ["a", "b"], ErrorType: "E" }, Attempt: 2 } },
      { ...base, ContextDetails: { ReplayChildren: "yes" } },
      { ...base, WaitDetails: [] },
      []
    ]
    for (const operation of cases) assert.isTrue(agree({ Operations: [operation] }), JSON.stringify(operation))
    assert.isTrue(agree({ Operations: "x" }))
    assert.isTrue(agree({ NextMarker: 1 }))
    assert.isTrue(agree(null))
  })

  it.effect("holds each operation as a plain copy of its own, sharing what is already decoded", () =>
    Effect.gen(function*() {
      const decoded = {
        StepDetails: { Result: "1" },
        Status: "SUCCEEDED",
        EndTimestamp: new Date(1),
        Type: "STEP",
        Id: "a"
      } as const
      const json = { Id: "b", Type: "WAIT", Status: "STARTED", WaitDetails: { ScheduledEndTimestamp: "2026-11-29T09:00:00.000Z" } } as const
      const extra = { Id: "c", Type: "STEP", Status: "STARTED", Extra: 1, Name: undefined } as const
      const state = yield* Wire.decodeGetStateResponse({ Operations: [decoded, json, extra], NextMarker: undefined })
      const [a, b, c] = state.Operations!
      // A copy (the transport's object may be dropped), its keys in the declared order, its details and
      // timestamps (already decoded) shared.
      assert.notStrictEqual<unknown>(a, decoded)
      assert.deepStrictEqual(Object.keys(a!), ["Id", "Type", "EndTimestamp", "Status", "StepDetails"])
      assert.strictEqual<unknown>(a!.StepDetails, decoded.StepDetails)
      assert.strictEqual<unknown>(a!.EndTimestamp, decoded.EndTimestamp)
      assert.deepStrictEqual<unknown>(a, { ...decoded })
      // A plain object like any other: its prototype, its constructor, JSON and structured clones.
      assert.strictEqual(Object.getPrototypeOf(a), Object.prototype)
      assert.strictEqual(a!.constructor, Object)
      assert.deepStrictEqual<unknown>(structuredClone(a), { ...decoded })
      assert.strictEqual(JSON.stringify(a), JSON.stringify({ Id: "a", Type: "STEP", EndTimestamp: new Date(1), Status: "SUCCEEDED", StepDetails: { Result: "1" } }))
      assert.notStrictEqual<unknown>(b, json)
      assert.strictEqual(b!.WaitDetails?.ScheduledEndTimestamp?.toISOString(), "2026-11-29T09:00:00.000Z")
      assert.deepStrictEqual(c, { Id: "c", Type: "STEP", Status: "STARTED" })
      assert.isFalse(Object.hasOwn(c!, "Name"))
    }))

  it.effect("falls back to the Schema for a malformed event, with its message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Wire.decodeInvocationInput({
        ...event,
        InitialExecutionState: { Operations: [{ Id: "x", Type: "STEP", Status: "STARTED", StartTimestamp: "never" }] }
      }))
      assert.include(error.message, "StartTimestamp")
    }))
})

describe("Wire.decodeInvocationInput limits", () => {
  const fails = (input: unknown) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Wire.decodeInvocationInput(input))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const error = exit.cause.reasons[0]
        assert.strictEqual(error?._tag, "Fail", "a typed failure, not a defect")
        return error?._tag === "Fail" ? error.error : undefined
      }
    })

  it.effect("an event nested 20,000 levels deep is an InvalidEventError, not a RangeError", () =>
    Effect.gen(function*() {
      let deep: unknown = "bottom"
      for (let i = 0; i < 20_000; i++) deep = { deeper: deep }
      const error = yield* fails({ ...event, InitialExecutionState: { Operations: [deep] } })
      assert.strictEqual(error?._tag, "InvalidEventError")
      assert.include(error?.message, `nested deeper than ${Wire.maxEventDepth} levels`)
    }))

  it.effect("a circular event is an InvalidEventError", () =>
    Effect.gen(function*() {
      // malformed (so that the Schema reports it) and circular
      const details: Record<string, unknown> = { Attempt: "first" }
      details.self = details
      const operation = { Id: "a", Type: "STEP", Status: "STARTED", StepDetails: details }
      const error = yield* fails({ ...event, InitialExecutionState: { Operations: [operation] } })
      assert.strictEqual(error?._tag, "InvalidEventError")
      assert.include(error?.message, "circular")
    }))

  it.effect("an event whose fields throw when read is an InvalidEventError", () =>
    Effect.gen(function*() {
      const hostile = Object.defineProperty({ ...event }, "InitialExecutionState", {
        enumerable: true,
        get: () => {
          throw new Error("no")
        }
      })
      const error = yield* fails(hostile)
      assert.strictEqual(error?._tag, "InvalidEventError")
    }))

  it.effect("extra fields (a harness's transport, with cycles of its own) are not walked", () =>
    Effect.gen(function*() {
      const transport: Record<string, unknown> = { checkpoint: () => undefined }
      transport.self = transport
      const input = yield* Wire.decodeInvocationInput({ ...event, durableExecutionClient: transport })
      assert.strictEqual(input.CheckpointToken, "token-1")
    }))
})

describe("Wire.HistoryEvent", () => {
  const decode = Schema.decodeUnknownExit(Schema.Array(Wire.HistoryEvent))
  const at = "2026-11-29T09:00:00.000Z"

  it("decodes an event of a type the service added later, its details kept as they came", () => {
    const exit = decode([
      { EventType: "StepStarted", EventId: 1, EventTimestamp: at, Id: "c4ca", StepStartedDetails: {} },
      { EventType: "SnapshotTaken", EventId: 2, EventTimestamp: at, Id: "c81e", SnapshotTakenDetails: { Size: 3 } }
    ])
    assert.isTrue(Exit.isSuccess(exit))
    if (Exit.isSuccess(exit)) {
      const [known, unknown] = exit.value
      assert.strictEqual(known.EventType, "StepStarted")
      assert.deepStrictEqual(known.StepStartedDetails, {})
      assert.strictEqual(unknown.EventType, "SnapshotTaken")
      assert.strictEqual(unknown.EventTimestamp.getTime(), Date.parse(at))
      assert.deepStrictEqual(unknown["SnapshotTakenDetails"], { Size: 3 })
    }
  })

  it("still refuses a known event with malformed details", () => {
    const exit = decode([{ EventType: "WaitStarted", EventId: 1, EventTimestamp: at, WaitStartedDetails: { Duration: "5" } }])
    assert.isTrue(Exit.isFailure(exit))
  })
})
