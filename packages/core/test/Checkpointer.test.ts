import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Checkpointer from "../src/Checkpointer.ts"
import * as CheckpointClient from "../src/CheckpointClient.ts"
import * as Scheduler from "../src/Scheduler.ts"
import * as Termination from "../src/Termination.ts"
import type * as Wire from "../src/Wire.ts"

const item = (size: number) => ({ update: {}, size })
const poll = { update: undefined, size: 0 }

describe("Checkpointer.batches", () => {
  it("keeps at most 250 updates per call", () => {
    const batches = Checkpointer.batches(Array.from({ length: 600 }, () => item(10)), 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [250, 250, 100])
  })

  it("keeps each call under 750 KB, token included", () => {
    const batches = Checkpointer.batches(Array.from({ length: 10 }, () => item(200 * 1024)), 100)
    assert.deepStrictEqual(batches.map((b) => b.length), [3, 3, 3, 1])
  })

  it("sends an oversized update alone rather than never", () => {
    const batches = Checkpointer.batches([item(10), item(900 * 1024), item(10)], 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [1, 1, 1])
  })

  it("lets polls ride along with updates without counting them", () => {
    const batches = Checkpointer.batches([poll, ...Array.from({ length: 250 }, () => item(1)), poll], 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [252])
  })

  it("sends a lone poll as an empty checkpoint", () => {
    assert.deepStrictEqual(Checkpointer.batches([poll], 10).map((b) => b.length), [1])
  })
})

describe("Checkpointer.indexById", () => {
  it("indexes the operations by id; an id twice makes the index smaller, the later one kept", () => {
    const a: Wire.Operation = { Id: "a", Type: "STEP", Status: "STARTED" }
    const b: Wire.Operation = { Id: "b", Type: "WAIT", Status: "STARTED" }
    const a2: Wire.Operation = { Id: "a", Type: "STEP", Status: "SUCCEEDED" }
    assert.deepStrictEqual([...Checkpointer.indexById([a, b])], [["a", a], ["b", b]])
    const twice = Checkpointer.indexById([a, b, a2])
    assert.strictEqual(twice.size, 2)
    assert.strictEqual(twice.get("a"), a2)
  })
})

