/**
 * invoke on the emulator under TestClock. The test plays the payments
 * function, registered by its name (`functions`, as the official runner's
 * `registerFunction`): it receives the decoded request and answers 20 seconds
 * later, as the service would once the invoked function has answered.
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { Checkout, PaymentFailed, PaymentRequest, PaymentsFunction } from "./workflow.ts"

const cart = {
  orderId: "o-301",
  lines: [{ sku: "tea", unitCents: 450, quantity: 2 }, { sku: "mug", unitCents: 1200, quantity: 1 }]
}

const paymentFailed = (error: { readonly ErrorData?: string }) =>
  Schema.decodeUnknownSync(Schema.fromJsonString(PaymentFailed))(error.ErrorData)

describe("invoke", () => {
  it.effect("charges the cart through the payments function and confirms the order", () =>
    Effect.gen(function*() {
      const requests: Array<unknown> = []
      const result = yield* LocalRunner.runUnderTestClock(Checkout, cart, {
        // by its exact name: the checkout invokes the function by alias
        functions: {
          [PaymentsFunction]: (input) =>
            Effect.sync(() => {
              const request = Schema.decodeUnknownSync(PaymentRequest)(input)
              requests.push(request)
              return { paymentId: `pay-${request.orderId}`, chargedCents: request.amountCents }
            }).pipe(Effect.delay("20 seconds"))
        }
      })
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, {
        orderId: "o-301",
        paymentId: "pay-o-301",
        chargedCents: 2100
      })
      assert.deepStrictEqual(requests, [{ orderId: "o-301", amountCents: 2100, currency: "EUR" }])
      assert.deepStrictEqual(
        result.operations.filter((op) => op.Type !== "EXECUTION").map((op) => [op.Type, op.SubType, op.Name, op.Status]),
        [
          ["STEP", "Step", "price-cart", "SUCCEEDED"],
          ["CHAINED_INVOKE", "ChainedInvoke", "charge", "SUCCEEDED"],
          ["STEP", "Step", "confirm-order", "SUCCEEDED"]
        ]
      )
      // Suspended while the payment ran, resumed with its result.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a declined card (the invoked function FAILED) fails the checkout with PaymentFailed", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(Checkout, cart, {
        functions: { payments: { fail: { ErrorType: "CardDeclined", ErrorMessage: "insufficient funds" }, after: "20 seconds" } }
      })
      assert.strictEqual(result.status === "FAILED" ? result.error.ErrorType : result.status, "PaymentFailed")
      if (result.status === "FAILED") {
        const error = paymentFailed(result.error)
        assert.deepStrictEqual([error.orderId, error.status, error.errorType, error.message], [
          "o-301",
          "FAILED",
          "CardDeclined",
          "insufficient funds"
        ])
      }
      assert.strictEqual(result.operations.find((op) => op.Name === "charge")?.Status, "FAILED")
      assert.isUndefined(result.operations.find((op) => op.Name === "confirm-order"))
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a payment that times out is a PaymentFailed with status TIMED_OUT", () =>
    Effect.gen(function*() {
      // with a handle, as the official runner's getOperation(...)
      const run = yield* LocalRunner.start(Checkout, cart)
      yield* run.operation("charge").waitFor("STARTED")
      yield* Effect.sleep("15 minutes")
      yield* run.operation("charge").fail("Task timed out", { status: "TIMED_OUT" })
      const result = yield* run.result
      const error = result.status === "FAILED" ? paymentFailed(result.error) : undefined
      assert.deepStrictEqual([error?.status, error?.errorType], ["TIMED_OUT", undefined])
      assert.strictEqual(result.operations.find((op) => op.Name === "charge")?.Status, "TIMED_OUT")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
