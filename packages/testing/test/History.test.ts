import type * as Wire from "@effect-durable/core/Wire"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { Emulator } from "../src/Emulator.ts"
import * as History from "../src/History.ts"

/** Drives one execution by hand: invocations, checkpoints, answers. */
const setup = Effect.gen(function*() {
  const emulator = yield* Emulator
  const arn = yield* emulator.start({ input: "{\"Input\":\"World\"}", name: "orders", executionName: "run-1" })
  let token = ""
  const invoke = Effect.map(emulator.invoke(arn), (event) => {
    token = event.CheckpointToken
    return event
  })
  const checkpoint = (...updates: ReadonlyArray<Wire.OperationUpdate>) =>
    emulator.client.checkpoint({ DurableExecutionArn: arn, CheckpointToken: token, Updates: updates }).pipe(
      Effect.tap((response) => Effect.sync(() => void (token = response.CheckpointToken ?? token)))
    )
  const history = Effect.map(emulator.execution(arn), (execution) => History.fromExecution(execution))
  return { emulator, arn, invoke, checkpoint, history }
})

const op = (Id: string, Type: Wire.OperationType, SubType: string, Action: Wire.OperationAction, extra = {}) =>
  ({ Id, Type, SubType, Action, ...extra }) as Wire.OperationUpdate

const summary = (events: ReadonlyArray<History.Event>) => events.map((e) => `${e.EventId} ${e.EventType} ${e.Id ?? ""}`.trim())

