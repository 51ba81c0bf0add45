/**
 * Your durable workflow: onboarding a new user.
 *
 * Every `Durable.step` is checkpointed through the Lambda durable execution
 * API. When the workflow waits (the day below, or a retry's back-off) the
 * invocation ends, and Lambda invokes the function again when it is time. The
 * workflow then runs from the start, and each step that already completed
 * returns its checkpointed result instead of running again. So anything with a
 * side effect or a result that may differ (an id, the time, a call to another
 * service) goes in a step.
 */
// Modules rather than the barrels (`import { Schema } from "effect"`): esbuild cannot tree-shake a namespace
// re-exported by a barrel (evanw/esbuild#1420), so the barrel would put all of Schema (its crypto, net, http,
// ... schemas) and every durable operation in the Lambda bundle (hello-world: 1.05 MB minified instead of 0.72 MB).
import * as Durable from "@effect-durable/core/Durable"
import * as RetryPolicy from "@effect-durable/core/RetryPolicy"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

/** The mail service refused a message: the step that sent it is retried. */
export class MailError extends Schema.TaggedError<MailError>()("MailError", {
  message: Schema.String
}) {}

/**
 * Sends emails. `Mailer.layer` only logs them: replace it with your provider.
 * The tests use a Mailer of their own.
 */
export class Mailer extends Context.Service<Mailer, {
  readonly send: (to: string, template: string) => Effect.Effect<void, MailError>
}>()("app/Mailer") {
  static readonly layer = Layer.succeed(
    Mailer,
    Mailer.of({ send: (to, template) => Effect.log(`email "${template}" sent to ${to}`) })
  )
}

/**
 * The services the workflow needs, built once per Lambda container by the
 * handler, and once by `effect-durable dev` (which looks for this name).
 */
export const layer = Mailer.layer

/** The execution's input. */
export const Signup = Schema.Struct({ email: Schema.String })

/** The execution's result. */
export const Onboarded = Schema.Struct({ accountId: Schema.String, email: Schema.String })

/** A refused email is tried again after up to 10 s, 20 s, 40 s, 80 s (randomized): 5 attempts in all. */
const mailRetry = RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "10 seconds" })

/** Creates the account, sends a welcome email, waits a day, then sends some tips. */
export const Onboarding = Durable.workflow(
  { name: "onboarding", input: Signup, output: Onboarded },
  Effect.fn(function*({ email }) {
    const mailer = yield* Mailer

    // Drawn once: replays get the checkpointed id.
    const accountId = yield* Durable.step("create-account", Effect.sync(() => `acct-${crypto.randomUUID()}`), {
      success: Schema.String
    })

    yield* Durable.step("send-welcome", mailer.send(email, "welcome"), { error: MailError, retry: mailRetry })

    // A durable timer: the function does not run (and is not billed) while it waits.
    yield* Durable.wait("one-day-later", "1 day")

    yield* Durable.step("send-tips", mailer.send(email, "tips"), { error: MailError, retry: mailRetry })

    return { accountId, email }
  })
)