describe("Checkpointer", () => {
  const recordingClient = (log: Array<Wire.CheckpointRequest>, changed: (n: number) => ReadonlyArray<Wire.Operation>) =>
    Layer.succeed(CheckpointClient.CheckpointClient, {
      getExecutionState: () => Effect.succeed({}),
      checkpoint: (request) =>
        Effect.gen(function*() {
          log.push(request)
          // each call takes a second of service time
          yield* Effect.sleep("1 second")
          // as the service does, the response reports the operations of the batch, and those that changed
          const applied = (request.Updates ?? []).map((u): Wire.Operation => ({ Id: u.Id, Type: u.Type, Status: "STARTED" }))
          return {
            CheckpointToken: `token-${log.length}`,
            NewExecutionState: { Operations: [...applied, ...changed(log.length)] }
          }
        })
    })

  const setup = Effect.gen(function*() {
    const scheduler = yield* Scheduler.make(Termination.defaultPolicy)
    const failures: Array<unknown> = []
    const checkpointer = yield* Checkpointer.make({
      arn: "arn",
      token: "token-0",
      operations: [],
      scheduler,
      onFailure: (error) => Effect.sync(() => failures.push(error)),
      onMissingToken: () => Effect.void
    })
    return { checkpointer, scheduler, failures }
  })

  it.effect("keeps one call in flight, batches what queued meanwhile, and rotates the token", () => {
    const log: Array<Wire.CheckpointRequest> = []
    return Effect.gen(function*() {
      const { checkpointer } = yield* setup
      const first = yield* Effect.forkChild(checkpointer.checkpoint(update("a")))
      yield* Effect.yieldNow
      const second = yield* Effect.forkChild(checkpointer.checkpoint(update("b")))
      const third = yield* Effect.forkChild(checkpointer.checkpoint(update("c")))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      yield* Fiber.join(third)
      assert.deepStrictEqual(log.map((r) => r.CheckpointToken), ["token-0", "token-1"])
      assert.deepStrictEqual(log.map((r) => r.Updates?.map((u) => u.Id)), [["a"], ["b", "c"]])
      assert.isTrue(yield* checkpointer.drained)
      assert.strictEqual(yield* checkpointer.calls, 2)
      // each call took a second: the supervisor times its last look at a callback with it
      assert.strictEqual(yield* checkpointer.roundTrip, 1_000)
    }).pipe(Effect.scoped, Effect.provide(recordingClient(log, () => [])))
  })

  it.effect("measures a call in UTF-8 bytes, as the service counts them", () => {
    const log: Array<Wire.CheckpointRequest> = []
    // 80,000 characters of three bytes each: 240 KB a payload, under the 256 KB an operation may hold. Four of
    // them are 320,000 UTF-16 code units, which would fit in one call, but 960 KB, which does not.
    const wide = (id: string): Wire.OperationUpdate => ({ ...update(id), Action: "SUCCEED", Payload: "界".repeat(80_000) })
    return Effect.gen(function*() {
      const { checkpointer } = yield* setup
      const first = yield* Effect.forkChild(checkpointer.checkpoint(update("a")))
      yield* Effect.yieldNow
      const rest = yield* Effect.forEach(["b", "c", "d", "e"], (id) => Effect.forkChild(checkpointer.checkpoint(wide(id))))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(first)
      yield* Effect.forEach(rest, Fiber.join)
      assert.deepStrictEqual(log.map((r) => r.Updates?.map((u) => u.Id)), [["a"], ["b", "c", "d"], ["e"]])
      for (const request of log) assert.isAtMost(Buffer.byteLength(JSON.stringify(request)), 750 * 1024)
    }).pipe(Effect.scoped, Effect.provide(recordingClient(log, () => [])))
  })

  it.effect("merges changed operations into the state and wakes their waiters", () => {
    const log: Array<Wire.CheckpointRequest> = []
    const done: Wire.Operation = { Id: "w", Type: "WAIT", Status: "SUCCEEDED" }
    return Effect.gen(function*() {
      const { checkpointer, scheduler } = yield* setup
      const waiter = yield* Effect.forkChild(scheduler.await(
        { id: "w", type: "WAIT", subType: "Wait", name: "w" },
        { state: "IDLE_AWAITED", wakeAt: 1_000, current: undefined, until: (op) => op.Status === "SUCCEEDED" }
      ))
      yield* Effect.yieldNow
      const poll = yield* Effect.forkChild(checkpointer.poll)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(poll)
      assert.deepStrictEqual(yield* Fiber.join(waiter), done)
      assert.deepStrictEqual(yield* checkpointer.get("w"), done)
      assert.deepStrictEqual(log[0].Updates, [])
    }).pipe(Effect.scoped, Effect.provide(recordingClient(log, () => [done])))
  })

  it.effect("reports a failed call to the supervisor instead of the caller", () =>
    Effect.gen(function*() {
      const { checkpointer, failures } = yield* setup
      const caller = yield* Effect.forkChild(checkpointer.checkpoint(update("a")))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(failures.length, 1)
      assert.strictEqual((failures[0] as { scope: string }).scope, "EXECUTION")
      assert.isUndefined(caller.pollUnsafe())
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.succeed(CheckpointClient.CheckpointClient, {
        getExecutionState: () => Effect.succeed({}),
        checkpoint: () =>
          Effect.fail(new CheckpointClient.CheckpointClientError({ message: "Invalid update", scope: "EXECUTION" }))
      }))
    ))
})

const update = (id: string): Wire.OperationUpdate => ({ Id: id, Type: "STEP", SubType: "Step", Action: "START" })
