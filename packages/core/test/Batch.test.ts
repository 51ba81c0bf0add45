import { assert, describe, it } from "@effect/vitest"
import { Batch, Durable, DurableError, OperationId, Payload } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { assertReplaySafe, outcomes, run } from "./support.ts"

const double = (n: number) => Durable.step("double", Effect.succeed(n * 2))

describe("Durable.map", () => {
  it.effect("runs every item in a MapIteration context and checkpoints the official BatchResult JSON", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "map" }, () =>
        Effect.map(Durable.map("double", [1, 2, 3], double), Batch.results))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [2, 4, 6])
      const [, container, ...rest] = result.operations
      assert.deepStrictEqual([container.Id, container.Type, container.SubType, container.Name], [
        OperationId.hash("1"),
        "CONTEXT",
        "Map",
        "double"
      ])
      assert.strictEqual(
        container.ContextDetails?.Result,
        "{\"all\":[{\"result\":2,\"index\":0,\"status\":\"SUCCEEDED\"},{\"result\":4,\"index\":1,\"status\":\"SUCCEEDED\"}," +
          "{\"result\":6,\"index\":2,\"status\":\"SUCCEEDED\"}],\"completionReason\":\"ALL_COMPLETED\"}"
      )
      const items = rest.filter((op) => op.Type === "CONTEXT")
      assert.deepStrictEqual(items.map((op) => [op.Id, op.ParentId, op.SubType, op.Name]), [
        [OperationId.hash("1-1"), container.Id, "MapIteration", "map-item-0"],
        [OperationId.hash("1-2"), container.Id, "MapIteration", "map-item-1"],
        [OperationId.hash("1-3"), container.Id, "MapIteration", "map-item-2"]
      ])
      const steps = rest.filter((op) => op.Type === "STEP")
      assert.deepStrictEqual(steps.map((op) => [op.Id, op.ParentId]), [
        [OperationId.hash("1-1-1"), OperationId.hash("1-1")],
        [OperationId.hash("1-2-1"), OperationId.hash("1-2")],
        [OperationId.hash("1-3-1"), OperationId.hash("1-3")]
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("never runs more than maxConcurrency items at once, and starts them in order", () =>
    Effect.gen(function*() {
      let running = 0
      let peak = 0
      const started: Array<number> = []
      const workflow = Durable.workflow({ name: "bounded" }, () =>
        Durable.map("slow", [0, 1, 2, 3, 4, 5, 6], (n) =>
          Durable.step("work", Effect.gen(function*() {
            started.push(n)
            running++
            peak = Math.max(peak, running)
            yield* Effect.sleep(`${(7 - n) * 10} millis`)
            running--
            return n
          })), { maxConcurrency: 3 }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(peak, 3)
      assert.deepStrictEqual(started, [0, 1, 2, 3, 4, 5, 6])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("fails fast by default: the first failure completes the batch and interrupts the rest", () =>
    Effect.gen(function*() {
      const finalized: Array<number> = []
      const workflow = Durable.workflow({ name: "fail-fast" }, () =>
        Durable.map("items", [0, 1, 2, 3], (n) =>
          Effect.gen(function*() {
            if (n === 1) return yield* Effect.fail("boom")
            yield* Effect.sleep("1 minute")
            return yield* Durable.step("never-checkpointed", Effect.succeed(n))
          }).pipe(Effect.onInterrupt(() => Effect.sync(() => finalized.push(n)))), { maxConcurrency: 3 }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        const batch = result.output as Batch.BatchResult<number>
        assert.strictEqual(batch.completionReason, "FAILURE_TOLERANCE_EXCEEDED")
        assert.strictEqual(batch.status, "FAILED")
        // items 0 to 2 start together (as the official SDK starts them), though item 1 fails at once;
        // nothing starts after the failure
        assert.deepStrictEqual(batch.all.map((item) => [item.index, item.status]), [
          [0, "STARTED"],
          [1, "FAILED"],
          [2, "STARTED"]
        ])
        const failed = batch.all[1]
        assert.strictEqual(failed.status === "FAILED" && failed.error.message, "boom")
      }
      assert.deepStrictEqual(finalized, [0, 2])
      assert.isFalse(result.operations.some((op) => op.Name === "never-checkpointed"))
      assert.isFalse(result.operations.some((op) => op.Name === "map-item-3"))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("completes at minSuccessful with the rest still STARTED", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "min" }, () =>
        Durable.map("race", [30, 10, 20], (seconds) =>
          Effect.sleep(`${seconds} seconds`).pipe(Effect.as(seconds)), { completion: { minSuccessful: 2 } }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        const batch = result.output as Batch.BatchResult<number>
        assert.strictEqual(batch.completionReason, "MIN_SUCCESSFUL_REACHED")
        assert.strictEqual(batch.status, "SUCCEEDED")
        assert.deepStrictEqual(batch.all.map((item) => item.status), ["STARTED", "SUCCEEDED", "SUCCEEDED"])
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("tolerates failures up to a count or a percentage", () =>
    Effect.gen(function*() {
      const failEven = (n: number) => n % 2 === 0 ? Effect.fail(`even ${n}`) : Effect.succeed(n)
      const tolerant = Durable.workflow({ name: "tolerant" }, () =>
        Effect.all([
          Durable.map("count-ok", [1, 2, 3, 4, 5], failEven, { completion: { toleratedFailureCount: 2 } }),
          Durable.map("count-exceeded", [0, 2, 4, 5], failEven, {
            completion: { toleratedFailureCount: 1 },
            maxConcurrency: 1
          }),
          Durable.map("percentage-ok", [1, 2, 3, 5], failEven, { completion: { toleratedFailurePercentage: 25 } })
        ]).pipe(Effect.map((batches) => batches.map((b) => [b.completionReason, b.successCount, b.failureCount]))))
      const result = yield* run(tolerant)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, [
          ["ALL_COMPLETED", 3, 2],
          ["FAILURE_TOLERANCE_EXCEEDED", 0, 2],
          ["ALL_COMPLETED", 3, 1]
        ])
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("follows a custom completion policy", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "custom" }, () =>
        Effect.map(
          Durable.map("first-two", [1, 2, 3, 4], (n) => Effect.succeed(n), {
            maxConcurrency: 1,
            completion: {
              shouldComplete: ({ successCount }) =>
                successCount >= 2 ? { complete: true, outcome: "FAILED" } : { complete: false }
            }
          }),
          (batch) => [batch.completionReason, batch.status, batch.totalCount]
        ))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, ["CUSTOM_COMPLETION_FAILED", "FAILED", 2])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("FLAT nesting writes no per-item context: children hang off the batch", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "flat" }, () =>
        Effect.map(Durable.map("double", [1, 2], double, { nesting: "FLAT" }), Batch.results))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [2, 4])
      const container = result.operations.find((op) => op.SubType === "Map")!
      assert.isFalse(result.operations.some((op) => op.SubType === "MapIteration"))
      const steps = result.operations.filter((op) => op.Type === "STEP")
      assert.deepStrictEqual(steps.map((op) => [op.Id, op.ParentId]), [
        [OperationId.hash("1-1-1"), container.Id],
        [OperationId.hash("1-2-1"), container.Id]
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("replays across suspensions and survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "waiting-items" }, () =>
        Effect.map(
          Durable.map("items", [1, 2, 3], (n) =>
            Effect.gen(function*() {
              const doubled = yield* double(n)
              yield* Durable.wait("pause", `${n} hours`)
              return doubled
            }), { maxConcurrency: 2 }),
          Batch.results
        ))
      const clean = yield* assertReplaySafe(workflow, undefined)
      assert.strictEqual(clean.status, "SUCCEEDED")
      if (clean.status === "SUCCEEDED") assert.deepStrictEqual(clean.output, [2, 4, 6])
      assert.isAbove(outcomes(clean).length, 1)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a result over the payload limit is summarized, and rebuilt from the items on replay", () =>
    Effect.gen(function*() {
      const big = "y".repeat(100 * 1024)
      let runs = 0
      const workflow = Durable.workflow({ name: "large" }, () =>
        Effect.gen(function*() {
          const batch = yield* Durable.map("items", [0, 1, 2], (n) =>
            Durable.step("make", Effect.sync(() => {
              runs++
              return `${n}${big}`
            })), { summary: (result) => `${result.successCount} large items` })
          yield* Durable.wait("later", "1 hour")
          return Batch.results(batch).map((s) => (s as string).length)
        }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [102401, 102401, 102401])
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(runs, 3)
      const container = result.operations.find((op) => op.SubType === "Map")!
      assert.isTrue(container.ContextDetails?.ReplayChildren)
      assert.deepStrictEqual(JSON.parse(container.ContextDetails!.Result!), {
        type: "MapResult",
        totalCount: 3,
        successCount: 3,
        failureCount: 0,
        completionReason: "ALL_COMPLETED",
        status: "SUCCEEDED",
        itemStatuses: "SSS",
        summary: "3 large items"
      })
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an invalid maxConcurrency fails the execution", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "invalid" }, () => Durable.map("x", [1], double, { maxConcurrency: 0 }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "ConfigValidationError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a different item name on replay is non-deterministic", () =>
    Effect.gen(function*() {
      let invocation = 0
      const workflow = Durable.workflow({ name: "drifting" }, () =>
        Effect.suspend(() => {
          invocation++
          return Durable.map("items", [1], () => Durable.wait("w", "1 hour"), {
            itemNamer: () => invocation === 1 ? "first" : "second"
          })
        }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("with an item error Schema, failed items hold the typed error, live and after replay", () =>
    Effect.gen(function*() {
      class Declined extends Schema.TaggedError<Declined>()("Declined", { card: Schema.String }) {}
      const workflow = Durable.workflow({ name: "typed-items" }, () =>
        Effect.gen(function*() {
          const batch = yield* Durable.map(
            "charge",
            ["4242", "0000", "1111"],
            (card) => card === "0000" ? Effect.fail(new Declined({ card })) : Effect.succeed(card),
            { itemError: Declined, completion: { toleratedFailureCount: 1 } }
          )
          yield* Durable.wait("later", "1 hour")
          // after the wait, the batch comes back from its checkpoint
          const [failed] = Batch.errors(batch)
          assert.instanceOf(failed, Declined)
          return failed instanceof Declined ? failed.card : "untyped"
        }))
      const result = yield* run(workflow)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "0000")
      const container = result.operations.find((op) => op.SubType === "Map")!
      const failedItem = JSON.parse(container.ContextDetails!.Result!).all[1].error
      assert.strictEqual(failedItem.ErrorType, "ChildContextError")
      assert.strictEqual(failedItem.Cause.Cause.ErrorType, "Declined")
      assert.deepStrictEqual(JSON.parse(failedItem.ErrorData), { _tag: "Declined", card: "0000" })
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("items that complete without suspending: nothing starts once the batch is complete", () =>
    Effect.gen(function*() {
      const ran: Array<number> = []
      const record = (n: number) => Effect.sync(() => ran.push(n)).pipe(Effect.as(n))
      const workflow = Durable.workflow({ name: "immediate" }, () =>
        Effect.all([
          Durable.map("min", [0, 1, 2, 3], record, { maxConcurrency: 1, completion: { minSuccessful: 2 } }),
          Durable.map("custom", [10, 11, 12], record, {
            maxConcurrency: 1,
            completion: {
              shouldComplete: ({ successCount }) =>
                successCount >= 1 ? { complete: true, outcome: "SUCCEEDED" } : { complete: false }
            }
          })
        ]).pipe(Effect.map((batches) => batches.map((batch) => [batch.completionReason, batch.totalCount]))))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, [["MIN_SUCCESSFUL_REACHED", 2], ["CUSTOM_COMPLETION_SUCCEEDED", 1]])
      }
      assert.deepStrictEqual(ran, [0, 1, 10])
      const iterations = result.operations.filter((op) => op.SubType === "MapIteration").map((op) => op.Name)
      assert.deepStrictEqual(iterations, ["map-item-0", "map-item-1", "map-item-0"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a custom policy that is complete before any item starts completes the batch at once", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "nothing-to-do" }, () =>
        Durable.map("items", [1, 2], double, {
          completion: { shouldComplete: () => ({ complete: true, outcome: "SUCCEEDED" }) }
        }).pipe(Effect.map((batch) => [batch.completionReason, batch.totalCount])))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, ["CUSTOM_COMPLETION_SUCCEEDED", 0])
      assert.isFalse(result.operations.some((op) => op.SubType === "MapIteration"))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a hand-written item format writes the items' checkpoints; the batch result holds the values as JSON", () =>
    Effect.gen(function*() {
      const Wrapped = Payload.serde<string>({
        encode: (value) => `wrapped:${value}`,
        decode: (payload) => (payload ?? "").replace(/^wrapped:/, "")
      })
      const workflow = Durable.workflow({ name: "item-format" }, () =>
        Effect.gen(function*() {
          const batch = yield* Durable.map("upper", ["x", "y"], (item) => Effect.succeed(item.toUpperCase()), {
            itemSchema: Wrapped
          })
          yield* Durable.wait("later", "1 hour")
          return Batch.results(batch)
        }))
      const result = yield* run(workflow)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, ["X", "Y"])
      const items = result.operations.filter((op) => op.SubType === "MapIteration")
      assert.deepStrictEqual(items.map((op) => op.ContextDetails?.Result), ["wrapped:X", "wrapped:Y"])
      // the official SDK's shape: each result as JSON, whatever the item format
      const container = result.operations.find((op) => op.SubType === "Map")!
      assert.deepStrictEqual(JSON.parse(container.ContextDetails!.Result!).all.map((item: any) => item.result), ["X", "Y"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("resultSchema writes the whole batch result, and reads it back on replay", () =>
    Effect.gen(function*() {
      let decoded = 0
      const Joined = Payload.serde<Batch.BatchResult<number>>({
        encode: (result) => Batch.results(result).join(","),
        decode: (payload) => {
          decoded++
          return Batch.makeResult(
            (payload ?? "").split(",").map((n, index) => ({ index, status: "SUCCEEDED" as const, result: Number(n) })),
            "ALL_COMPLETED"
          )
        }
      })
      const workflow = Durable.workflow({ name: "result-format" }, () =>
        Effect.gen(function*() {
          const batch = yield* Durable.map("double", [1, 2, 3], double, { resultSchema: Joined })
          yield* Durable.wait("later", "1 hour")
          return Batch.results(batch)
        }))
      const result = yield* run(workflow)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [2, 4, 6])
      const container = result.operations.find((op) => op.SubType === "Map")!
      assert.strictEqual(container.ContextDetails?.Result, "2,4,6")
      // read back live (the round trip) and on replay
      assert.strictEqual(decoded, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("succeeded, failed and hasFailure read the items (the official accessors)", () =>
    Effect.sync(() => {
      const error = new DurableError.ChildContextError({ errorType: "E", message: "m" })
      const result = Batch.makeResult<number>([
        { index: 0, status: "SUCCEEDED", result: 1 },
        { index: 1, status: "FAILED", error },
        { index: 2, status: "STARTED" }
      ], "FAILURE_TOLERANCE_EXCEEDED")
      assert.deepStrictEqual(Batch.succeeded(result), [{ index: 0, status: "SUCCEEDED", result: 1 }])
      assert.deepStrictEqual(Batch.failed(result), [{ index: 1, status: "FAILED", error }])
      assert.isTrue(Batch.hasFailure(result))
      assert.isFalse(Batch.hasFailure(Batch.makeResult([], "ALL_COMPLETED")))
    }))

  it.effect("getOrFail returns the results or the first error", () =>
    Effect.gen(function*() {
      const ok = yield* Batch.getOrFail(Batch.makeResult([{ index: 0, status: "SUCCEEDED", result: 1 }], "ALL_COMPLETED"))
      assert.deepStrictEqual(ok, [1])
      const error = yield* Effect.flip(Batch.getOrFail(Batch.makeResult([
        { index: 0, status: "SUCCEEDED", result: 1 },
        { index: 1, status: "FAILED", error: new DurableError.ChildContextError({ errorType: "E", message: "m" }) }
      ], "FAILURE_TOLERANCE_EXCEEDED")))
      assert.strictEqual(error._tag, "ChildContextError")
    }))
})

describe("Durable.parallel", () => {
  it.effect("runs named and unnamed branches of different types as ParallelBranch contexts", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "parallel" }, () =>
        Effect.map(
          Durable.parallel("notify", [
            { name: "email", effect: Durable.step("send", Effect.succeed("sent")) },
            Durable.step("count", Effect.succeed(3)).pipe(Effect.map((n) => ({ n })))
          ]),
          (batch) => ({ reason: batch.completionReason, results: Batch.results(batch) })
        ))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { reason: "ALL_COMPLETED", results: ["sent", { n: 3 }] })
      }
      const contexts = result.operations.filter((op) => op.Type === "CONTEXT")
      assert.deepStrictEqual(contexts.map((op) => [op.SubType, op.Name]), [
        ["Parallel", "notify"],
        ["ParallelBranch", "email"],
        ["ParallelBranch", "parallel-branch-1"]
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a branch waiting on a timer suspends the whole invocation, then resumes", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "parallel-wait" }, () =>
        Effect.map(
          Durable.parallel("both", [Durable.wait("nap", "1 hour").pipe(Effect.as("rested")), Effect.succeed("quick")]),
          Batch.results
        ))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, ["rested", "quick"])
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("uses the ParallelResult summary shape, with startedCount", () =>
    Effect.sync(() => {
      const result = Batch.makeResult<number>([
        { index: 0, status: "SUCCEEDED", result: 1 },
        { index: 2, status: "STARTED" }
      ], "MIN_SUCCESSFUL_REACHED")
      assert.strictEqual(Batch.encodeItemStatuses(result.all), "S--")
      assert.deepStrictEqual([result.successCount, result.startedCount, result.totalCount], [1, 1, 2])
    }))
})

