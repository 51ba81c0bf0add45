/**
 * The emulator over the SQLite store: what a run leaves is read back whole by
 * a new emulator on the same file, and an emulator made again in the middle
 * of an execution (as after a kill -9) goes on where it was: timers included,
 * no step run twice, an invocation that was running recorded as abandoned.
 */
import { Durable, Invocation, RetryPolicy } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as SqliteStore from "../src/SqliteStore.ts"

const ran: Record<string, number> = {}
const count = (name: string) => Effect.sync(() => (ran[name] = (ran[name] ?? 0) + 1))

const Order = Durable.workflow(
  { name: "order", input: Schema.String, output: Schema.String },
  (item) =>
    Effect.gen(function*() {
      yield* Durable.step("reserve", count("reserve"))
      yield* Durable.step(
        "charge",
        Effect.gen(function*() {
          yield* count("charge")
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("declined"))
        }),
        { retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "5 seconds", jitter: "NONE" }) }
      )
      yield* Durable.wait("settle", "1 hour")
      const approval = yield* Durable.waitForCallback("approve", () => count("submit"))
      yield* Durable.step("ship", count("ship"))
      return `${item}: ${approval}`
    })
)

const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-emulator-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "service.db")))

/** Without the fields set to `undefined` (the store keeps none: JSON has no undefined). */
const defined = (value: unknown): unknown =>
  value instanceof Date || typeof value !== "object" || value === null
    ? value
    : Array.isArray(value)
    ? value.map(defined)
    : Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, defined(v)]))

const stored = (filename: string) => Emulator.Emulator.layerStore().pipe(Layer.provide(SqliteStore.layer({ filename })))

/** Answers `"yes"` to every callback a minute after it starts. */
const answerCallbacks = (emulator: Emulator.Emulator["Service"]) => (event: LocalRunner.Event) => {
  const callback = event._tag === "Checkpointed"
    ? event.operations.find((op) => op.Type === "CALLBACK" && op.Status === "STARTED")
    : undefined
  return callback === undefined ? Effect.void : Effect.forkDetach(
    Effect.andThen(Effect.sleep("1 minute"), emulator.sendCallbackSuccess(callback.CallbackDetails!.CallbackId!, "\"yes\""))
  ).pipe(Effect.asVoid)
}

/** Runs one invocation of the execution by hand, as Lambda would. */
const invokeOnce = (arn: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const event = yield* emulator.invoke(arn)
    const fiber = yield* Effect.forkChild(
      Invocation.handle(Order, JSON.parse(JSON.stringify(event)), { policy: "eager" }).pipe(
        Effect.provide(Emulator.Emulator.layerClient)
      )
    )
    while (fiber.pollUnsafe() === undefined) yield* TestClock.adjust("10 millis")
    yield* emulator.complete(arn, yield* Fiber.join(fiber))
  })

describe("Emulator over the SQLite store", () => {
  it.effect("a new emulator on the same file reads back exactly what a run left", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const run = yield* Effect.gen(function*() {
        const onEvent = answerCallbacks(yield* Emulator.Emulator)
        return yield* LocalRunner.runUnderTestClock(Order, "book", { onEvent, waitForExternal: true })
      }).pipe(Effect.provide(stored(filename)))
      assert.strictEqual(run.status, "SUCCEEDED")

      const reread = yield* Effect.gen(function*() {
        return yield* (yield* Emulator.Emulator).execution(run.arn)
      }).pipe(Effect.provide(stored(filename)))
      assert.deepStrictEqual(defined(reread.operations), defined(run.execution.operations))
      assert.deepStrictEqual(defined(reread.history), defined(run.execution.history))
      assert.deepStrictEqual(
        [reread.status, reread.result, reread.invocations, reread.checkpointCalls],
        [run.execution.status, run.execution.result, run.execution.invocations, run.execution.checkpointCalls]
      )
    }).pipe(Effect.scoped))

  it.effect("made again mid-execution, it goes on where it was: timers kept, no step twice", () =>
    Effect.gen(function*() {
      for (const key of Object.keys(ran)) delete ran[key]
      const filename = yield* tempFile
      // first life: start, and one invocation (reserve, charge fails: retry in 5 s)
      const arn = yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const arn = yield* emulator.start({ name: "order", input: "\"book\"" })
        yield* invokeOnce(arn)
        return arn
      }).pipe(Effect.provide(stored(filename)))
      const retryAt = yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        // second life: the retry's time is still known
        const wakeup = yield* emulator.nextWakeup(arn)
        yield* TestClock.adjust("5 seconds")
        yield* invokeOnce(arn) // charge succeeds; the wait starts
        return wakeup
      }).pipe(Effect.provide(stored(filename)))
      assert.isDefined(retryAt)
      const result = yield* Effect.gen(function*() {
        // third life: the hour-long wait, the callback, to the end
        const emulator = yield* Emulator.Emulator
        const execution = yield* emulator.execution(arn)
        const wait = execution.operations.find((op) => op.Name === "settle")!
        assert.strictEqual(yield* emulator.nextWakeup(arn), wait.WaitDetails!.ScheduledEndTimestamp!.getTime())
        const fiber = yield* Effect.forkChild(
          LocalRunner.drive(Order, arn, { waitForExternal: true, onEvent: answerCallbacks(emulator) })
        )
        while (fiber.pollUnsafe() === undefined) yield* TestClock.adjust("1 minute")
        return yield* Fiber.join(fiber)
      }).pipe(Effect.provide(stored(filename)))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "book: \"yes\"")
      assert.deepStrictEqual(ran, { reserve: 1, charge: 2, submit: 1, ship: 1 })
    }).pipe(Effect.scoped))

  it.effect("an invocation running when the state was last written is recorded as abandoned, then invoked again", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const arn = yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const arn = yield* emulator.start({ name: "order", input: "\"book\"" })
        yield* emulator.invoke(arn) // the process dies while this invocation runs
        return arn
      }).pipe(Effect.provide(stored(filename)))
      yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const history = yield* emulator.history(arn)
        const abandoned = history.at(-1)!
        assert.strictEqual(abandoned._tag, "InvocationAbandoned")
        if (abandoned._tag === "InvocationAbandoned") assert.strictEqual(abandoned.reason, "the local service stopped while the invocation ran")
        assert.isUndefined((yield* emulator.execution(arn)).invocation)
        const event = yield* emulator.invoke(arn)
        assert.isString(event.CheckpointToken)
      }).pipe(Effect.provide(stored(filename)))
    }).pipe(Effect.scoped))
})
