/**
 * logging: a subscription renewal that logs with Effect's own `Effect.log*`.
 * Provided with `DurableLogger.layer()` (see handler.ts), every record is one
 * JSON line in Lambda's format, with the invocation's annotations
 * (`requestId`, `executionArn`), the step's (`operationId`, `operationName`,
 * `attempt`) inside a step, and the workflow's own (`subscriptionId`).
 *
 * Each invocation replays the workflow from the start, so the workflow's own
 * records would be written again by every invocation; the durable logger drops
 * them while the workflow replays its history. Records written inside a step
 * always go out: a step's code only ever runs live.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Effect, Schema } from "effect"

export class GatewayTimeout extends Schema.TaggedError<GatewayTimeout>()("GatewayTimeout", {
  message: Schema.String
}) {}

export class CardDeclined extends Schema.TaggedError<CardDeclined>()("CardDeclined", { message: Schema.String }) {}

export const PaymentError = Schema.Union([GatewayTimeout, CardDeclined])

/** Stands in for the payment gateway: the first attempt always times out; cards ending in 0002 are declined. */
const collectPayment = (card: string, amountCents: number) =>
  Effect.gen(function*() {
    const { attempt } = yield* Durable.StepContext
    if (attempt === 1) {
      yield* Effect.logWarning("the payment gateway timed out")
      return yield* new GatewayTimeout({ message: "no answer within 5 s" })
    }
    if (card.endsWith("0002")) return yield* new CardDeclined({ message: `card ${card} declined` })
    yield* Effect.logInfo(`collected ${amountCents} cents`)
    return `pay-${attempt}`
  })

export const SubscriptionRenewal = Durable.workflow(
  {
    name: "subscription-renewal",
    input: Schema.Struct({ subscriptionId: Schema.String, card: Schema.String, amountCents: Schema.Int }),
    output: Schema.Struct({ paymentId: Schema.String }),
    error: PaymentError
  },
  ({ amountCents, card, subscriptionId }) =>
    Effect.gen(function*() {
      // Written by the first invocation only: the second one replays past it silently.
      yield* Effect.logInfo("renewal started")
      const paymentId = yield* Durable.step("collect-payment", collectPayment(card, amountCents), {
        success: Schema.String,
        error: PaymentError,
        // Timeouts are retried after 10 s (the invocation suspends meanwhile); a declined card is not.
        retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "10 seconds", jitter: "NONE" }).pipe(
          RetryPolicy.retryIf({ tags: ["GatewayTimeout"] })
        )
      })
      yield* Effect.logInfo("renewal complete")
      return { paymentId }
    }).pipe(
      Effect.tapCause((cause) => Effect.logError("renewal failed", cause)),
      Effect.annotateLogs({ subscriptionId })
    )
)
