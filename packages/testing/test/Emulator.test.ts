import { CheckpointClient, CheckpointClientError } from "@effect-durable/core/CheckpointClient"
import type * as Wire from "@effect-durable/core/Wire"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, PubSub } from "effect"
import { TestClock } from "effect/testing"
import { Emulator } from "../src/Emulator.ts"
import * as EmulatorModule from "../src/Emulator.ts"

const setup = (input = "{\"n\":1}") =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    const arn = yield* emulator.start({ input, name: "orders" })
    const event = yield* emulator.invoke(arn)
    let token = event.CheckpointToken
    const checkpoint = (updates: ReadonlyArray<Wire.OperationUpdate>) =>
      emulator.client.checkpoint({ DurableExecutionArn: arn, CheckpointToken: token, Updates: updates }).pipe(
        Effect.tap((response) =>
          Effect.sync(() => {
            if (response.CheckpointToken !== undefined) token = response.CheckpointToken
          })
        )
      )
    return { emulator, arn, event, checkpoint, token: () => token }
  })

const run = <A, E, R>(effect: Effect.Effect<A, E, R>, options?: EmulatorModule.Options) =>
  Effect.provide(effect, options === undefined ? Emulator.layer : Emulator.layerWith(options))

const step = (Id: string, Action: Wire.OperationAction, extra: Partial<Wire.OperationUpdate> = {}): Wire.OperationUpdate => ({
  Id,
  Type: "STEP",
  SubType: "Step",
  Action,
  ...extra
})

const wait = (Id: string, WaitSeconds: number): Wire.OperationUpdate => ({
  Id,
  Type: "WAIT",
  SubType: "Wait",
  Action: "START",
  WaitOptions: { WaitSeconds }
})

const ids = (operations: ReadonlyArray<Wire.Operation> | undefined) => (operations ?? []).map((o) => o.Id)

