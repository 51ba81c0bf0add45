/**
 * parallel: tell a customer their parcel is delayed through every channel we
 * have for them at once (email, SMS, push) with `Durable.parallel`, and stop as
 * soon as one message got through: `completion: { minSuccessful: 1 }`. The
 * batch is a CONTEXT (subtype `Parallel`) with one child context per branch
 * (subtype `ParallelBranch`, named after the channel); the branches still
 * running when the first one succeeds are interrupted. A channel the customer
 * has no address for fails its branch only; if every branch fails, the
 * customer is unreachable.
 */
import { Batch, Durable, RetryPolicy } from "@effect-durable/core"
import { type Duration, Effect, Schema } from "effect"

export const Customer = Schema.Struct({
  customerId: Schema.String,
  email: Schema.optionalKey(Schema.String),
  phone: Schema.optionalKey(Schema.String),
  deviceToken: Schema.optionalKey(Schema.String)
})

export class ChannelUnavailable extends Schema.TaggedError<ChannelUnavailable>()("ChannelUnavailable", {
  channel: Schema.String,
  message: Schema.String
}) {}

export class CustomerUnreachable extends Schema.TaggedError<CustomerUnreachable>()("CustomerUnreachable", {
  customerId: Schema.String,
  failures: Schema.Array(Schema.String)
}) {}

/** Stands in for the providers: each takes its time to accept a message (SMS is the fastest). */
const deliver = (channel: string, address: string | undefined, latency: Duration.Input) =>
  address === undefined
    ? Effect.fail(new ChannelUnavailable({ channel, message: `no ${channel} address` }))
    : Effect.sleep(latency).pipe(Effect.as(`${channel}:${address}`))

/** A branch: one step, not retried when the address is missing (it will not appear on retry). */
const branch = (channel: string, address: string | undefined, latency: Duration.Input) => ({
  name: channel,
  effect: Durable.step(`send-${channel}`, deliver(channel, address, latency), {
    success: Schema.String,
    error: ChannelUnavailable,
    retry: RetryPolicy.noRetry
  })
})

export const DelayNotice = Durable.workflow(
  {
    name: "delay-notice",
    input: Customer,
    output: Schema.Struct({ customerId: Schema.String, notified: Schema.Array(Schema.String) }),
    error: CustomerUnreachable
  },
  Effect.fn(function*({ customerId, deviceToken, email, phone }) {
    const sent = yield* Durable.parallel(
      "notify-customer",
      [branch("email", email, "3 seconds"), branch("sms", phone, "1 second"), branch("push", deviceToken, "2 seconds")],
      { completion: { minSuccessful: 1 } }
    )
    if (sent.successCount === 0) {
      // A failed item is a ChildContextError carrying the branch's error type and message.
      const failures = Batch.errors(sent).map((error) => `${error.errorType}: ${error.message}`)
      return yield* new CustomerUnreachable({ customerId, failures })
    }
    return { customerId, notified: Batch.results(sent) }
  })
)
