/**
 * child-context: an order fulfilment whose picking, courier wait and handover
 * are grouped in one `Durable.child`. The child checkpoints its result as one
 * CONTEXT operation (subtype `RunInChildContext`): its steps and wait get ids
 * of their own under it, and once it has completed, a replay returns its
 * result without looking at them again. A typed `OutOfStock` raised inside the
 * child crosses it (thanks to its `error` Schema) and fails the execution with
 * the same error, encoded in the wire's `ErrorData`.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Effect, Schema } from "effect"

/** An item of the order cannot be picked: not retryable, the order is cancelled. */
export class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", {
  sku: Schema.String,
  requested: Schema.Number,
  available: Schema.Number
}) {}

export const Input = Schema.Struct({
  orderId: Schema.String,
  lines: Schema.Array(Schema.Struct({ sku: Schema.String, quantity: Schema.Number }))
})

export const Shipment = Schema.Struct({ parcelId: Schema.String, trackingNumber: Schema.String })

export const Output = Schema.Struct({ orderId: Schema.String, shipment: Shipment, confirmation: Schema.String })

/** Stands in for the warehouse's stock API. */
const stock: Readonly<Record<string, number>> = { "tea-earl-grey": 40, "mug-blue": 12, "teapot-cast-iron": 0 }

const pickItems = (lines: typeof Input.Type["lines"], orderId: string) =>
  Effect.gen(function*() {
    for (const { quantity, sku } of lines) {
      const available = stock[sku] ?? 0
      if (available < quantity) return yield* new OutOfStock({ sku, requested: quantity, available })
    }
    return `parcel-${orderId}`
  })

export const OrderFulfilment = Durable.workflow(
  { name: "order-fulfilment", input: Input, output: Output, error: OutOfStock },
  Effect.fn(function*({ lines, orderId }) {
    // Everything that happens in the warehouse, as one unit with one checkpointed result.
    const shipment = yield* Durable.child(
      "fulfil",
      Effect.gen(function*() {
        const parcelId = yield* Durable.step("pick-items", pickItems(lines, orderId), {
          success: Schema.String,
          error: OutOfStock,
          retry: RetryPolicy.noRetry
        })
        // The courier passes twice a day: the invocation suspends, nothing runs meanwhile.
        yield* Durable.wait("await-courier", "4 hours")
        const trackingNumber = yield* Durable.step("hand-over", Effect.succeed(`TRK-${parcelId.toUpperCase()}`), {
          success: Schema.String
        })
        return { parcelId, trackingNumber }
      }),
      { success: Shipment, error: OutOfStock }
    )

    const confirmation = yield* Durable.step(
      "email-confirmation",
      Effect.succeed(`Order ${orderId} shipped, tracking ${shipment.trackingNumber}`),
      { success: Schema.String }
    )
    return { orderId, shipment, confirmation }
  })
)
