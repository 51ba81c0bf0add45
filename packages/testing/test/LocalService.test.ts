/**
 * The local service's driver: it runs every execution of its functions,
 * however it was started, concurrently, until it ends; it picks up the
 * executions that were running before it started; `idle` says when it has
 * nothing to do now; it gives up on an execution whose invocations keep
 * failing, and says so.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ExecutionApi } from "@effect-durable/client/ExecutionApi"
import { Emulator, maxCallbackResultBytes } from "../src/Emulator.ts"
import type * as LocalRunner from "../src/LocalRunner.ts"
import * as LocalService from "../src/LocalService.ts"

class Clock extends Context.Service<Clock, { readonly ticks: Array<string> }>()("test/Ticks") {}

/** Ticks (through a service the layer provides), waits, ticks again. */
const Ticker = Durable.workflow(
  { name: "ticker", input: Schema.Struct({ id: Schema.String, seconds: Schema.Number }), output: Schema.String },
  Effect.fn(function*({ id, seconds }) {
    const { ticks } = yield* Clock
    yield* Durable.step("tick", Effect.sync(() => ticks.push(`${id} tick`)))
    yield* Durable.wait("wait", `${seconds} seconds`)
    yield* Durable.step("tock", Effect.sync(() => ticks.push(`${id} tock`)))
    return id
  })
)

class Inbox extends Context.Service<Inbox, { readonly ids: Array<string> }>()("test/Inbox") {}

/** Creates a callback, hands its id over, and waits for it. */
const Signer = Durable.workflow(
  { name: "signer", output: Schema.String },
  Effect.fn(function*() {
    const { ids } = yield* Inbox
    const signature = yield* Durable.createCallback("signature", { timeout: "1 hour" })
    yield* Durable.step("send", Effect.sync(() => void ids.push(signature.callbackId)))
    return yield* signature.await
  })
)

const eager = { name: "eager", warmup: Duration.zero, maxInProcessWait: Duration.zero } as const

const input = (id: string, seconds: number) => JSON.stringify({ id, seconds })

