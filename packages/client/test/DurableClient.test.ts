/**
 * Every method of the client, the same tests on both transports: the local
 * service in process, and over HTTP through the real `LambdaClient` and
 * `LambdaApiServer`. Time is the `TestClock`: the test moves it, and waits for
 * the local service to be idle between moves.
 */
import { ClientError, DurableClient } from "@effect-durable/client"
import { DurableError } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Option, Schedule, Stream } from "effect"
import {
  advance,
  Approval,
  ApprovalFailed,
  callbackIdOf,
  Decision,
  idle,
  Order,
  OutOfStock,
  Ping,
  Rejected,
  transports
} from "./support.ts"

const input = { orderId: "o-1", sku: "tea", quantity: 2 }
const shippedAt = new Date(Date.UTC(2026, 0, 2, 9, 30))
const unknownArn =
  "arn:aws:lambda:us-east-1:123456789012:function:order:$LATEST/durable-execution/nope/00000000-0000-4000-8000-00000000ffff"

for (const transport of transports) {
  describe(`DurableClient ${transport.name}`, () => {
    const test = (name: string, body: () => Effect.Effect<void, unknown, any>) =>
      it.effect(name, () => body().pipe(Effect.provide(transport.layer)) as Effect.Effect<void, unknown>)

    test("start gives a handle; the result is the workflow's output, decoded with its Schema", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Order, input, { function: "order", executionName: "order-o-1" })
        assert.match(handle.arn, /:function:order:\$LATEST\/durable-execution\/order-o-1\//)
        assert.strictEqual(handle.executionName, "order-o-1")
        yield* idle
        // the first invocation reserved the stock and now waits a day for the carrier
        assert.deepStrictEqual(yield* handle.poll, Option.none())
        const running = yield* handle.status
        assert.strictEqual(running.status, "RUNNING")
        assert.strictEqual(running.name, "order-o-1")
        assert.isUndefined(running.endedAt)
        yield* advance("1 day")
        const output = yield* handle.result
        assert.deepStrictEqual(output, { orderId: "o-1", shippedAt })
        assert.instanceOf(output.shippedAt, Date)
        const ended = yield* handle.status
        assert.strictEqual(ended.status, "SUCCEEDED")
        assert.strictEqual(ended.endedAt?.getTime(), 24 * 3600 * 1000)
        assert.deepStrictEqual(yield* handle.poll, Option.some(Exit.succeed({ orderId: "o-1", shippedAt })))
      }))

    test("a failed execution gives the workflow's typed error, or a WorkflowError without an error Schema", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const order = yield* client.start(Order, { ...input, quantity: 11 }, { function: "order" })
        yield* idle
        const error = yield* Effect.flip(order.result)
        assert.instanceOf(error, OutOfStock)
        assert.deepStrictEqual({ ...error }, { _tag: "OutOfStock", sku: "tea", requested: 11 })
        // caught by its tag, as any typed error
        const recovered = yield* order.result.pipe(
          Effect.catchTag("OutOfStock", (e) => Effect.succeed(`backorder ${e.requested} ${e.sku}`))
        )
        assert.strictEqual(recovered, "backorder 11 tea")

        const ping = yield* client.start(Ping, { host: "db.internal" }, { function: "ping" })
        yield* idle
        const untyped = yield* Effect.flip(ping.result)
        assert.instanceOf(untyped, DurableError.WorkflowError)
        if (untyped instanceof DurableError.WorkflowError) {
          assert.strictEqual(untyped.errorType, "Unreachable")
          assert.include(untyped.message, "db.internal")
        }
      }))

    test("stop: the execution ends STOPPED with the given error; stopping again is not an error", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Order, input, { function: "order" })
        yield* advance("1 hour")
        const stoppedAt = yield* handle.stop(new OutOfStock({ sku: "tea", requested: 2 }))
        assert.strictEqual(stoppedAt.getTime(), yield* Clock.currentTimeMillis)
        const error = yield* Effect.flip(handle.result)
        assert.instanceOf(error, ClientError.ExecutionStoppedError)
        if (error instanceof ClientError.ExecutionStoppedError) {
          assert.strictEqual(error.errorType, "OutOfStock")
          assert.include(error.message, "tea")
        }
        assert.strictEqual((yield* handle.status).status, "STOPPED")
        // a retried stop (the service applied the first one) gives the same stop time
        yield* advance("1 minute")
        assert.strictEqual((yield* handle.stop("again")).getTime(), stoppedAt.getTime())
        // the day passes: the stopped execution is not invoked again
        yield* advance("2 days")
        assert.strictEqual((yield* handle.status).status, "STOPPED")

        const done = yield* client.start(Order, { ...input, orderId: "o-2" }, { function: "order" })
        yield* advance("1 day")
        const notRunning = yield* Effect.flip(done.stop("too late"))
        assert.strictEqual(notRunning._tag, "ExecutionNotRunningError")
        if (notRunning._tag === "ExecutionNotRunningError") assert.strictEqual(notRunning.status, "SUCCEEDED")
      }))

    test("a callback completed with a Schema-encoded value", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Approval, { request: "laptop" }, { function: "approval" })
        yield* idle
        const callbackId = yield* callbackIdOf(handle)
        yield* advance("30 minutes")
        yield* client.succeed(callbackId, { approved: true, by: "grace" }, Decision)
        yield* idle
        assert.strictEqual(yield* handle.result, "laptop: approved by grace")
        // a callback completes once: a second completion is refused
        const again = yield* Effect.flip(client.succeed(callbackId, { approved: false, by: "eve" }, Decision))
        assert.strictEqual(again._tag, "CallbackTimedOutError")
        if (again._tag === "CallbackTimedOutError") assert.isFalse(again.retried)
      }))

    test("a callback failed with a typed error, which the workflow decodes", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Approval, { request: "yacht" }, { function: "approval" })
        yield* idle
        yield* client.fail(yield* callbackIdOf(handle), new Rejected({ reason: "over budget" }), Rejected)
        yield* idle
        const error = yield* Effect.flip(handle.result)
        assert.instanceOf(error, ApprovalFailed)
        assert.deepStrictEqual({ ...error }, { _tag: "ApprovalFailed", kind: "rejected", detail: "over budget" })
      }))

    test("heartbeats keep a callback open past its heartbeat timeout; without them it times out", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Approval, { request: "desk" }, { function: "approval" })
        yield* idle
        const callbackId = yield* callbackIdOf(handle)
        // a heartbeat every 50 minutes: 3 hours pass, the heartbeat timeout is 1 hour
        for (let beat = 0; beat < 4; beat++) {
          yield* advance("50 minutes")
          yield* client.heartbeat(callbackId)
        }
        assert.deepStrictEqual(yield* handle.poll, Option.none())
        // silence: the callback times out an hour after the last heartbeat
        yield* advance("59 minutes")
        assert.deepStrictEqual(yield* handle.poll, Option.none())
        yield* advance("2 minutes")
        const error = yield* Effect.flip(handle.result)
        assert.instanceOf(error, ApprovalFailed)
        if (error instanceof ApprovalFailed) assert.strictEqual(error.kind, "timed-out")
        // too late now: a timed-out callback error
        const late = yield* Effect.flip(client.succeed(callbackId, { approved: true, by: "grace" }, Decision))
        assert.strictEqual(late._tag, "CallbackTimedOutError")
        const lateBeat = yield* Effect.flip(client.heartbeat(callbackId))
        assert.strictEqual(lateBeat._tag, "CallbackTimedOutError")
      }))

    test("unknown callback ids and executions are typed errors", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const results = yield* Effect.all([
          Effect.flip(client.succeed("no-such-callback", { approved: true, by: "x" })),
          Effect.flip(client.fail("no-such-callback", new Rejected({ reason: "x" }))),
          Effect.flip(client.heartbeat("no-such-callback"))
        ])
        for (const error of results) {
          assert.strictEqual(error._tag, "CallbackNotFoundError")
          if (error._tag === "CallbackNotFoundError") assert.strictEqual(error.callbackId, "no-such-callback")
        }
        const handle = client.handle(Order, unknownArn)
        const errors = yield* Effect.all([
          Effect.flip(handle.status),
          Effect.flip(handle.poll),
          Effect.flip(handle.result),
          Effect.flip(Stream.runCollect(handle.history())),
          Effect.flip(handle.stop())
        ])
        for (const error of errors) assert.strictEqual(error._tag, "ExecutionNotFoundError")
        const unknownFunction = yield* Effect.flip(client.start(Order, input, { function: "no-such-function" }))
        assert.strictEqual(unknownFunction._tag, "FunctionNotFoundError")
        const listUnknown = yield* Effect.flip(Stream.runCollect(client.list({ function: "no-such-function" })))
        assert.strictEqual(listUnknown._tag, "FunctionNotFoundError")
      }))

    test("bad input fails before any call: an input its Schema refuses, a bad name, an oversized input", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const emulator = yield* Emulator.Emulator
        const wrongType = yield* Effect.flip(
          client.start(Order, { orderId: 42, sku: "tea", quantity: 1 } as never, { function: "order" })
        )
        assert.strictEqual(wrongType._tag, "InvalidPayloadError")
        if (wrongType._tag === "InvalidPayloadError") {
          assert.strictEqual(wrongType.payload, "input")
          assert.include(wrongType.message, "orderId")
        }
        const badName = yield* Effect.flip(client.start(Order, input, { function: "order", executionName: "no spaces" }))
        assert.strictEqual(badName._tag, "InvalidRequestError")
        const noFunction = yield* Effect.flip(client.start(Order, input, { function: " " }))
        assert.strictEqual(noFunction._tag, "InvalidRequestError")
        const huge = yield* Effect.flip(
          client.start(Order, { ...input, orderId: "x".repeat(1024 * 1024) }, { function: "order" })
        )
        assert.strictEqual(huge._tag, "InvalidPayloadError")
        assert.include(huge.message, "limit")
        const tooBig = yield* Effect.flip(client.succeed("any", "x".repeat(1024 * 1024)))
        assert.strictEqual(tooBig._tag, "InvalidPayloadError")
        const badCallbackValue = yield* Effect.flip(client.succeed("any", { approved: "yes" } as never, Decision))
        assert.strictEqual(badCallbackValue._tag, "InvalidPayloadError")
        const badPage = yield* Effect.flip(Stream.runCollect(client.list({ function: "order", pageSize: 0 })))
        assert.strictEqual(badPage._tag, "InvalidRequestError")
        // nothing reached the service
        assert.strictEqual((yield* emulator.executions).length, 0)
      }))

    test("idempotent starts: the same name and input give the same execution, another input a typed conflict", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const first = yield* client.start(Order, input, { function: "order", executionName: "order-o-1" })
        yield* advance("1 hour")
        // the same object with its keys in another order encodes to the same payload
        const again = yield* client.start(Order, { quantity: 2, sku: "tea", orderId: "o-1" }, {
          function: "order",
          executionName: "order-o-1"
        })
        assert.strictEqual(again.arn, first.arn)
        const conflict = yield* Effect.flip(
          client.start(Order, { ...input, quantity: 3 }, { function: "order", executionName: "order-o-1" })
        )
        assert.strictEqual(conflict._tag, "ExecutionAlreadyStartedError")
        if (conflict._tag === "ExecutionAlreadyStartedError") assert.strictEqual(conflict.executionName, "order-o-1")
        const named = yield* Stream.runCollect(client.list({ function: "order", executionName: "order-o-1" }))
        assert.strictEqual(named.length, 1)
        // once it has ended, the same start gives the ended execution and its result
        yield* advance("1 day")
        const afterEnd = yield* client.start(Order, input, { function: "order", executionName: "order-o-1" })
        assert.strictEqual(afterEnd.arn, first.arn)
        assert.deepStrictEqual(yield* afterEnd.result, { orderId: "o-1", shippedAt })
        // without a name, every start is a new execution
        const a = yield* client.start(Order, input, { function: "order" })
        const b = yield* client.start(Order, input, { function: "order" })
        assert.notStrictEqual(a.arn, b.arn)
      }))

    test("list: filters, both orders, every page", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handles = []
        for (let i = 1; i <= 5; i++) {
          handles.push(
            yield* client.start(Order, { ...input, orderId: `o-${i}` }, { function: "order", executionName: `o-${i}` })
          )
          yield* advance("1 minute")
        }
        yield* handles[1]!.stop()
        yield* handles[3]!.stop()
        const names = (executions: Iterable<DurableClient.Execution>) => Array.from(executions, (e) => e.name)
        // 5 executions, 2 per page: 3 calls
        assert.deepStrictEqual(names(yield* Stream.runCollect(client.list({ function: "order", pageSize: 2 }))), [
          "o-5",
          "o-4",
          "o-3",
          "o-2",
          "o-1"
        ])
        assert.deepStrictEqual(
          names(yield* Stream.runCollect(client.list({ function: "order", pageSize: 2, oldestFirst: true }))),
          ["o-1", "o-2", "o-3", "o-4", "o-5"]
        )
        assert.deepStrictEqual(
          names(yield* Stream.runCollect(client.list({ function: "order", statuses: ["STOPPED"], pageSize: 1 }))),
          ["o-4", "o-2"]
        )
        assert.deepStrictEqual(
          names(
            yield* Stream.runCollect(
              client.list({ function: "order", startedAfter: new Date(90_000), startedBefore: new Date(210_000) })
            )
          ),
          ["o-4", "o-3"]
        )
        // a stream: take only what is needed
        assert.deepStrictEqual(
          names(yield* Stream.runCollect(Stream.take(client.list({ function: "order", pageSize: 2 }), 3))),
          ["o-5", "o-4", "o-3"]
        )
        const [newest] = yield* Stream.runCollect(client.list({ function: "order", pageSize: 1 }).pipe(Stream.take(1)))
        assert.strictEqual(newest?.arn, handles[4]!.arn)
        assert.strictEqual(newest?.status, "RUNNING")
        assert.match(newest?.functionArn ?? "", /:function:order:\$LATEST$/)
      }))

    test("history: the execution's events, decoded, every page, in either order", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Order, input, { function: "order" })
        yield* advance("1 day")
        const events = Array.from(yield* Stream.runCollect(handle.history()))
        assert.deepStrictEqual(events.map((e) => e.EventType), [
          "ExecutionStarted",
          "StepStarted",
          "StepSucceeded",
          "WaitStarted",
          "InvocationCompleted",
          "WaitSucceeded",
          "InvocationCompleted",
          "ExecutionSucceeded"
        ])
        assert.deepStrictEqual(events.map((e) => e.EventId), [1, 2, 3, 4, 5, 6, 7, 8])
        for (const event of events) assert.instanceOf(event.EventTimestamp, Date)
        assert.deepStrictEqual(
          JSON.parse(events[0]!.ExecutionStartedDetails?.Input?.Payload ?? "null"),
          input
        )
        assert.strictEqual(events.find((e) => e.EventType === "StepSucceeded")?.Name, "reserve")
        assert.strictEqual(events[3]!.WaitStartedDetails?.Duration, 24 * 3600)
        const paged = Array.from(yield* Stream.runCollect(handle.history({ pageSize: 3 })))
        assert.deepStrictEqual(paged, events)
        const newestFirst = Array.from(yield* Stream.runCollect(handle.history({ pageSize: 3, newestFirst: true })))
        assert.deepStrictEqual(newestFirst, [...events].reverse())
        const withoutData = Array.from(yield* Stream.runCollect(handle.history({ includeData: false })))
        assert.isUndefined(withoutData[0]!.ExecutionStartedDetails?.Input?.Payload)
      }))

    test("resultWith a finite schedule gives up with ExecutionStillRunningError; handle(arn) reads any execution", () =>
      Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const handle = yield* client.start(Order, input, { function: "order" })
        yield* idle
        const gaveUp = yield* Effect.flip(handle.resultWith(Schedule.recurs(2)))
        assert.strictEqual(gaveUp._tag, "ExecutionStillRunningError")
        yield* advance("1 day")
        // untyped: the output as JSON
        const untyped = client.handle(handle.arn)
        assert.deepStrictEqual(yield* untyped.result, { orderId: "o-1", shippedAt: shippedAt.toISOString() })
        // typed by another handle on the same ARN
        assert.deepStrictEqual(yield* client.handle(Order, handle.arn).result, { orderId: "o-1", shippedAt })
      }))
  })
}
