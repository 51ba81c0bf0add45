/**
 * invoke: a checkout that calls the payments Lambda function with
 * `Durable.invoke` (a chained invoke). The request and the receipt have
 * Schemas, so what crosses the wire is checked both ways; while the payment
 * runs, this function is not running (the invocation ends PENDING and the
 * service invokes it again with the result). A payment that fails, times out
 * or is stopped surfaces as an `InvokeError` with that status, turned here into
 * the checkout's own typed error.
 */
import { Durable } from "@effect-durable/core"
import { Effect, Schema } from "effect"

/** The payments function, by alias: it is deployed and versioned on its own. */
export const PaymentsFunction = "arn:aws:lambda:eu-west-1:123456789012:function:payments:live"

/** What the payments function receives. */
export const PaymentRequest = Schema.Struct({
  orderId: Schema.String,
  amountCents: Schema.Int,
  currency: Schema.Literal("EUR")
})

/** What it answers. */
export const PaymentReceipt = Schema.Struct({ paymentId: Schema.String, chargedCents: Schema.Int })

export const Cart = Schema.Struct({
  orderId: Schema.String,
  lines: Schema.Array(Schema.Struct({ sku: Schema.String, unitCents: Schema.Int, quantity: Schema.Int }))
})

export const Order = Schema.Struct({ orderId: Schema.String, paymentId: Schema.String, chargedCents: Schema.Int })

/** The payment did not go through; `errorType` is the payments function's own error type, if any. */
export class PaymentFailed extends Schema.TaggedError<PaymentFailed>()("PaymentFailed", {
  orderId: Schema.String,
  status: Schema.Literals(["FAILED", "TIMED_OUT", "STOPPED"]),
  errorType: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

export const Checkout = Durable.workflow(
  { name: "checkout", input: Cart, output: Order, error: PaymentFailed },
  Effect.fn(function*({ lines, orderId }) {
    const amountCents = yield* Durable.step(
      "price-cart",
      Effect.succeed(lines.reduce((sum, line) => sum + line.unitCents * line.quantity, 0)),
      { success: Schema.Int }
    )

    const receipt = yield* Durable.invoke(
      "charge",
      PaymentsFunction,
      { orderId, amountCents, currency: "EUR" as const },
      { input: PaymentRequest, output: PaymentReceipt }
    ).pipe(
      Effect.catchTag("InvokeError", (error) =>
        new PaymentFailed({
          orderId,
          status: error.status,
          message: error.message,
          ...(error.errorType === undefined ? {} : { errorType: error.errorType })
        }))
    )

    yield* Durable.step("confirm-order", Effect.log(`order ${orderId} paid with ${receipt.paymentId}`))
    return { orderId, paymentId: receipt.paymentId, chargedCents: receipt.chargedCents }
  })
)