describe("Emulator", () => {
  describe("start and invoke", () => {
    it.effect("creates an execution whose first operation is the EXECUTION op", () =>
      run(Effect.gen(function*() {
        const { arn, emulator, event } = yield* setup()
        assert.match(
          arn,
          /^arn:aws:lambda:us-east-1:123456789012:function:orders:\$LATEST\/durable-execution\/execution-1\/[0-9a-f-]+$/
        )
        assert.strictEqual(event.DurableExecutionArn, arn)
        assert.isString(event.CheckpointToken)
        const operations = event.InitialExecutionState?.Operations ?? []
        assert.strictEqual(operations.length, 1)
        assert.strictEqual(operations[0]!.Type, "EXECUTION")
        assert.strictEqual(operations[0]!.Status, "STARTED")
        assert.deepStrictEqual(operations[0]!.ExecutionDetails, { InputPayload: "{\"n\":1}" })
        assert.isUndefined(event.InitialExecutionState?.NextMarker)
        assert.isUndefined(event.UpdatedOperationIds)
        const snapshot = yield* emulator.execution(arn)
        assert.strictEqual(snapshot.status, "RUNNING")
        assert.strictEqual(snapshot.invocations, 1)
        assert.deepStrictEqual(snapshot.history.map((e) => e._tag), ["ExecutionStarted", "InvocationStarted"])
      })))

    it.effect("ids are deterministic and executions are independent", () =>
      run(Effect.gen(function*() {
        const emulator = yield* Emulator
        const a = yield* emulator.start({})
        const b = yield* emulator.start({})
        assert.notStrictEqual(a, b)
        assert.isTrue(a.endsWith("/execution-1/00000000-0000-4000-8000-000000000001"))
        assert.isTrue(b.endsWith("/execution-2/00000000-0000-4000-8000-000000000002"))
      })))

    it.effect("rejects bad start input with a typed error", () =>
      run(Effect.gen(function*() {
        const emulator = yield* Emulator
        const notJson = yield* Effect.flip(emulator.start({ input: "{nope" }))
        assert.strictEqual(notJson._tag, "InvalidStartError")
        const badName = yield* Effect.flip(emulator.start({ name: "has space" }))
        assert.include(badName.message, "Invalid function name")
        const first = yield* emulator.start({ executionName: "once", input: "1" })
        assert.strictEqual(yield* emulator.start({ executionName: "once", input: "1" }), first)
        const conflict = yield* Effect.flip(emulator.start({ executionName: "once", input: "2" }))
        assert.strictEqual(conflict._tag, "ExecutionAlreadyStartedError")
        if (conflict._tag === "ExecutionAlreadyStartedError") assert.strictEqual(conflict.arn, first)
      })))

    it.effect("unknown ARNs fail with ExecutionNotFoundError", () =>
      run(Effect.gen(function*() {
        const emulator = yield* Emulator
        const error = yield* Effect.flip(emulator.invoke("arn:nope"))
        assert.strictEqual(error._tag, "ExecutionNotFoundError")
        const clientError = yield* Effect.flip(
          emulator.client.checkpoint({ DurableExecutionArn: "arn:nope", CheckpointToken: "t" })
        )
        assert.strictEqual(clientError.scope, "EXECUTION")
        assert.strictEqual(clientError.statusCode, 404)
      })))
  })

  describe("checkpoint tokens", () => {
    it.effect("every checkpoint consumes the token and returns a new one", () =>
      run(Effect.gen(function*() {
        const { arn, emulator, event } = yield* setup()
        const first = yield* emulator.client.checkpoint({
          DurableExecutionArn: arn,
          CheckpointToken: event.CheckpointToken,
          Updates: [step("s1", "START")]
        })
        assert.isString(first.CheckpointToken)
        assert.notStrictEqual(first.CheckpointToken, event.CheckpointToken)
        const stale = yield* Effect.flip(
          emulator.client.checkpoint({ DurableExecutionArn: arn, CheckpointToken: event.CheckpointToken, Updates: [] })
        )
        assert.instanceOf(stale, CheckpointClientError)
        assert.strictEqual(stale.message, "Invalid checkpoint token")
        assert.strictEqual(stale.scope, "INVOCATION")
        assert.strictEqual(stale.statusCode, 400)
        assert.strictEqual(stale.errorName, "InvalidParameterValueException")
        // the stale call changed nothing: the fresh token still works
        const second = yield* emulator.client.checkpoint({
          DurableExecutionArn: arn,
          CheckpointToken: first.CheckpointToken!,
          Updates: []
        })
        assert.isString(second.CheckpointToken)
        const snapshot = yield* emulator.execution(arn)
        assert.strictEqual(snapshot.checkpointCalls, 2)
        assert.strictEqual(snapshot.rejectedCalls, 1)
      })))

    it.effect("a new invocation invalidates the tokens of the previous one", () =>
      run(Effect.gen(function*() {
        const { arn, emulator, token } = yield* setup()
        const old = token()
        yield* emulator.invoke(arn)
        const error = yield* Effect.flip(
          emulator.client.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: old })
        )
        assert.strictEqual(error.scope, "INVOCATION")
        const history = yield* emulator.history(arn)
        assert.deepStrictEqual(history.map((e) => e._tag), [
          "ExecutionStarted",
          "InvocationStarted",
          "InvocationAbandoned",
          "InvocationStarted",
          "CheckpointRejected"
        ])
      })))

    it.effect("completing the invocation invalidates its token", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([wait("w1", 10)])
        yield* emulator.complete(arn, { Status: "PENDING" })
        const error = yield* Effect.flip(checkpoint([]))
        assert.strictEqual(error.message, "Invalid checkpoint token")
        assert.strictEqual(error.scope, "INVOCATION")
      })))

    it.effect("the terminal EXECUTION checkpoint returns no token and ends the execution", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        const response = yield* checkpoint([
          step("s1", "SUCCEED", { Payload: "1" }),
          { Id: "execution-result-1", Type: "EXECUTION", Action: "SUCCEED", Payload: "\"big\"" }
        ])
        assert.isUndefined(response.CheckpointToken)
        const snapshot = yield* emulator.execution(arn)
        assert.strictEqual(snapshot.status, "SUCCEEDED")
        assert.strictEqual(snapshot.result, "\"big\"")
        assert.strictEqual(snapshot.operations.length, 2, "applied to the execution's own operation")
        assert.strictEqual(snapshot.operations[0]!.Status, "SUCCEEDED")
        const after = yield* Effect.flip(checkpoint([]))
        assert.strictEqual(after.scope, "EXECUTION")
        assert.include(after.message, "not running")
        // the invocation's answer is still accepted, its content ignored
        yield* emulator.complete(arn, { Status: "SUCCEEDED", Result: "" })
        assert.strictEqual((yield* emulator.execution(arn)).result, "\"big\"")
        const invoke = yield* Effect.flip(emulator.invoke(arn))
        assert.strictEqual(invoke._tag, "ExecutionNotRunningError")
      })))
  })

  describe("client tokens", () => {
    it.effect("a call sent again with its ClientToken gets the same answer, and nothing is applied twice", () =>
      run(Effect.gen(function*() {
        const { arn, emulator, event } = yield* setup()
        const request: Wire.CheckpointRequest = {
          DurableExecutionArn: arn,
          CheckpointToken: event.CheckpointToken,
          Updates: [step("s1", "START"), step("s1", "SUCCEED", { Payload: "1" })],
          ClientToken: "c-1"
        }
        const first = yield* emulator.client.checkpoint(request)
        // the answer was lost: the caller sends the same request again
        const again = yield* emulator.client.checkpoint(request)
        assert.deepStrictEqual(again, first)
        const snapshot = yield* emulator.execution(arn)
        assert.strictEqual(snapshot.checkpointCalls, 1)
        assert.strictEqual(snapshot.rejectedCalls, 0)
        assert.strictEqual(snapshot.history.filter((e) => e._tag === "Checkpointed").length, 1)
        // the execution goes on with the token of the first answer
        const next = yield* emulator.client.checkpoint({
          DurableExecutionArn: arn,
          CheckpointToken: first.CheckpointToken!,
          Updates: [wait("w1", 10)],
          ClientToken: "c-2"
        })
        assert.isString(next.CheckpointToken)
        // a token reused for another request is refused
        const reused = yield* Effect.flip(emulator.client.checkpoint({
          DurableExecutionArn: arn,
          CheckpointToken: next.CheckpointToken!,
          Updates: [],
          ClientToken: "c-1"
        }))
        assert.include(reused.message, "already used")
      })))

    it.effect("the service forgets a ClientToken after 15 minutes", () =>
      run(Effect.gen(function*() {
        const { arn, emulator, event } = yield* setup()
        const request: Wire.CheckpointRequest = {
          DurableExecutionArn: arn,
          CheckpointToken: event.CheckpointToken,
          Updates: [wait("w1", 3600)],
          ClientToken: "c-1"
        }
        yield* emulator.client.checkpoint(request)
        yield* TestClock.adjust("14 minutes")
        assert.isString((yield* emulator.client.checkpoint(request)).CheckpointToken)
        yield* TestClock.adjust("2 minutes")
        // a new call now, with a consumed token
        const stale = yield* Effect.flip(emulator.client.checkpoint(request))
        assert.strictEqual(stale.message, "Invalid checkpoint token")
        assert.strictEqual((yield* emulator.execution(arn)).checkpointCalls, 1)
      })))
  })

  describe("validation", () => {
    interface Case {
      readonly name: string
      readonly before?: ReadonlyArray<ReadonlyArray<Wire.OperationUpdate>>
      readonly updates: ReadonlyArray<Wire.OperationUpdate>
      readonly rule: string
      readonly id?: string
    }
    const ctx = (Id: string, Action: Wire.OperationAction, extra: Partial<Wire.OperationUpdate> = {}) =>
      ({ Id, Type: "CONTEXT", SubType: "RunInChildContext", Action, ...extra }) as Wire.OperationUpdate
    const cases: ReadonlyArray<Case> = [
      { name: "Id format", updates: [step("bad id!", "START")], rule: "Id must be 1 to 64", id: "bad id!" },
      { name: "Id length", updates: [step("a".repeat(65), "START")], rule: "Id must be 1 to 64" },
      { name: "empty Id", updates: [step("", "START")], rule: "Id must be 1 to 64" },
      { name: "Name length", updates: [step("s1", "START", { Name: "n".repeat(257) })], rule: "Name must be 1 to 256" },
      { name: "Name printable", updates: [step("s1", "START", { Name: "tab\there" })], rule: "printable ASCII" },
      {
        name: "action for type",
        updates: [{ Id: "w1", Type: "WAIT", Action: "SUCCEED" }],
        rule: "action SUCCEED is not valid for a WAIT"
      },
      {
        name: "unknown type",
        updates: [{ Id: "x", Type: "BOGUS" as Wire.OperationType, Action: "START" }],
        rule: "unknown operation type"
      },
      {
        name: "STEP START twice",
        before: [[step("s1", "START")]],
        updates: [step("s1", "START")],
        rule: "a STEP can only START when absent or READY (it is STARTED)"
      },
      {
        name: "STEP SUCCEED after SUCCEEDED",
        before: [[step("s1", "SUCCEED", { Payload: "1" })]],
        updates: [step("s1", "SUCCEED", { Payload: "2" })],
        rule: "a STEP can only SUCCEED when absent, STARTED or READY (it is SUCCEEDED)"
      },
      {
        name: "STEP RETRY without StepOptions",
        updates: [step("s1", "RETRY", { Error: { ErrorMessage: "x" } })],
        rule: "RETRY requires StepOptions"
      },
      {
        name: "STEP RETRY with Error and Payload",
        updates: [step("s1", "RETRY", {
          Error: { ErrorMessage: "x" },
          Payload: "1",
          StepOptions: { NextAttemptDelaySeconds: 1 }
        })],
        rule: "RETRY cannot carry both an Error and a Payload"
      },
      {
        name: "RETRY delay range",
        updates: [step("s1", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 0 } })],
        rule: "NextAttemptDelaySeconds must be an integer from 1"
      },
      {
        name: "STEP RETRY while PENDING",
        before: [[step("s1", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 5 } })]],
        updates: [step("s1", "RETRY", { StepOptions: { NextAttemptDelaySeconds: 5 } })],
        rule: "(it is PENDING)"
      },
      {
        name: "SUCCEED with Error",
        updates: [step("s1", "SUCCEED", { Error: { ErrorMessage: "x" } })],
        rule: "cannot provide an Error for SUCCEED"
      },
      { name: "FAIL with Payload", updates: [step("s1", "FAIL", { Payload: "1" })], rule: "cannot provide a Payload for FAIL" },
      {
        name: "WAIT START without WaitSeconds",
        updates: [{ Id: "w1", Type: "WAIT", Action: "START" }],
        rule: "START requires WaitOptions.WaitSeconds"
      },
      { name: "WAIT seconds range", updates: [wait("w1", 0)], rule: "WaitSeconds must be an integer from 1" },
      { name: "WAIT START twice", before: [[wait("w1", 5)]], updates: [wait("w1", 5)], rule: "can only START when absent" },
      {
        name: "WAIT CANCEL when absent",
        updates: [{ Id: "w1", Type: "WAIT", Action: "CANCEL" }],
        rule: "a WAIT can only CANCEL when STARTED (it is absent)"
      },
      {
        name: "CALLBACK CANCEL when absent",
        updates: [{ Id: "c1", Type: "CALLBACK", Action: "CANCEL" }],
        rule: "a CALLBACK can only CANCEL when STARTED"
      },
      {
        name: "CONTEXT START twice",
        before: [[ctx("c1", "START")]],
        updates: [ctx("c1", "START")],
        rule: "a CONTEXT can only START when absent"
      },
      {
        name: "CONTEXT SUCCEED after SUCCEEDED",
        before: [[ctx("c1", "SUCCEED")]],
        updates: [ctx("c1", "FAIL")],
        rule: "a CONTEXT can only FAIL when absent or STARTED"
      },
      {
        name: "CHAINED_INVOKE START without FunctionName",
        updates: [{ Id: "i1", Type: "CHAINED_INVOKE", Action: "START", Payload: "{}" }],
        rule: "START requires ChainedInvokeOptions.FunctionName"
      },
      {
        name: "two EXECUTION updates",
        updates: [
          { Id: "e1", Type: "EXECUTION", Action: "SUCCEED" },
          { Id: "e2", Type: "EXECUTION", Action: "SUCCEED" }
        ],
        rule: "at most one EXECUTION update"
      },
      {
        name: "EXECUTION not last",
        updates: [{ Id: "e1", Type: "EXECUTION", Action: "SUCCEED" }, step("s1", "START")],
        rule: "the EXECUTION update must be the last update"
      },
      {
        name: "duplicate WAIT in one request",
        updates: [wait("w1", 5), { Id: "w1", Type: "WAIT", Action: "CANCEL" }],
        rule: "the same operation cannot be updated twice"
      },
      {
        name: "duplicate STEP SUCCEED in one request",
        updates: [step("s1", "SUCCEED"), step("s1", "SUCCEED")],
        rule: "the same operation cannot be updated twice"
      },
      {
        name: "STEP START START in one request",
        updates: [step("s1", "START"), step("s1", "START")],
        rule: "the same operation cannot be updated twice"
      },
      {
        name: "unknown ParentId",
        updates: [step("s1", "START", { ParentId: "nope" })],
        rule: "ParentId \"nope\" references no existing operation"
      },
      {
        name: "ParentId that is not a CONTEXT",
        before: [[step("p1", "START")]],
        updates: [step("s1", "START", { ParentId: "p1" })],
        rule: "only a CONTEXT can be a parent"
      },
      {
        name: "ParentId STARTed later in the request",
        updates: [step("s1", "START", { ParentId: "c1" }), ctx("c1", "START")],
        rule: "references no existing operation nor one STARTed earlier"
      },
      {
        name: "type mismatch with stored operation",
        before: [[step("x1", "START")]],
        updates: [ctx("x1", "SUCCEED")],
        rule: "operation already exists with Type STEP"
      },
      {
        name: "payload too large",
        updates: [step("s1", "SUCCEED", { Payload: "x".repeat(256 * 1024 + 1) })],
        rule: "STEP payload size must be <= 262144 bytes"
      },
      {
        name: "error too large",
        updates: [step("s1", "FAIL", { Error: { ErrorMessage: "x".repeat(33 * 1024) } })],
        rule: "an update carrying an Error must be smaller than 32768 bytes"
      },
      {
        name: "EXECUTION FAIL with Payload",
        updates: [{ Id: "e1", Type: "EXECUTION", Action: "FAIL", Payload: "1" }],
        rule: "cannot provide a Payload for FAIL"
      }
    ]
    for (const c of cases) {
      it.effect(`rejects: ${c.name}`, () =>
        run(Effect.gen(function*() {
          const { arn, checkpoint, emulator, token } = yield* setup()
          for (const batch of c.before ?? []) yield* checkpoint(batch)
          const before = yield* emulator.execution(arn)
          const tokenBefore = token()
          const error = yield* Effect.flip(checkpoint(c.updates))
          assert.instanceOf(error, CheckpointClientError)
          assert.strictEqual(error.scope, "EXECUTION")
          assert.strictEqual(error.statusCode, 400)
          assert.strictEqual(error.errorName, "InvalidParameterValueException")
          assert.include(error.message, c.rule)
          assert.include(error.message, "Invalid checkpoint update #")
          if (c.id !== undefined) assert.include(error.message, `Id "${c.id}"`)
          // atomic: nothing changed, the token still works
          const after = yield* emulator.execution(arn)
          assert.deepStrictEqual(after.operations, before.operations)
          assert.strictEqual(after.checkpointCalls, before.checkpointCalls)
          assert.strictEqual(token(), tokenBefore)
          yield* checkpoint([])
        })))
    }

    it.effect("rejects the whole batch when a later update is invalid", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        const error = yield* Effect.flip(checkpoint([step("s1", "START"), wait("w1", 5), wait("w2", 0)]))
        assert.include(error.message, "#2")
        assert.include(error.message, "Id \"w2\", Type WAIT, Action START")
        assert.strictEqual((yield* emulator.execution(arn)).operations.length, 1)
      })))

    it.effect("accepts what the service accepts", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([
          ctx("c1", "START"),
          step("s1", "START", { ParentId: "c1", Name: "charge card" }),
          step("s1", "SUCCEED", { ParentId: "c1", Payload: "42" }),
          ctx("c1", "SUCCEED", { Payload: "42" }),
          step("s2", "SUCCEED", { Payload: "\"direct\"" }),
          ctx("c2", "FAIL", { Error: { ErrorType: "Boom", ErrorMessage: "x" } })
        ])
        yield* checkpoint([wait("w1", 60), step("s3", "START")])
        yield* checkpoint([{ Id: "w1", Type: "WAIT", Action: "CANCEL" }, step("s3", "FAIL", { Error: { ErrorMessage: "e" } })])
        const snapshot = yield* emulator.execution(arn)
        const byId = new Map(snapshot.operations.map((o) => [o.Id, o]))
        assert.strictEqual(byId.get("c1")!.Status, "SUCCEEDED")
        assert.strictEqual(byId.get("c1")!.ContextDetails?.Result, "42")
        assert.strictEqual(byId.get("s1")!.ParentId, "c1")
        assert.strictEqual(byId.get("s1")!.Name, "charge card")
        assert.strictEqual(byId.get("s1")!.StepDetails?.Result, "42")
        assert.strictEqual(byId.get("s2")!.Status, "SUCCEEDED")
        assert.strictEqual(byId.get("c2")!.Status, "FAILED")
        assert.deepStrictEqual(byId.get("c2")!.ContextDetails?.Error, { ErrorType: "Boom", ErrorMessage: "x" })
        assert.strictEqual(byId.get("w1")!.Status, "CANCELLED")
        assert.strictEqual(byId.get("s3")!.Status, "FAILED")
        assert.deepStrictEqual(byId.get("s3")!.StepDetails, { Attempt: 1, Error: { ErrorMessage: "e" } })
      })))
  })

  describe("time", () => {
    it.effect("a WAIT succeeds at its scheduled end, and the change is reported", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* TestClock.adjust("1 second")
        const started = yield* checkpoint([wait("w1", 5)])
        const op = started.NewExecutionState?.Operations?.[0]
        assert.strictEqual(op?.Status, "STARTED")
        assert.strictEqual(op?.StartTimestamp?.getTime(), 1000)
        assert.strictEqual(op?.WaitDetails?.ScheduledEndTimestamp?.getTime(), 6000)
        assert.strictEqual(yield* emulator.nextWakeup(arn), 6000)

        yield* TestClock.adjust("4 seconds")
        const early = yield* checkpoint([])
        assert.deepStrictEqual(ids(early.NewExecutionState?.Operations), [])

        yield* TestClock.adjust("1 second")
        const due = yield* checkpoint([])
        const done = due.NewExecutionState?.Operations ?? []
        assert.deepStrictEqual(ids(done), ["w1"])
        assert.strictEqual(done[0]!.Status, "SUCCEEDED")
        assert.strictEqual(done[0]!.EndTimestamp?.getTime(), 6000)
        assert.isUndefined(yield* emulator.nextWakeup(arn))
        // reported once only
        assert.deepStrictEqual(ids((yield* checkpoint([])).NewExecutionState?.Operations), [])
      })))

    it.effect("service changes are reported with the batch's own changes", () =>
      run(Effect.gen(function*() {
        const { checkpoint } = yield* setup()
        yield* checkpoint([wait("w1", 5)])
        yield* TestClock.adjust("10 seconds")
        const response = yield* checkpoint([step("s1", "START")])
        assert.deepStrictEqual(ids(response.NewExecutionState?.Operations), ["w1", "s1"])
      })))

    it.effect("changes made between invocations arrive as UpdatedOperationIds", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([wait("w1", 5), wait("w2", 50)])
        yield* emulator.complete(arn, { Status: "PENDING" })
        assert.strictEqual(yield* emulator.nextWakeup(arn), 5000)
        yield* TestClock.adjust("5 seconds")
        const event = yield* emulator.invoke(arn)
        assert.deepStrictEqual(event.UpdatedOperationIds, ["w1"])
        const w1 = event.InitialExecutionState?.Operations?.find((o) => o.Id === "w1")
        assert.strictEqual(w1?.Status, "SUCCEEDED")
        assert.strictEqual(yield* emulator.nextWakeup(arn), 50_000)
      })))

    it.effect("STEP RETRY → PENDING → READY → START → SUCCEED counts attempts", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([step("s1", "START")])
        const retried = yield* checkpoint([
          step("s1", "RETRY", { Error: { ErrorMessage: "flaky" }, StepOptions: { NextAttemptDelaySeconds: 3 } })
        ])
        const pending = retried.NewExecutionState!.Operations![0]!
        assert.strictEqual(pending.Status, "PENDING")
        assert.strictEqual(pending.StepDetails?.Attempt, 1)
        assert.strictEqual(pending.StepDetails?.NextAttemptTimestamp?.getTime(), 3000)
        assert.deepStrictEqual(pending.StepDetails?.Error, { ErrorMessage: "flaky" })
        // a PENDING step cannot be started yet
        const early = yield* Effect.flip(checkpoint([step("s1", "START")]))
        assert.include(early.message, "(it is PENDING)")
        assert.strictEqual(yield* emulator.nextWakeup(arn), 3000)

        yield* TestClock.adjust("3 seconds")
        const ready = yield* checkpoint([])
        assert.strictEqual(ready.NewExecutionState!.Operations![0]!.Status, "READY")
        yield* checkpoint([step("s1", "START")])
        const succeeded = yield* checkpoint([step("s1", "SUCCEED", { Payload: "\"ok\"" })])
        const op = succeeded.NewExecutionState!.Operations![0]!
        assert.strictEqual(op.Status, "SUCCEEDED")
        assert.strictEqual(op.StepDetails?.Attempt, 2)
        assert.strictEqual(op.StepDetails?.Result, "\"ok\"")
        assert.isUndefined(op.StepDetails?.Error)
        assert.strictEqual(op.EndTimestamp?.getTime(), 3000)
      })))

    it.effect("a RETRY with a Payload keeps it as Result (waitForCondition state)", () =>
      run(Effect.gen(function*() {
        const { checkpoint } = yield* setup()
        const response = yield* checkpoint([
          { ...step("s1", "START"), SubType: "WaitForCondition" },
          step("s1", "RETRY", { Payload: "{\"polls\":1}", StepOptions: { NextAttemptDelaySeconds: 10 } })
        ])
        const op = response.NewExecutionState!.Operations![0]!
        assert.strictEqual(op.StepDetails?.Result, "{\"polls\":1}")
        assert.strictEqual(op.StepDetails?.Attempt, 1)
      })))

    it.effect("callbacks: START gives an id; success is reported; timeouts fire", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        const started = yield* checkpoint([
          { Id: "cb1", Type: "CALLBACK", Action: "START", CallbackOptions: { TimeoutSeconds: 30 } },
          { Id: "cb2", Type: "CALLBACK", Action: "START", CallbackOptions: { TimeoutSeconds: 60 } }
        ])
        const [cb1, cb2] = started.NewExecutionState!.Operations!
        const id1 = cb1!.CallbackDetails!.CallbackId!
        const id2 = cb2!.CallbackDetails!.CallbackId!
        assert.notStrictEqual(id1, id2)
        assert.strictEqual(yield* emulator.nextWakeup(arn), 30_000)
        yield* emulator.sendCallbackSuccess(id1, "\"yes\"")
        const reported = yield* checkpoint([])
        assert.deepStrictEqual(ids(reported.NewExecutionState?.Operations), ["cb1"])
        assert.strictEqual(reported.NewExecutionState!.Operations![0]!.CallbackDetails?.Result, "\"yes\"")
        const again = yield* Effect.flip(emulator.sendCallbackSuccess(id1))
        assert.strictEqual(again._tag, "CallbackError")
        assert.strictEqual(again.reason, "Closed")
        assert.strictEqual(yield* emulator.nextWakeup(arn), 60_000)
        yield* TestClock.adjust("60 seconds")
        const timedOut = yield* checkpoint([])
        assert.strictEqual(timedOut.NewExecutionState!.Operations![0]!.Status, "TIMED_OUT")
        const unknown = yield* Effect.flip(emulator.sendCallbackFailure("nope"))
        assert.include(unknown.message, "No callback")
        assert.strictEqual(unknown.reason, "NotFound")
      })))

    it.effect("chained invokes complete externally", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([{
          Id: "i1",
          Type: "CHAINED_INVOKE",
          Action: "START",
          Payload: "{}",
          ChainedInvokeOptions: { FunctionName: "other" }
        }])
        yield* emulator.completeChainedInvoke(arn, "i1", { Status: "SUCCEEDED", Result: "7" })
        const response = yield* checkpoint([])
        assert.strictEqual(response.NewExecutionState!.Operations![0]!.ChainedInvokeDetails?.Result, "7")
        const error = yield* Effect.flip(emulator.completeChainedInvoke(arn, "i1", { Status: "FAILED" }))
        assert.strictEqual(error._tag, "ChainedInvokeError")
      })))
  })

  describe("state", () => {
    it.effect("pages InitialExecutionState and getExecutionState", () =>
      run(
        Effect.gen(function*() {
          const { arn, checkpoint, emulator, token } = yield* setup()
          yield* checkpoint(["a", "b", "c", "d"].map((id) => step(id, "SUCCEED")))
          const event = yield* emulator.invoke(arn)
          assert.deepStrictEqual(ids(event.InitialExecutionState?.Operations).slice(1), ["a"])
          assert.strictEqual(event.InitialExecutionState?.Operations?.length, 2)
          const marker = event.InitialExecutionState?.NextMarker
          assert.isString(marker)
          const request = { DurableExecutionArn: arn, CheckpointToken: event.CheckpointToken }
          const second = yield* emulator.client.getExecutionState({ ...request, Marker: marker!, MaxItems: 2 })
          assert.deepStrictEqual(ids(second.Operations), ["b", "c"])
          const third = yield* emulator.client.getExecutionState({ ...request, Marker: second.NextMarker!, MaxItems: 2 })
          assert.deepStrictEqual(ids(third.Operations), ["d"])
          assert.isUndefined(third.NextMarker)
          const all = yield* emulator.client.getExecutionState(request)
          assert.strictEqual(all.Operations?.length, 5, "MaxItems defaults to 100")
          const tooMany = yield* Effect.flip(emulator.client.getExecutionState({ ...request, MaxItems: 1001 }))
          assert.include(tooMany.message, "MaxItems must be an integer from 1 to 1000")
          assert.strictEqual(tooMany.scope, "EXECUTION")
          const zero = yield* Effect.flip(emulator.client.getExecutionState({ ...request, MaxItems: 0 }))
          assert.include(zero.message, "MaxItems")
          const badMarker = yield* Effect.flip(emulator.client.getExecutionState({ ...request, Marker: "garbage" }))
          assert.include(badMarker.message, "Invalid marker")
          assert.notStrictEqual(token(), event.CheckpointToken)
        }),
        { pageSize: 2 }
      ))

    it.effect("prunes the children of completed contexts unless ReplayChildren", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([
          { Id: "c1", Type: "CONTEXT", Action: "START" },
          step("c1-s", "SUCCEED", { ParentId: "c1" }),
          { Id: "c1-c", Type: "CONTEXT", Action: "START", ParentId: "c1" },
          step("c1-c-s", "SUCCEED", { ParentId: "c1-c" }),
          { Id: "c1-c", Type: "CONTEXT", Action: "SUCCEED", ParentId: "c1", ContextOptions: { ReplayChildren: true } },
          { Id: "c1", Type: "CONTEXT", Action: "SUCCEED", Payload: "1" },
          { Id: "c2", Type: "CONTEXT", Action: "START" },
          step("c2-s", "SUCCEED", { ParentId: "c2" }),
          { Id: "c2", Type: "CONTEXT", Action: "SUCCEED", Payload: "", ContextOptions: { ReplayChildren: true } },
          { Id: "c3", Type: "CONTEXT", Action: "START" },
          step("c3-s", "SUCCEED", { ParentId: "c3" })
        ])
        const event = yield* emulator.invoke(arn)
        assert.deepStrictEqual(ids(event.InitialExecutionState?.Operations).slice(1), [
          "c1",
          "c2",
          "c2-s",
          "c3",
          "c3-s"
        ])
        const snapshot = yield* emulator.execution(arn)
        assert.strictEqual(snapshot.operations.length, 9, "the snapshot is unpruned")
        assert.isTrue(snapshot.operations.find((o) => o.Id === "c2")!.ContextDetails?.ReplayChildren)
      })))

    it.effect("rejects PENDING when nothing is pending", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([step("s1", "SUCCEED")])
        const error = yield* Effect.flip(emulator.complete(arn, { Status: "PENDING" }))
        assert.strictEqual(error._tag, "InvalidInvocationOutputError")
        assert.strictEqual(error.message, "Cannot return PENDING status with no pending operations.")
        const completed = (yield* emulator.history(arn)).at(-1)
        assert.strictEqual(completed?._tag, "InvocationCompleted")
        assert.strictEqual(
          completed?._tag === "InvocationCompleted" ? completed.error : undefined,
          "Cannot return PENDING status with no pending operations."
        )
        assert.strictEqual((yield* emulator.execution(arn)).status, "RUNNING")
      })))

    it.effect("accepts PENDING while a step is READY, STARTED or PENDING", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        yield* checkpoint([step("s1", "START")])
        yield* emulator.complete(arn, { Status: "PENDING" })
        const again = yield* Effect.flip(emulator.complete(arn, { Status: "PENDING" }))
        assert.include(again.message, "No invocation")
      })))

    it.effect("SUCCEEDED and FAILED answers end the execution", () =>
      run(Effect.gen(function*() {
        const emulator = yield* Emulator
        const a = yield* emulator.start({ input: "1" })
        yield* emulator.invoke(a)
        yield* TestClock.adjust("2 seconds")
        yield* emulator.complete(a, { Status: "SUCCEEDED", Result: "\"done\"" })
        const sa = yield* emulator.execution(a)
        assert.strictEqual(sa.status, "SUCCEEDED")
        assert.strictEqual(sa.result, "\"done\"")
        assert.strictEqual(sa.endTimestamp?.getTime(), 2000)
        assert.strictEqual(sa.operations[0]!.Status, "SUCCEEDED")
        assert.deepStrictEqual(sa.history.map((e) => e._tag), [
          "ExecutionStarted",
          "InvocationStarted",
          "InvocationCompleted",
          "ExecutionCompleted"
        ])
        const b = yield* emulator.start({})
        yield* emulator.invoke(b)
        yield* emulator.complete(b, { Status: "FAILED", Error: { ErrorType: "Boom", ErrorMessage: "no" } })
        const sb = yield* emulator.execution(b)
        assert.strictEqual(sb.status, "FAILED")
        assert.deepStrictEqual(sb.error, { ErrorType: "Boom", ErrorMessage: "no" })
        const late = yield* Effect.flip(emulator.complete(b, { Status: "SUCCEEDED" }))
        assert.strictEqual(late._tag, "ExecutionNotRunningError")
      })))

    it.effect("stop ends a running execution as STOPPED: its token dies, its callbacks close, its answer is ignored", () =>
      run(Effect.gen(function*() {
        const { arn, checkpoint, emulator } = yield* setup()
        const started = yield* checkpoint([{ Id: "cb", Type: "CALLBACK", SubType: "Callback", Action: "START" }])
        const callbackId = started.NewExecutionState?.Operations?.find((o) => o.Id === "cb")?.CallbackDetails
          ?.CallbackId
        assert.isString(callbackId)
        yield* TestClock.adjust("3 seconds")
        const stoppedAt = yield* emulator.stop(arn, { ErrorType: "Stopped", ErrorMessage: "by an operator" })
        assert.strictEqual(stoppedAt.getTime(), 3000)
        const execution = yield* emulator.execution(arn)
        assert.strictEqual(execution.status, "STOPPED")
        assert.deepStrictEqual(execution.error, { ErrorType: "Stopped", ErrorMessage: "by an operator" })
        assert.strictEqual(execution.endTimestamp?.getTime(), 3000)
        assert.strictEqual(execution.operations[0]!.Status, "STOPPED")
        const rejected = yield* Effect.flip(checkpoint([]))
        assert.strictEqual(rejected.scope, "EXECUTION")
        const closed = yield* Effect.flip(emulator.sendCallbackSuccess(callbackId!, "\"late\""))
        assert.include(closed.message, "closed")
        yield* emulator.complete(arn, { Status: "SUCCEEDED", Result: "1" })
        assert.strictEqual((yield* emulator.execution(arn)).status, "STOPPED")
        const again = yield* Effect.flip(emulator.stop(arn))
        assert.strictEqual(again._tag, "ExecutionNotRunningError")
        const unknown = yield* Effect.flip(emulator.stop("arn:nope"))
        assert.strictEqual(unknown._tag, "ExecutionNotFoundError")
      })))
  })

  describe("observability", () => {
    it.effect("publishes every event to subscribers, in order", () =>
      run(Effect.gen(function*() {
        const emulator = yield* Emulator
        const subscription = yield* emulator.subscribe
        const { arn, checkpoint } = yield* setup()
        yield* checkpoint([wait("w1", 1), wait("w2", 100)])
        yield* TestClock.adjust("1 second")
        yield* emulator.complete(arn, { Status: "PENDING" })
        const events = yield* PubSub.takeAll(subscription)
        assert.deepStrictEqual(events.map((e) => e._tag), [
          "ExecutionStarted",
          "InvocationStarted",
          "Checkpointed",
          "OperationsUpdated",
          "InvocationCompleted"
        ])
        const checkpointed = events[2]!
        assert.strictEqual(checkpointed._tag === "Checkpointed" ? checkpointed.call : -1, 1)
      })))
  })

  it.effect("layerClient exposes the emulator as the core CheckpointClient", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const client = yield* CheckpointClient
      const arn = yield* emulator.start({})
      const event = yield* emulator.invoke(arn)
      const state = yield* client.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: event.CheckpointToken })
      assert.strictEqual(state.Operations?.length, 1)
    }).pipe(Effect.provide(Emulator.layerClient.pipe(Layer.provideMerge(Emulator.layer)))))
})