describe("History", () => {
  it.effect("numbers every event from ExecutionStarted; updates, service changes, invocations and the end, in order", () =>
    Effect.gen(function*() {
      const { arn, checkpoint, emulator, history, invoke } = yield* setup
      // invocation 1: a step fails and is retried in 2 s
      yield* invoke
      yield* checkpoint(
        op("s1", "STEP", "Step", "START", { Name: "charge" }),
        op("s1", "STEP", "Step", "RETRY", {
          Name: "charge",
          Error: { ErrorType: "Boom", ErrorMessage: "no" },
          StepOptions: { NextAttemptDelaySeconds: 2 }
        })
      )
      yield* emulator.complete(arn, { Status: "PENDING" })
      // invocation 2: the step succeeds, a 3 s wait starts
      yield* TestClock.adjust("2 seconds")
      yield* invoke
      yield* checkpoint(
        op("s1", "STEP", "Step", "START", { Name: "charge" }),
        op("s1", "STEP", "Step", "SUCCEED", { Name: "charge", Payload: "\"ok\"" })
      )
      yield* checkpoint(op("w1", "WAIT", "Wait", "START", { WaitOptions: { WaitSeconds: 3 } }))
      yield* emulator.complete(arn, { Status: "PENDING" })
      // invocation 3: the wait ended, the execution succeeds
      yield* TestClock.adjust("3 seconds")
      yield* invoke
      yield* emulator.complete(arn, { Status: "SUCCEEDED", Result: "\"done\"" })

      const events = yield* history
      assert.deepStrictEqual(summary(events), [
        `1 ExecutionStarted ${events[0]!.Id}`,
        "2 StepStarted s1",
        "3 StepFailed s1",
        `4 InvocationCompleted ${events[0]!.Id}`,
        "5 StepStarted s1",
        "6 StepSucceeded s1",
        "7 WaitStarted w1",
        `8 InvocationCompleted ${events[0]!.Id}`,
        "9 WaitSucceeded w1",
        `10 InvocationCompleted ${events[0]!.Id}`,
        `11 ExecutionSucceeded ${events[0]!.Id}`
      ])
      assert.strictEqual(events[0]!.Name, "run-1")
      assert.deepStrictEqual(events[0]!.ExecutionStartedDetails?.Input, { Payload: "{\"Input\":\"World\"}", Truncated: false })
      assert.deepStrictEqual(events[2]!.StepFailedDetails, {
        Error: { Payload: { ErrorType: "Boom", ErrorMessage: "no" }, Truncated: false },
        RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 2 }
      })
      assert.strictEqual(events[2]!.Name, "charge")
      assert.strictEqual(events[2]!.SubType, "Step")
      assert.deepStrictEqual(events[5]!.StepSucceededDetails, {
        Result: { Payload: "\"ok\"", Truncated: false },
        RetryDetails: { CurrentAttempt: 2 }
      })
      assert.strictEqual(events[6]!.WaitStartedDetails?.Duration, 3)
      assert.strictEqual(events[6]!.WaitStartedDetails?.ScheduledEndTimestamp?.getTime(), 5000)
      // the wait's end is when it was scheduled, whenever the emulator noticed it
      assert.deepStrictEqual(events[8]!.WaitSucceededDetails, { Duration: 3 })
      assert.strictEqual(events[8]!.EventTimestamp.getTime(), 5000)
      assert.deepStrictEqual(events[9]!.InvocationCompletedDetails?.StartTimestamp?.getTime(), 5000)
      assert.isUndefined(events[9]!.InvocationCompletedDetails?.Error)
      assert.deepStrictEqual(events[10]!.ExecutionSucceededDetails, { Result: { Payload: "\"done\"", Truncated: false } })
    }).pipe(Effect.provide(Emulator.layer)))

  it.effect("a RETRY without an error (a waitForCondition check) is a StepSucceeded with the next delay", () =>
    Effect.gen(function*() {
      const { arn, checkpoint, emulator, history, invoke } = yield* setup
      const poll = (action: Wire.OperationAction, extra = {}) =>
        op("p1", "STEP", "WaitForCondition", action, { Name: "poll", ...extra })
      yield* invoke
      yield* checkpoint(poll("START"), poll("RETRY", { Payload: "1", StepOptions: { NextAttemptDelaySeconds: 2 } }))
      yield* emulator.complete(arn, { Status: "PENDING" })
      yield* TestClock.adjust("2 seconds")
      yield* invoke
      yield* checkpoint(poll("START"), poll("SUCCEED", { Payload: "2" }))
      yield* emulator.complete(arn, { Status: "SUCCEEDED", Result: "2" })

      const events = yield* history
      assert.deepStrictEqual(summary(events).slice(1, 6), [
        "2 StepStarted p1",
        "3 StepSucceeded p1",
        `4 InvocationCompleted ${events[0]!.Id}`,
        "5 StepStarted p1",
        "6 StepSucceeded p1"
      ])
      assert.strictEqual(events[2]!.SubType, "WaitForCondition")
      assert.deepStrictEqual(events[2]!.StepSucceededDetails, {
        Result: { Payload: "1", Truncated: false },
        RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 2 }
      })
      assert.deepStrictEqual(events[5]!.StepSucceededDetails, {
        Result: { Payload: "2", Truncated: false },
        RetryDetails: { CurrentAttempt: 2 }
      })
    }).pipe(Effect.provide(Emulator.layer)))

  it.effect("callbacks, a crashed invocation, timers in the order they fell due, and a failed execution", () =>
    Effect.gen(function*() {
      const { arn, checkpoint, emulator, history, invoke } = yield* setup
      yield* invoke
      yield* checkpoint(
        op("c1", "CALLBACK", "Callback", "START", { Name: "approval", CallbackOptions: { TimeoutSeconds: 5 } }),
        op("w1", "WAIT", "Wait", "START", { WaitOptions: { WaitSeconds: 4 } }),
        op("c2", "CALLBACK", "Callback", "START", { CallbackOptions: { TimeoutSeconds: 2, HeartbeatTimeoutSeconds: 1 } })
      )
      yield* emulator.abandon(arn, "the process exited", { ErrorType: "Runtime.ExitError", ErrorMessage: "exit 1" })
      const started = (yield* history).find((e) => e.EventType === "CallbackStarted" && e.Id === "c1")!
      const callbackId = started.CallbackStartedDetails!.CallbackId!
      yield* emulator.sendCallbackSuccess(callbackId, "\"yes\"")
      // c2 (created last) times out on its heartbeat at 1 s, w1 ends at 4 s: noticed together at 6 s, in that order
      yield* TestClock.adjust("6 seconds")
      yield* invoke
      yield* emulator.complete(arn, { Status: "FAILED", Error: { ErrorType: "Rejected", ErrorMessage: "late" } })

      const events = yield* history
      assert.deepStrictEqual(summary(events).slice(1), [
        "2 CallbackStarted c1",
        "3 WaitStarted w1",
        "4 CallbackStarted c2",
        `5 InvocationCompleted ${events[0]!.Id}`,
        "6 CallbackSucceeded c1",
        "7 CallbackTimedOut c2",
        "8 WaitSucceeded w1",
        `9 InvocationCompleted ${events[0]!.Id}`,
        `10 ExecutionFailed ${events[0]!.Id}`
      ])
      assert.deepStrictEqual(events[1]!.CallbackStartedDetails, { CallbackId: callbackId, Timeout: 5 })
      assert.deepStrictEqual(events[3]!.CallbackStartedDetails?.HeartbeatTimeout, 1)
      assert.deepStrictEqual(events[4]!.InvocationCompletedDetails?.Error, {
        Payload: { ErrorType: "Runtime.ExitError", ErrorMessage: "exit 1" },
        Truncated: false
      })
      assert.deepStrictEqual(events[5]!.CallbackSucceededDetails, { Result: { Payload: "\"yes\"", Truncated: false } })
      assert.strictEqual(events[6]!.EventTimestamp.getTime(), 1000)
      assert.deepStrictEqual(events[6]!.CallbackTimedOutDetails?.Error?.Payload, {
        ErrorType: "Callback.Heartbeat",
        ErrorMessage: "Callback timed out on heartbeat"
      })
      assert.strictEqual(events[7]!.EventTimestamp.getTime(), 4000)
      assert.deepStrictEqual(events[9]!.ExecutionFailedDetails?.Error?.Payload, { ErrorType: "Rejected", ErrorMessage: "late" })

      // without data: no payloads
      const bare = History.fromExecution(yield* emulator.execution(arn), { includeExecutionData: false })
      assert.deepStrictEqual(bare[5]!.CallbackSucceededDetails, { Result: { Truncated: false } })
      assert.deepStrictEqual(bare[0]!.ExecutionStartedDetails, { Input: { Truncated: false } })
    }).pipe(Effect.provide(Emulator.layer)))

  it.effect("a chained invoke links to the execution it started (read ahead: the link is recorded after the START)", () =>
    Effect.gen(function*() {
      const { arn, checkpoint, emulator, history, invoke } = yield* setup
      yield* invoke
      yield* checkpoint(op("i1", "CHAINED_INVOKE", "ChainedInvoke", "START", {
        Name: "charge",
        Payload: "{\"amount\":3}",
        ChainedInvokeOptions: { FunctionName: "payments", TenantId: "t-1" }
      }))
      const child = yield* emulator.start({
        input: "{\"amount\":3}",
        name: "payments",
        qualifier: "7",
        invokedBy: { arn, operationId: "i1" }
      })
      yield* emulator.completeChainedInvoke(arn, "i1", { Status: "SUCCEEDED", Result: "\"paid\"" })
      const events = yield* history
      assert.deepStrictEqual(events[1]!.ChainedInvokeStartedDetails, {
        FunctionName: "payments",
        TenantId: "t-1",
        Input: { Payload: "{\"amount\":3}", Truncated: false },
        ExecutedVersion: "7",
        DurableExecutionArn: child
      })
      assert.deepStrictEqual(summary(events).slice(1), ["2 ChainedInvokeStarted i1", "3 ChainedInvokeSucceeded i1"])
      assert.deepStrictEqual(events[2]!.ChainedInvokeSucceededDetails, { Result: { Payload: "\"paid\"", Truncated: false } })
    }).pipe(Effect.provide(Emulator.layer)))
})
