import { assert, describe, it } from "@effect/vitest"
import { Durable, OperationId } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { assertReplaySafe, outcomes, run } from "./support.ts"

class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", { sku: Schema.String }) {}

const shipping = Durable.workflow({ name: "shipping", output: Schema.String }, () =>
  Effect.gen(function*() {
    const label = yield* Durable.child(
      "ship",
      Effect.gen(function*() {
        const label = yield* Durable.step("print-label", Effect.succeed("LBL-1"), { success: Schema.String })
        yield* Durable.wait("pickup", "2 hours")
        return yield* Durable.step("hand-over", Effect.succeed(`${label}:handed-over`), { success: Schema.String })
      }),
      { success: Schema.String }
    )
    return yield* Durable.step("notify", Effect.succeed(`notified ${label}`), { success: Schema.String })
  }))

describe("Durable.child", () => {
  it.effect("groups its operations under a CONTEXT with ids <parent>-n", () =>
    Effect.gen(function*() {
      const result = yield* run(shipping)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "notified LBL-1:handed-over")
      const byName = new Map(result.operations.map((op) => [op.Name, op]))
      const context = byName.get("ship")!
      assert.strictEqual(context.Id, OperationId.hash("1"))
      assert.strictEqual(context.Type, "CONTEXT")
      assert.strictEqual(context.SubType, "RunInChildContext")
      assert.strictEqual(context.ContextDetails?.Result, "\"LBL-1:handed-over\"")
      assert.strictEqual(byName.get("print-label")!.Id, OperationId.hash("1-1"))
      assert.strictEqual(byName.get("print-label")!.ParentId, context.Id)
      assert.strictEqual(byName.get("pickup")!.Id, OperationId.hash("1-2"))
      assert.strictEqual(byName.get("hand-over")!.Id, OperationId.hash("1-3"))
      assert.strictEqual(byName.get("notify")!.Id, OperationId.hash("2"))
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("replays from its checkpoint without running its effect again, and survives any crash", () =>
    Effect.gen(function*() {
      let runs = 0
      const counted = Durable.workflow({ name: "counted" }, () =>
        Effect.gen(function*() {
          const value = yield* Durable.child("compute", Effect.sync(() => ++runs).pipe(Effect.as("computed")))
          yield* Durable.wait("later", "1 hour")
          return value
        }))
      const result = yield* run(counted)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(runs, 1)
      yield* assertReplaySafe(shipping, undefined)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("fails with its typed error, rebuilt on replay", () =>
    Effect.gen(function*() {
      const failing = Durable.workflow({ name: "failing", error: OutOfStock }, () =>
        Effect.gen(function*() {
          const attempt = yield* Durable.child("reserve", Effect.fail(new OutOfStock({ sku: "A-1" })), {
            error: OutOfStock
          }).pipe(Effect.flip)
          yield* Durable.wait("cool-down", "1 hour")
          // on replay the same class comes back, from the checkpoint
          assert.instanceOf(attempt, OutOfStock)
          return yield* attempt
        }))
      const result = yield* run(failing)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "OutOfStock")
        assert.deepStrictEqual(JSON.parse(result.error.ErrorData!), { _tag: "OutOfStock", sku: "A-1" })
      }
      const context = result.operations.find((op) => op.Name === "reserve")
      assert.strictEqual(context?.Status, "FAILED")
      assert.strictEqual(context?.ContextDetails?.Error?.ErrorType, "OutOfStock")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("without an error Schema, fails with a ChildContextError", () =>
    Effect.gen(function*() {
      const failing = Durable.workflow({ name: "untyped" }, () =>
        Durable.child("boom", Effect.fail(new OutOfStock({ sku: "B" }))).pipe(
          Effect.catchTag("ChildContextError", (error) => Effect.succeed(`${error.errorType}: ${error.message}`))
        ))
      const result = yield* run(failing)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "OutOfStock: {\"sku\":\"B\"}")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("checkpoints a summary for a result over the limit, and rebuilds it from the children on replay", () =>
    Effect.gen(function*() {
      let stepRuns = 0
      const big = "x".repeat(100 * 1024)
      const large = Durable.workflow({ name: "large" }, () =>
        Effect.gen(function*() {
          const parts = yield* Durable.child(
            "collect",
            Effect.all([1, 2, 3].map((i) =>
              Durable.step(`part-${i}`, Effect.sync(() => {
                stepRuns++
                return big
              }))
            )),
            { summary: (parts) => JSON.stringify({ parts: parts.length }) }
          )
          yield* Durable.wait("later", "1 hour")
          return parts.map((part) => (part as string).length)
        }))
      const result = yield* run(large)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [102400, 102400, 102400])
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.strictEqual(stepRuns, 3)
      const context = result.operations.find((op) => op.Name === "collect")
      assert.strictEqual(context?.ContextDetails?.Result, "{\"parts\":3}")
      assert.isTrue(context?.ContextDetails?.ReplayChildren)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a different operation at the child's position on replay is non-deterministic", () =>
    Effect.gen(function*() {
      let invocation = 0
      const drifting = Durable.workflow({ name: "drifting" }, () =>
        Effect.gen(function*() {
          invocation++
          yield* Durable.child(invocation === 1 ? "a" : "b", Durable.wait("w", "1 hour"))
        }))
      const result = yield* run(drifting)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
        assert.include(result.error.ErrorMessage, "Expected name \"a\", but got \"b\"")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
