/**
 * How calls reach the service: `result` polls on its back-off schedule, and a
 * call whose answer was lost in transit, which the AWS SDK sends again, is
 * never applied twice (over HTTP, with the real `LambdaClient`).
 */
import { LambdaClient } from "@aws-sdk/client-lambda"
import { DurableClient, ExecutionApi, LambdaExecutionApi } from "@effect-durable/client"
import { Durable } from "@effect-durable/core"
import { Emulator, LambdaApiServer, LocalService } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, Layer, Schedule, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Approval, callbackIdOf, credentials, Decision, eager, functions, idle, Order } from "./support.ts"

const Pause = Durable.workflow(
  { name: "pause", input: Schema.Number, output: Schema.Number },
  (seconds) => Effect.as(Durable.wait("pause", `${seconds} seconds`), seconds)
)

/**
 * The client over the in-process API, recording when it asks for the
 * execution's status (`polls`) and when for its data (`reads`).
 */
const recordingPolls = (options: DurableClient.Options) => {
  const polls: Array<number> = []
  const reads: Array<number> = []
  const api = Layer.effect(
    ExecutionApi.ExecutionApi,
    Effect.map(LocalService.makeExecutionApi, (api) =>
      ExecutionApi.ExecutionApi.of({
        ...api,
        getExecution: (request) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            const record = request.IncludeExecutionData === true ? reads : polls
            record.push(now)
            return api.getExecution(request)
          })
      }))
  )
  const layer = DurableClient.layerApi(options).pipe(
    Layer.provide(api),
    Layer.provideMerge(LocalService.layer({ pause: Pause }, { policy: eager })),
    Layer.provideMerge(Emulator.Emulator.layer)
  )
  return { polls, reads, layer }
}

/** Waits for `fiber` while moving the clock a second at a time. */
const awaitUnderTestClock = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.gen(function*() {
    for (let second = 0; second < 120 && fiber.pollUnsafe() === undefined; second++) {
      yield* idle
      yield* TestClock.adjust("1 second")
    }
    return yield* Fiber.join(fiber)
  })

describe("result polling", () => {
  const defaults = recordingPolls({})
  it.effect("polls after 1 s, then 1.5 times longer each time", () =>
    Effect.gen(function*() {
      const client = yield* DurableClient.DurableClient
      const handle = yield* client.start(Pause, 10, { function: "pause" })
      const result = yield* Effect.forkChild(handle.result)
      assert.strictEqual(yield* awaitUnderTestClock(result), 10)
      // the execution ended at 10 s; the poll at 13.1875 s saw it
      assert.deepStrictEqual(defaults.polls, [0, 1000, 2500, 4750, 8125, 13187.5])
      // the input is not sent again with every poll: the data is read once, when it has ended
      assert.deepStrictEqual(defaults.reads, [13187.5])
    }).pipe(Effect.provide(defaults.layer)))

  const spaced = recordingPolls({ pollSchedule: Schedule.spaced("5 seconds") })
  it.effect("polls on the layer's schedule", () =>
    Effect.gen(function*() {
      const client = yield* DurableClient.DurableClient
      const handle = yield* client.start(Pause, 12, { function: "pause" })
      const result = yield* Effect.forkChild(handle.result)
      assert.strictEqual(yield* awaitUnderTestClock(result), 12)
      assert.deepStrictEqual(spaced.polls, [0, 5000, 10000, 15000])
      assert.deepStrictEqual(spaced.reads, [15000])
    }).pipe(Effect.provide(spaced.layer)))
})

describe("result with a pollSchedule that ends", () => {
  const finite = recordingPolls({ pollSchedule: Schedule.recurs(1) })
  it.effect("dies, saying to bound waits with resultWith or Effect.timeout", () =>
    Effect.gen(function*() {
      const client = yield* DurableClient.DurableClient
      const handle = yield* client.start(Pause, 60, { function: "pause" })
      yield* idle
      const exit = yield* Effect.exit(handle.result)
      assert.isTrue(Exit.hasDies(exit))
      assert.include(String(Exit.isFailure(exit) ? Cause.squash(exit.cause) : ""), "resultWith")
      assert.strictEqual(finite.polls.length, 2)
    }).pipe(Effect.provide(finite.layer)))
})

