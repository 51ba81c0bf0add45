/**
 * One warm container: 100 invocations on one `LambdaHandler` runtime (the
 * emulator as checkpoint client, the real clock): 50 executions that each
 * suspend once on a wait and complete on their second invocation. Nothing of
 * an invocation may outlive it: no timer, no fiber (every finalizer has run
 * when its promise resolves), no heap that keeps growing.
 */
import { CheckpointClient, Durable } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import * as v8 from "node:v8"
import * as LambdaHandler from "../src/LambdaHandler.ts"

let acquired = 0
let released = 0
let backgroundEnded = 0

/** Resources held by the body, by a background fiber and by each step attempt: all must be released. */
const Leaky = Durable.workflow(
  { name: "leaky", input: Schema.Number, output: Schema.Number },
  (n) =>
    Effect.gen(function*() {
      acquired++
      // a background fiber of the workflow that never ends by itself (started at once, so that its
      // finalizer is registered: a fiber interrupted before it starts runs nothing)
      yield* Effect.forkChild(Effect.never.pipe(Effect.ensuring(Effect.sync(() => backgroundEnded++))), {
        startImmediately: true
      })
      const doubled = yield* Durable.step(
        "double",
        Effect.acquireUseRelease(
          Effect.sync(() => acquired++),
          () => Effect.succeed(n * 2),
          () => Effect.sync(() => released++)
        ),
        { success: Schema.Number }
      )
      yield* Durable.wait("pause", "1 second")
      return doubled + 1
    }).pipe(Effect.ensuring(Effect.sync(() => released++)))
)

const context = (i: number): LambdaHandler.LambdaContext => ({
  awsRequestId: `req-${i}`,
  getRemainingTimeInMillis: () => 60_000
})

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "Immediate").length

const heapUsed = () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  return v8.getHeapStatistics().used_heap_size
}

describe("a warm container", () => {
  it.live("100 invocations on one runtime leave no timer, no fiber and no growing heap behind", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Leaky, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client),
        policy: { warmup: Duration.zero, maxInProcessWait: Duration.zero }
      })
      let invocations = 0
      const invoke = Effect.fnUntraced(function*(arn: string) {
        const event = JSON.parse(JSON.stringify(yield* emulator.invoke(arn)))
        const output = yield* Effect.promise(() => handler(event, context(++invocations)))
        yield* emulator.complete(arn, output)
        // everything the invocation acquired is released when its promise resolves
        assert.strictEqual(released, acquired, `invocation ${invocations}: ${acquired - released} resources still held`)
        assert.strictEqual(backgroundEnded, invocations, `invocation ${invocations}: its background fiber still runs`)
        return output
      })

      // warm up: build the runtime and load the modules with a first invocation
      const warmup = yield* emulator.start({ input: "0" })
      assert.deepStrictEqual(yield* invoke(warmup), { Status: "PENDING" })
      const runtime = handler.runtime()
      const timersBefore = timers()
      const heapBefore = heapUsed()
      const counted = invocations

      const arns: Array<string> = []
      for (let i = 1; i <= 50; i++) arns.push(yield* emulator.start({ input: String(i) }))
      const startedAt = performance.now()
      for (const arn of arns) assert.deepStrictEqual(yield* invoke(arn), { Status: "PENDING" })
      const firstRound = performance.now() - startedAt
      yield* Effect.sleep("1100 millis") // every wait ends
      const secondStart = performance.now()
      for (const [i, arn] of arns.entries()) {
        assert.deepStrictEqual(yield* invoke(arn), { Status: "SUCCEEDED", Result: String((i + 1) * 2 + 1) })
      }
      const secondRound = performance.now() - secondStart
      assert.strictEqual(invocations - counted, 100)

      const timersAfter = timers()
      const heapAfter = heapUsed()
      const msPerInvocation = (firstRound + secondRound) / 100
      yield* Effect.logInfo(
        `warm container: 100 invocations, ${msPerInvocation.toFixed(2)} ms per invocation; ` +
          `timers ${timersBefore} → ${timersAfter}; heap ${(heapBefore / 1e6).toFixed(1)} MB → ${(heapAfter / 1e6).toFixed(1)} MB ` +
          `(gc ${(globalThis as { gc?: unknown }).gc === undefined ? "not exposed" : "forced"})`
      )
      assert.strictEqual(handler.runtime(), runtime, "the runtime is reused")
      assert.isAtMost(timersAfter, timersBefore, "no timer outlives its invocation")
      // the emulator keeps every execution's history (a few hundred KB); the engine must keep nothing
      assert.isBelow(heapAfter - heapBefore, 8e6, "the heap does not grow with invocations")
      assert.isBelow(msPerInvocation, 50)
      yield* Effect.promise(() => handler.dispose())
      assert.isUndefined(handler.runtime())
    }).pipe(Effect.provide(Emulator.Emulator.layer)), 30_000)
})