describe("LocalService", () => {
  const events: Array<LocalRunner.Event> = []
  it.effect("runs every execution of its functions, concurrently, until each ends", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const local = yield* LocalService.LocalService
      const { ticks } = yield* Clock
      assert.deepStrictEqual(local.functions, ["ticker"])
      const slow = yield* emulator.start({ name: "ticker", input: input("slow", 30) })
      const fast = yield* emulator.start({ name: "ticker", input: input("fast", 10) })
      // not ours: never invoked
      const other = yield* emulator.start({ name: "other", input: "{}" })
      yield* local.idle
      assert.deepStrictEqual(ticks, ["slow tick", "fast tick"])
      yield* TestClock.adjust("10 seconds")
      yield* local.idle
      assert.deepStrictEqual(ticks, ["slow tick", "fast tick", "fast tock"])
      assert.strictEqual((yield* emulator.execution(fast)).status, "SUCCEEDED")
      assert.strictEqual((yield* emulator.execution(slow)).status, "RUNNING")
      yield* TestClock.adjust("20 seconds")
      yield* local.idle
      // onEvent saw both executions' events, the runner's own included
      assert.deepStrictEqual(events.filter((e) => e._tag === "ExecutionCompleted").map((e) => e.arn), [fast, slow])
      assert.isTrue(events.some((e) => e._tag === "Sleeping" && e.arn === slow))
      const done = yield* emulator.execution(slow)
      assert.strictEqual(done.status, "SUCCEEDED")
      assert.strictEqual(done.result, "\"slow\"")
      assert.strictEqual(done.invocations, 2)
      assert.strictEqual((yield* emulator.execution(other)).invocations, 0)
      assert.deepStrictEqual(yield* local.stalled, [])
    }).pipe(Effect.provide(
      LocalService.layer({ ticker: Ticker }, { policy: eager, onEvent: (event) => Effect.sync(() => events.push(event)) }).pipe(
        Layer.provideMerge(Layer.succeed(Clock, { ticks: [] })),
        Layer.provideMerge(Emulator.layer)
      )
    )))

  it.effect("picks up the executions that were running when it started", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const ticks: Array<string> = []
      const before = yield* emulator.start({ name: "ticker", input: input("before", 5) })
      // the service starts later (a restart with a persistent store)
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(
          LocalService.layer({ ticker: Ticker }, { policy: eager }).pipe(
            Layer.provide(Layer.succeed(Clock, { ticks })),
            Layer.provide(Layer.succeed(Emulator, emulator))
          )
        )
        const local = Context.get(context, LocalService.LocalService)
        yield* local.idle
        yield* TestClock.adjust("5 seconds")
        yield* local.idle
      }))
      assert.strictEqual((yield* emulator.execution(before)).status, "SUCCEEDED")
      assert.deepStrictEqual(ticks, ["before tick", "before tock"])
    }).pipe(Effect.provide(Emulator.layer)))

  it.effect("gives up on an execution whose invocations keep failing, and reports it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const local = yield* LocalService.LocalService
      const arn = yield* emulator.start({ name: "stubborn", input: "null" })
      // the invocation times out after a minute; its step, uninterruptible, ends after 20
      for (let minute = 0; minute < 25; minute++) yield* TestClock.adjust("1 minute")
      yield* local.idle
      const stalled = yield* local.stalled
      assert.deepStrictEqual(stalled.map((s) => [s.arn, s.functionName, s.error._tag]), [
        [arn, "stubborn", "InvocationFailedError"]
      ])
      // still running on the emulator, and `idle` no longer waits for it
      assert.strictEqual((yield* emulator.execution(arn)).status, "RUNNING")
    }).pipe(Effect.provide(
      LocalService.layer({
        stubborn: Durable.workflow({ name: "stubborn" }, () =>
          Durable.step("stubborn", Effect.uninterruptible(Effect.sleep("20 minutes")), { retry: RetryPolicy.noRetry }))
      }, { policy: eager, invocationTimeout: "1 minute", maxConsecutiveFailures: 1 }).pipe(
        Layer.provideMerge(Emulator.layer)
      )
    )))

  it.effect("its in-process API refuses callback completions as the Lambda API does", () =>
    Effect.gen(function*() {
      const { ids } = yield* Inbox
      const local = yield* LocalService.LocalService
      const api = yield* ExecutionApi
      const emulator = yield* Emulator
      yield* emulator.start({ name: "signer", input: "{}" })
      yield* local.idle
      const [callbackId] = ids
      assert.isDefined(callbackId)
      const tooLarge = yield* Effect.flip(
        api.sendCallbackSuccess({ CallbackId: callbackId!, Result: JSON.stringify("x".repeat(maxCallbackResultBytes)) })
      )
      assert.strictEqual(tooLarge._tag, "LambdaApiError")
      if (tooLarge._tag === "LambdaApiError") {
        assert.deepStrictEqual([tooLarge.errorName, tooLarge.statusCode], ["RequestTooLargeException", 413])
      }
      yield* api.sendCallbackSuccess({ CallbackId: callbackId!, Result: "\"signed\"" })
      assert.strictEqual((yield* Effect.flip(api.sendCallbackHeartbeat({ CallbackId: callbackId! })))._tag, "CallbackTimedOutError")
      assert.strictEqual((yield* Effect.flip(api.sendCallbackFailure({ CallbackId: "nope" })))._tag, "CallbackNotFoundError")
    }).pipe(Effect.provide(
      LocalService.layerExecutionApi.pipe(
        Layer.provideMerge(LocalService.layer({ signer: Signer }, { policy: eager })),
        Layer.provideMerge(Layer.mergeAll(Emulator.layer, Layer.succeed(Inbox, { ids: [] })))
      )
    )))

  it.effect("refuses a function name the service cannot have", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(
        LocalService.layer({ "has spaces": Ticker }).pipe(
          Layer.provide(Layer.succeed(Clock, { ticks: [] })),
          Layer.provide(Emulator.layer)
        )
      ))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "InvalidFunctionNameError")
    }).pipe(Effect.scoped))
})