describe("Emulator strictness (issue 7)", () => {
  const callbackStart = (Id: string): Wire.OperationUpdate => ({
    Id,
    Type: "CALLBACK",
    SubType: "Callback",
    Action: "START",
    CallbackOptions: { TimeoutSeconds: 60 }
  })

  it.effect("accepts PENDING when an operation changed after the last checkpoint, and re-invokes at once", () =>
    run(Effect.gen(function*() {
      // A callback completed after the function's last checkpoint: nothing is pending any more, but the
      // function has not heard of it ("pending dirty operations", as the official testing server says).
      const { arn, checkpoint, emulator } = yield* setup()
      const started = yield* checkpoint([callbackStart("cb")])
      const callbackId = started.NewExecutionState!.Operations![0]!.CallbackDetails!.CallbackId!
      yield* emulator.sendCallbackSuccess(callbackId, "\"yes\"")
      yield* emulator.complete(arn, { Status: "PENDING" })
      assert.strictEqual(yield* emulator.nextWakeup(arn), 0, "invoked again at once")
      const next = yield* emulator.invoke(arn)
      assert.deepStrictEqual(next.UpdatedOperationIds, ["cb"])

      // The same with a timer that fired after the last checkpoint.
      const second = yield* setup()
      yield* second.checkpoint([wait("w", 1)])
      yield* TestClock.adjust("2 seconds")
      yield* second.emulator.complete(second.arn, { Status: "PENDING" })
      const woken = yield* second.emulator.invoke(second.arn)
      assert.deepStrictEqual(woken.UpdatedOperationIds, ["w"])
    })))

  it.effect("hands out tokens and callback ids nobody can guess: 192 random bits, not derived from the ARN", () =>
    run(Effect.gen(function*() {
      const { checkpoint, event } = yield* setup()
      const tokens = new Set([event.CheckpointToken])
      const callbackIds = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const response = yield* checkpoint([callbackStart(`cb${i}`)])
        tokens.add(response.CheckpointToken!)
        callbackIds.add(response.NewExecutionState!.Operations![0]!.CallbackDetails!.CallbackId!)
      }
      assert.strictEqual(tokens.size, 21)
      assert.strictEqual(callbackIds.size, 20)
      for (const secret of [...tokens, ...callbackIds]) {
        assert.match(secret, /^[A-Za-z0-9_-]{32}$/)
        assert.isAtLeast(Buffer.from(secret, "base64url").length * 8, 128)
      }
    })))

  it.effect("hands out callback ids a command line takes as they are: none starts with '-'", () =>
    run(Effect.gen(function*() {
      // One base64url id in 64 would start with "-": over 300 ids, a leading dash would show (p > 0.99).
      const { checkpoint } = yield* setup()
      const started = yield* checkpoint(Array.from({ length: 300 }, (_, i) => callbackStart(`cb${i}`)))
      const callbackIds = started.NewExecutionState!.Operations!.map((op) => op.CallbackDetails!.CallbackId!)
      assert.strictEqual(new Set(callbackIds).size, 300)
      assert.deepStrictEqual(callbackIds.filter((id) => id.startsWith("-")), [])
    })))

  it.effect("a token is only good for the execution that issued it: a forged EXECUTION FAIL is refused", () =>
    run(Effect.gen(function*() {
      const victim = yield* setup()
      const attacker = yield* setup()
      const forged = yield* Effect.flip(
        attacker.emulator.client.checkpoint({
          DurableExecutionArn: victim.arn,
          CheckpointToken: attacker.token(),
          Updates: [{ Id: "x", Type: "EXECUTION", Action: "FAIL", Error: { ErrorMessage: "owned" } }]
        })
      )
      assert.strictEqual(forged.message, "Invalid checkpoint token")
      assert.strictEqual((yield* victim.emulator.execution(victim.arn)).status, "RUNNING")
      // Nor is a callback id one can build from the ARN.
      const guessed = yield* Effect.flip(victim.emulator.sendCallbackSuccess(`callback-1-1`, "\"ok\""))
      assert.strictEqual(guessed.reason, "NotFound")
    })))

  it.effect("refuses a callback result over the service's 1 MiB", () =>
    run(Effect.gen(function*() {
      const { checkpoint, emulator } = yield* setup()
      const started = yield* checkpoint([callbackStart("cb")])
      const callbackId = started.NewExecutionState!.Operations![0]!.CallbackDetails!.CallbackId!
      const error = yield* Effect.flip(
        emulator.sendCallbackSuccess(callbackId, JSON.stringify("x".repeat(EmulatorModule.maxCallbackResultBytes)))
      )
      assert.strictEqual(error.reason, "TooLarge")
      // still open: a result within the limit completes it
      yield* emulator.sendCallbackSuccess(callbackId, JSON.stringify("x".repeat(1000)))
    })))
})