// ---------------------------------------------------------------------------
// Lost answers
// ---------------------------------------------------------------------------

const Server = LambdaApiServer.layer.pipe(
  Layer.provideMerge(LocalService.layer(functions, { policy: eager })),
  Layer.provideMerge(Emulator.Emulator.layer)
)

/**
 * A `LambdaClient` (which retries up to 3 attempts) whose first answer to
 * `command` is lost after the service applied the request, as a dropped
 * connection would lose it; and the client over it.
 */
const losingFirstAnswerTo = (command: string) =>
  Effect.gen(function*() {
    const { url } = yield* LambdaApiServer.LambdaApiServer
    const aws = yield* Effect.acquireRelease(
      Effect.sync(() => new LambdaClient({ endpoint: url, region: "us-east-1", credentials, maxAttempts: 3 })),
      (client) => Effect.sync(() => client.destroy())
    )
    const lost = { count: 0 }
    aws.middlewareStack.add(
      (next, context) => async (args) => {
        const answer = await next(args)
        if (context.commandName === command && lost.count === 0) {
          lost.count += 1
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" })
        }
        return answer
      },
      { step: "deserialize", name: "loseFirstAnswer" }
    )
    const client = yield* DurableClient.make().pipe(Effect.provide(LambdaExecutionApi.layerFromClient(aws)))
    return { client, lost }
  })

const countEvents = (events: Iterable<{ readonly EventType: string }>, type: string) =>
  Array.from(events).filter((event) => event.EventType === type).length

describe("a call whose answer was lost is sent again, and never applied twice", () => {
  it.effect("start without a name: the generated name makes the retried Invoke find the same execution", () =>
    Effect.gen(function*() {
      const { client, lost } = yield* losingFirstAnswerTo("InvokeCommand")
      const emulator = yield* Emulator.Emulator
      const handle = yield* client.start(Order, { orderId: "o-9", sku: "tea", quantity: 1 }, { function: "order" })
      assert.strictEqual(lost.count, 1)
      const executions = yield* emulator.executions
      assert.deepStrictEqual(executions.map((e) => e.arn), [handle.arn])
    }).pipe(Effect.provide(Server)))

  it.effect("a callback completion: the first attempt completed it; the retry is told it is closed", () =>
    Effect.gen(function*() {
      const { client, lost } = yield* losingFirstAnswerTo("SendDurableExecutionCallbackSuccessCommand")
      const handle = yield* client.start(Approval, { request: "chair" }, { function: "approval" })
      yield* idle
      const callbackId = yield* callbackIdOf(handle)
      const retried = yield* Effect.flip(client.succeed(callbackId, { approved: true, by: "grace" }, Decision))
      assert.strictEqual(lost.count, 1)
      assert.strictEqual(retried._tag, "CallbackTimedOutError")
      if (retried._tag === "CallbackTimedOutError") assert.isTrue(retried.retried)
      yield* idle
      assert.strictEqual(yield* handle.result, "chair: approved by grace")
      assert.strictEqual(countEvents(yield* Stream.runCollect(handle.history()), "CallbackSucceeded"), 1)
    }).pipe(Effect.provide(Server)))

  it.effect("a stop: the retried stop finds the execution stopped and gives its stop time", () =>
    Effect.gen(function*() {
      const { client, lost } = yield* losingFirstAnswerTo("StopDurableExecutionCommand")
      const handle = yield* client.start(Order, { orderId: "o-10", sku: "tea", quantity: 1 }, { function: "order" })
      yield* idle
      yield* TestClock.adjust("1 hour")
      const stoppedAt = yield* handle.stop("cancelled by the customer")
      assert.strictEqual(lost.count, 1)
      const status = yield* handle.status
      assert.strictEqual(status.status, "STOPPED")
      assert.strictEqual(stoppedAt.getTime(), status.endedAt?.getTime())
      assert.strictEqual(countEvents(yield* Stream.runCollect(handle.history()), "ExecutionStopped"), 1)
    }).pipe(Effect.provide(Server)))
})
