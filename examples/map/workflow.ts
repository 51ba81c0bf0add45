/**
 * map: a monthly billing run that charges every invoice with `Durable.map`.
 * Each invoice runs in a child context of its own (subtype `MapIteration`,
 * named after the invoice), at most 3 at a time; a declined card fails that
 * item only, and the completion policy tolerates up to 20% of declines before
 * the batch stops starting new charges. The batch result says what happened
 * to each item: `Batch.results` keeps the successes. Receipts then go out with
 * a second map whose default policy fails fast, and `Batch.getOrFail` turns
 * a failed item into an error.
 *
 * When a batch completes early, the items still running are interrupted and
 * stay STARTED in the result: a charge in flight may have gone through. A real
 * payment call would pass the invoice id as its idempotency key, so that
 * charging the invoice again in a later run cannot charge it twice.
 */
import { Batch, Durable, RetryPolicy } from "@effect-durable/core"
import { Effect, Schema } from "effect"

export const Invoice = Schema.Struct({
  invoiceId: Schema.String,
  email: Schema.String,
  amountCents: Schema.Int,
  card: Schema.String
})

export const Charge = Schema.Struct({ invoiceId: Schema.String, chargeId: Schema.String })

export class CardDeclined extends Schema.TaggedError<CardDeclined>()("CardDeclined", { invoiceId: Schema.String }) {}

/** The run stopped: more than 20% of the cards were declined. */
export class TooManyDeclines extends Schema.TaggedError<TooManyDeclines>()("TooManyDeclines", {
  declined: Schema.Array(Schema.String)
}) {}

/** A receipt could not be sent. */
export class ReceiptNotSent extends Schema.TaggedError<ReceiptNotSent>()("ReceiptNotSent", {
  message: Schema.String
}) {}

/** Stands in for the payment provider: a charge takes a second; cards ending in 0002 are declined. */
const chargeCard = (invoice: typeof Invoice.Type) =>
  Effect.sleep("1 second").pipe(
    Effect.andThen(invoice.card.endsWith("0002")
      ? Effect.fail(new CardDeclined({ invoiceId: invoice.invoiceId }))
      : Effect.succeed(`ch_${invoice.invoiceId}`))
  )

/** Stands in for the mail provider: it rejects malformed addresses. */
const sendReceipt = (email: string, charge: typeof Charge.Type) =>
  email.includes("@")
    ? Effect.log(`receipt for ${charge.chargeId} sent to ${email}`)
    : Effect.fail(new Error(`invalid address: "${email}"`))

export const BillingRun = Durable.workflow(
  {
    name: "billing-run",
    input: Schema.Struct({ invoices: Schema.Array(Invoice) }),
    output: Schema.Struct({ charged: Schema.Array(Charge), declined: Schema.Array(Schema.String) }),
    error: Schema.Union([TooManyDeclines, ReceiptNotSent])
  },
  Effect.fn(function*({ invoices }) {
    const charges = yield* Durable.map(
      "charge-invoices",
      invoices,
      (invoice) =>
        Durable.step("charge", chargeCard(invoice), { error: CardDeclined, retry: RetryPolicy.noRetry }).pipe(
          Effect.map((chargeId) => ({ invoiceId: invoice.invoiceId, chargeId }))
        ),
      {
        maxConcurrency: 3,
        completion: { toleratedFailurePercentage: 20 },
        itemNamer: (invoice) => `charge-${invoice.invoiceId}`,
        itemSchema: Charge
      }
    )
    const declined = charges.all.flatMap((item) => item.status === "FAILED" ? [invoices[item.index].invoiceId] : [])
    if (charges.completionReason === "FAILURE_TOLERANCE_EXCEEDED") return yield* new TooManyDeclines({ declined })

    const charged = Batch.results(charges)
    const emails = new Map(invoices.map((invoice) => [invoice.invoiceId, invoice.email]))
    yield* Durable.map("email-receipts", charged, (charge) =>
      Durable.step("email", sendReceipt(emails.get(charge.invoiceId) ?? "", charge), {
        retry: RetryPolicy.noRetry
      })).pipe(
        Effect.flatMap(Batch.getOrFail),
        Effect.mapError((error) => new ReceiptNotSent({ message: error.message }))
      )
    return { charged, declined }
  })
)
