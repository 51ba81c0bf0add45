/**
 * child-context on the emulator under TestClock: the child's operations sit
 * under its CONTEXT, the wait suspends the execution once, a crash after any
 * checkpoint changes nothing, and an out-of-stock item fails the child and the
 * execution with the typed error.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { OrderFulfilment, OutOfStock } from "./workflow.ts"

const order = {
  orderId: "o-17",
  lines: [{ sku: "tea-earl-grey", quantity: 2 }, { sku: "mug-blue", quantity: 1 }]
}

/** Type, subtype, name, status and parent name of each operation (the EXECUTION left out). */
const layout = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.filter((op) => op.Type !== "EXECUTION").map((op) => [
    op.Type,
    op.SubType ?? null,
    op.Name ?? null,
    op.Status,
    operations.find((parent) => parent.Id === op.ParentId)?.Name ?? null
  ])

describe("child-context", () => {
  it.effect("fulfils the order in one child context, suspending once for the courier", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(OrderFulfilment, order)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, {
          orderId: "o-17",
          shipment: { parcelId: "parcel-o-17", trackingNumber: "TRK-PARCEL-O-17" },
          confirmation: "Order o-17 shipped, tracking TRK-PARCEL-O-17"
        })
      }
      assert.deepStrictEqual(layout(result.operations), [
        ["CONTEXT", "RunInChildContext", "fulfil", "SUCCEEDED", null],
        ["STEP", "Step", "pick-items", "SUCCEEDED", "fulfil"],
        ["WAIT", "Wait", "await-courier", "SUCCEEDED", "fulfil"],
        ["STEP", "Step", "hand-over", "SUCCEEDED", "fulfil"],
        ["STEP", "Step", "email-confirmation", "SUCCEEDED", null]
      ])
      // The 4-hour wait ends the first invocation PENDING; the second replays the child and goes on.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a crash after any checkpoint gives the same result and the same operations", () =>
    Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(OrderFulfilment, order)
      assert.strictEqual(clean.status, "SUCCEEDED")
      for (let k = 1; k <= clean.checkpointCalls; k++) {
        const crashed = yield* LocalRunner.runUnderTestClock(OrderFulfilment, order, { crashAfterCheckpoints: [k] })
        assert.include(crashed.invocations.map((i) => i.outcome), "crashed", `crash after checkpoint ${k}`)
        assert.strictEqual(crashed.status, "SUCCEEDED", `crash after checkpoint ${k}`)
        if (crashed.status === "SUCCEEDED" && clean.status === "SUCCEEDED") {
          assert.deepStrictEqual(crashed.output, clean.output, `crash after checkpoint ${k}`)
        }
        assert.deepStrictEqual(layout(crashed.operations), layout(clean.operations), `crash after checkpoint ${k}`)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an out-of-stock item fails the child and the execution with OutOfStock, without retrying", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(OrderFulfilment, {
        orderId: "o-18",
        lines: [{ sku: "tea-earl-grey", quantity: 1 }, { sku: "teapot-cast-iron", quantity: 1 }]
      })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "OutOfStock")
        // The typed error travels in ErrorData and decodes back to the same class.
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(OutOfStock))(result.error.ErrorData)
        assert.instanceOf(error, OutOfStock)
        assert.deepStrictEqual([error.sku, error.requested, error.available], ["teapot-cast-iron", 1, 0])
      }
      // The child never reached its wait; the confirmation never ran.
      assert.deepStrictEqual(layout(result.operations), [
        ["CONTEXT", "RunInChildContext", "fulfil", "FAILED", null],
        ["STEP", "Step", "pick-items", "FAILED", "fulfil"]
      ])
      assert.strictEqual(result.operations.find((op) => op.Name === "pick-items")?.StepDetails?.Attempt, 1)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
