/**
 * invoke on the emulator under TestClock. The test plays the payments
 * function: it sees each CHAINED_INVOKE the checkout starts, decodes the
 * request it carries, and completes it through the emulator some time later,
 * as the service would once the invoked function has answered.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { type Duration, Effect, Queue, Schema } from "effect"
import { Checkout, PaymentFailed, PaymentRequest, PaymentsFunction } from "./workflow.ts"

type Outcome =
  | { readonly Status: "SUCCEEDED"; readonly Result?: string }
  | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: Wire.ErrorObject }

/**
 * Plays the invoked function: for each CHAINED_INVOKE START, records the
 * function name and decoded request, waits `after`, and completes the
 * operation with `outcome(request)`. Returns the runner's options.
 */
const paymentsFunction = (
  outcome: (request: typeof PaymentRequest.Type) => Outcome,
  after: Duration.Input = "20 seconds"
) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const calls: Array<{ functionName: string | undefined; request: typeof PaymentRequest.Type }> = []
    const events = yield* Queue.unbounded<LocalRunner.Event>()
    const answer = (arn: string, update: Wire.OperationUpdate) =>
      Effect.gen(function*() {
        const request = Schema.decodeUnknownSync(Schema.fromJsonString(PaymentRequest))(update.Payload)
        calls.push({ functionName: update.ChainedInvokeOptions?.FunctionName, request })
        yield* Effect.sleep(after)
        yield* emulator.completeChainedInvoke(arn, update.Id, outcome(request))
      }).pipe(Effect.orDie)
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(events), (event) =>
      event._tag === "Checkpointed"
        ? Effect.forEach(
          event.updates.filter((u) => u.Type === "CHAINED_INVOKE" && u.Action === "START"),
          (update) => Effect.forkScoped(answer(event.arn, update)),
          { discard: true }
        )
        : Effect.void)))
    const options: LocalRunner.TestClockOptions = {
      waitForExternal: true,
      onEvent: (event) => Queue.offer(events, event).pipe(Effect.asVoid)
    }
    return { calls, options }
  })

const cart = {
  orderId: "o-301",
  lines: [{ sku: "tea", unitCents: 450, quantity: 2 }, { sku: "mug", unitCents: 1200, quantity: 1 }]
}

describe("invoke", () => {
  it.effect("charges the cart through the payments function and confirms the order", () =>
    Effect.gen(function*() {
      const payments = yield* paymentsFunction((request) => ({
        Status: "SUCCEEDED",
        Result: JSON.stringify({ paymentId: `pay-${request.orderId}`, chargedCents: request.amountCents })
      }))
      const result = yield* LocalRunner.runUnderTestClock(Checkout, cart, payments.options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { orderId: "o-301", paymentId: "pay-o-301", chargedCents: 2100 })
      }
      // The function was invoked once, by alias, with the encoded request.
      assert.deepStrictEqual(payments.calls, [
        { functionName: PaymentsFunction, request: { orderId: "o-301", amountCents: 2100, currency: "EUR" } }
      ])
      const operations = result.operations.filter((op) => op.Type !== "EXECUTION")
      assert.deepStrictEqual(
        operations.map((op) => [op.Type, op.SubType, op.Name, op.Status]),
        [
          ["STEP", "Step", "price-cart", "SUCCEEDED"],
          ["CHAINED_INVOKE", "ChainedInvoke", "charge", "SUCCEEDED"],
          ["STEP", "Step", "confirm-order", "SUCCEEDED"]
        ]
      )
      // Suspended while the payment ran, resumed with its result.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("a declined card (the invoked function FAILED) fails the checkout with PaymentFailed", () =>
    Effect.gen(function*() {
      const payments = yield* paymentsFunction(() => ({
        Status: "FAILED",
        Error: { ErrorType: "CardDeclined", ErrorMessage: "insufficient funds" }
      }))
      const result = yield* LocalRunner.runUnderTestClock(Checkout, cart, payments.options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "PaymentFailed")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(PaymentFailed))(result.error.ErrorData)
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
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("a payment that times out is a PaymentFailed with status TIMED_OUT", () =>
    Effect.gen(function*() {
      const payments = yield* paymentsFunction(() => ({ Status: "TIMED_OUT" }), "15 minutes")
      const result = yield* LocalRunner.runUnderTestClock(Checkout, cart, payments.options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(PaymentFailed))(result.error.ErrorData)
        assert.strictEqual(error.status, "TIMED_OUT")
        assert.isUndefined(error.errorType)
      }
      assert.strictEqual(result.operations.find((op) => op.Name === "charge")?.Status, "TIMED_OUT")
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))
})
