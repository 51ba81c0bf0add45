import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
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
