/**
 * map on the emulator under TestClock: a billing run within the failure
 * tolerance (one declined card out of six, charged 3 at a time), a run that
 * exceeds it and stops starting charges, and a receipt that cannot be sent.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { BillingRun, ReceiptNotSent, TooManyDeclines } from "./workflow.ts"

const invoice = (n: number, card = "4242424242424242", email = `customer${n}@example.com`) => ({
  invoiceId: `inv-${n}`,
  email,
  amountCents: 1000 * n,
  card
})
const declinedCard = "4000000000000002"

/** The item contexts of a batch, in order: name, status and start time (ms after the first). */
const items = (operations: ReadonlyArray<Wire.Operation>, batch: string) => {
  const container = operations.find((op) => op.Name === batch)
  const children = operations.filter((op) => op.ParentId !== undefined && op.ParentId === container?.Id)
  const t0 = new Date(children[0]?.StartTimestamp ?? 0).getTime()
  return children.map((op) => [op.SubType, op.Name, op.Status, new Date(op.StartTimestamp ?? 0).getTime() - t0])
}

/** The completion reason checkpointed with the batch's result. */
const completionReason = (operations: ReadonlyArray<Wire.Operation>, batch: string) =>
  JSON.parse(operations.find((op) => op.Name === batch)?.ContextDetails?.Result ?? "{}").completionReason

describe("map", () => {
  it.effect("charges 6 invoices 3 at a time, tolerating one declined card", () =>
    Effect.gen(function*() {
      const invoices = [1, 2, 3, 4, 5, 6].map((n) => invoice(n, n === 3 ? declinedCard : undefined))
      const result = yield* LocalRunner.runUnderTestClock(BillingRun, { invoices })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, {
          charged: [1, 2, 4, 5, 6].map((n) => ({ invoiceId: `inv-${n}`, chargeId: `ch_inv-${n}` })),
          declined: ["inv-3"]
        })
      }
      // Each charge takes a second: the first three start together, the next three a second later.
      assert.deepStrictEqual(items(result.operations, "charge-invoices"), [
        ["MapIteration", "charge-inv-1", "SUCCEEDED", 0],
        ["MapIteration", "charge-inv-2", "SUCCEEDED", 0],
        ["MapIteration", "charge-inv-3", "FAILED", 0],
        ["MapIteration", "charge-inv-4", "SUCCEEDED", 1000],
        ["MapIteration", "charge-inv-5", "SUCCEEDED", 1000],
        ["MapIteration", "charge-inv-6", "SUCCEEDED", 1000]
      ])
      assert.strictEqual(result.operations.find((op) => op.Name === "charge-invoices")?.SubType, "Map")
      assert.strictEqual(completionReason(result.operations, "charge-invoices"), "ALL_COMPLETED")
      assert.strictEqual(items(result.operations, "email-receipts").length, 5)
      // Short sleeps run in-process: one invocation.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("stops starting charges once more than 20% were declined, and fails with TooManyDeclines", () =>
    Effect.gen(function*() {
      const invoices = [1, 2, 3, 4, 5].map((n) => invoice(n, n <= 2 ? declinedCard : undefined))
      const result = yield* LocalRunner.runUnderTestClock(BillingRun, { invoices })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(TooManyDeclines))(result.error.ErrorData)
        assert.deepStrictEqual(error.declined, ["inv-1", "inv-2"])
      }
      assert.strictEqual(completionReason(result.operations, "charge-invoices"), "FAILURE_TOLERANCE_EXCEEDED")
      // 2 declines out of 5 is 40%: the batch completed at the second decline. The charges still in flight
      // were interrupted (left STARTED), invoice 5 was never started, and no receipt went out.
      const charges = items(result.operations, "charge-invoices").map(([, name, status]) => [name, status])
      assert.deepStrictEqual(charges.slice(0, 2), [["charge-inv-1", "FAILED"], ["charge-inv-2", "FAILED"]])
      assert.deepStrictEqual(charges.slice(2).map(([, status]) => status), charges.slice(2).map(() => "STARTED"))
      assert.notInclude(charges.map(([name]) => name), "charge-inv-5")
      assert.isUndefined(result.operations.find((op) => op.Name === "email-receipts"))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a receipt that cannot be sent fails the receipts batch fast, and the run with ReceiptNotSent", () =>
    Effect.gen(function*() {
      const invoices = [invoice(1), invoice(2, undefined, "n/a"), invoice(3)]
      const result = yield* LocalRunner.runUnderTestClock(BillingRun, { invoices })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "ReceiptNotSent")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(ReceiptNotSent))(result.error.ErrorData)
        assert.include(error.message, "invalid address: \"n/a\"")
      }
      assert.strictEqual(completionReason(result.operations, "email-receipts"), "FAILURE_TOLERANCE_EXCEEDED")
      // Fail fast: the first failure completes the batch, and the receipt still being sent is interrupted.
      assert.deepStrictEqual(items(result.operations, "email-receipts").map(([, name, status]) => [name, status]), [
        ["map-item-0", "SUCCEEDED"],
        ["map-item-1", "FAILED"],
        ["map-item-2", "STARTED"]
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
