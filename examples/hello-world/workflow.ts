/**
 * hello-world: the smallest workflow that shows every moving part of
 * effect-durable: checkpointed steps, a retried step with back-off, and a
 * durable wait that suspends the invocation.
 */
// Modules rather than the barrels (`import { Schema } from "effect"`): esbuild cannot tree-shake a namespace
// re-exported by a barrel (evanw/esbuild#1420), so the barrel would put all of Schema (its crypto, net, http,
// ... schemas) and every durable operation in the Lambda bundle (hello-world: 1.05 MB minified instead of 0.72 MB).
import * as Durable from "@effect-durable/core/Durable"
import * as RetryPolicy from "@effect-durable/core/RetryPolicy"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** The delivery service is flaky: it fails the first attempt of every message. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  attempt: Schema.Number
}) {}

/** The execution input. */
export const Input = Schema.Struct({ name: Schema.String })

/** The execution result. */
export const Output = Schema.Struct({
  greeting: Schema.String,
  deliveredOnAttempt: Schema.Number,
  farewell: Schema.String
})

/**
 * Greets someone, delivers the greeting through a flaky service (retried after
 * 3 seconds), lets it sink in for 5 seconds, then says goodbye.
 */
export const HelloWorld = Durable.workflow(
  { name: "hello-world", input: Input, output: Output },
  Effect.fn(function*({ name }) {
    const greeting = yield* Durable.step("compose-greeting", Effect.succeed(`Hello, ${name}!`), {
      success: Schema.String
    })

    const deliveredOnAttempt = yield* Durable.step(
      "deliver-greeting",
      Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt === 1) return yield* new DeliveryFailed({ attempt })
        return attempt
      }),
      {
        success: Schema.Number,
        error: DeliveryFailed,
        retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "3 seconds", jitter: "NONE" })
      }
    )

    yield* Durable.wait("let-it-sink-in", "5 seconds")

    const farewell = yield* Durable.step("compose-farewell", Effect.succeed(`Goodbye, ${name}.`), {
      success: Schema.String
    })
    return { greeting, deliveredOnAttempt, farewell }
  })
)
