/**
 * demo: the workflow `npm start` runs on the local durable service. An order
 * goes through every kind of wait a durable function has:
 *
 * - `reserve-stock`, a step that succeeds at once;
 * - `charge-card`, a step whose first attempt fails (the card network times
 *   out): its retry policy schedules a second attempt 2 seconds later, and the
 *   invocation ends PENDING meanwhile (RETRY_SCHEDULED);
 * - `let-the-bank-settle`, a 3-second wait (WAIT_SCHEDULED);
 * - `manager-approval`, a callback that a person (or the demo itself, or the
 *   web view's button) completes (CALLBACK_PENDING);
 * - `ship`, once approved.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Effect, Schema } from "effect"

export class CardNetworkTimeout extends Schema.TaggedError<CardNetworkTimeout>()("CardNetworkTimeout", {
  attempt: Schema.Number
}) {}

export const Order = Schema.Struct({ orderId: Schema.String, item: Schema.String, amount: Schema.Number })

export const Approval = Schema.Struct({ approved: Schema.Boolean, by: Schema.optionalKey(Schema.String) })

export const Receipt = Schema.Struct({
  orderId: Schema.String,
  charged: Schema.Number,
  chargedOnAttempt: Schema.Number,
  outcome: Schema.Literals(["shipped", "cancelled"]),
  approvedBy: Schema.optionalKey(Schema.String)
})

export const OrderDemo = Durable.workflow(
  { name: "order-demo", input: Order, output: Receipt },
  Effect.fn(function*({ amount, item, orderId }) {
    yield* Durable.step("reserve-stock", Effect.succeed(`${item} reserved for ${orderId}`))
    const chargedOnAttempt = yield* Durable.step(
      "charge-card",
      Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt === 1) return yield* new CardNetworkTimeout({ attempt })
        return attempt
      }),
      {
        error: CardNetworkTimeout,
        retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "2 seconds", jitter: "NONE" })
      }
    )
    yield* Durable.wait("let-the-bank-settle", "3 seconds")
    const approval = yield* Durable.waitForCallback("manager-approval", () => Effect.void, {
      schema: Approval,
      timeout: "1 day"
    })
    if (!approval.approved) return { orderId, charged: amount, chargedOnAttempt, outcome: "cancelled" as const }
    yield* Durable.step("ship", Effect.succeed(`${item} shipped`))
    return {
      orderId,
      charged: amount,
      chargedOnAttempt,
      outcome: "shipped" as const,
      ...(approval.by === undefined ? {} : { approvedBy: approval.by })
    }
  })
)
