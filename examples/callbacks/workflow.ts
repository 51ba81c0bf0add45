/**
 * callbacks: waiting for a person (or any external system) durably.
 *
 * - `ExpenseApproval` uses `Durable.waitForCallback`: a CONTEXT (subtype
 *   `WaitForCallback`) holding the CALLBACK and a submitter step that emails
 *   the approver the callback id. The approver's decision arrives as a JSON
 *   string, decoded with a Schema; after 3 days without an answer the expense
 *   expires.
 * - `ContractSigning` uses `Durable.createCallback`, for when the callback id
 *   has to be handed over by steps of your own: the signing service completes
 *   the callback, or fails it when the signer declines.
 *
 * Meanwhile the function is not running: the invocation ends PENDING and the
 * service invokes it again once the callback completes or times out.
 */
import { Durable } from "@effect-durable/core"
import { Context, Effect, Schema } from "effect"

/** Sends emails (SES in production, an in-memory inbox in the tests). */
export class Mailer extends Context.Service<Mailer, {
  readonly send: (mail: { readonly to: string; readonly subject: string; readonly body: string }) => Effect.Effect<void>
}>()("examples/callbacks/Mailer") {}

/** What the approver sends back through `SendDurableExecutionCallbackSuccess`. */
export const Decision = Schema.Struct({ approved: Schema.Boolean, comment: Schema.optionalKey(Schema.String) })

export const Expense = Schema.Struct({
  expenseId: Schema.String,
  amount: Schema.Number,
  approver: Schema.String
})

export const ExpenseOutcome = Schema.Struct({
  expenseId: Schema.String,
  outcome: Schema.Literals(["reimbursed", "rejected", "expired"]),
  comment: Schema.optionalKey(Schema.String)
})

export const ExpenseApproval = Durable.workflow(
  { name: "expense-approval", input: Expense, output: ExpenseOutcome },
  Effect.fn(function*({ amount, approver, expenseId }) {
    const mailer = yield* Mailer
    const decision = yield* Durable.waitForCallback(
      "manager-approval",
      // The submitter runs as a step: a crash after it is checkpointed does not send the email again.
      (callbackId) =>
        mailer.send({
          to: approver,
          subject: `Expense ${expenseId}: ${amount} EUR to approve`,
          body: `Approve or reject in the portal (reference ${callbackId}).`
        }),
      { schema: Decision, timeout: "3 days" }
    ).pipe(Effect.catchTag("CallbackTimeoutError", () => Effect.succeed(undefined)))

    if (decision === undefined) return { expenseId, outcome: "expired" as const }
    const comment = decision.comment === undefined ? {} : { comment: decision.comment }
    if (!decision.approved) return { expenseId, outcome: "rejected" as const, ...comment }
    yield* Durable.step("reimburse", Effect.log(`paying ${amount} EUR for ${expenseId}`))
    return { expenseId, outcome: "reimbursed" as const, ...comment }
  })
)

/** No signature: the signer declined (the signing service failed the callback), or the week ran out. */
export class NotSigned extends Schema.TaggedError<NotSigned>()("NotSigned", {
  contractId: Schema.String,
  reason: Schema.Literals(["declined", "expired"]),
  detail: Schema.String
}) {}

export const Signature = Schema.Struct({ signedBy: Schema.String, signedAt: Schema.String })

export const ContractSigning = Durable.workflow(
  {
    name: "contract-signing",
    input: Schema.Struct({ contractId: Schema.String, signer: Schema.String }),
    output: Schema.Struct({ archivedAs: Schema.String, signedBy: Schema.String }),
    error: NotSigned
  },
  Effect.fn(function*({ contractId, signer }) {
    const mailer = yield* Mailer
    const signature = yield* Durable.createCallback("signature", { schema: Signature, timeout: "7 days" })
    yield* Durable.step(
      "send-for-signature",
      mailer.send({
        to: signer,
        subject: `Please sign ${contractId}`,
        body: `Signing reference: ${signature.callbackId}`
      })
    )
    // Every failure is mapped to NotSigned: the workflow's `error` Schema must cover every
    // failure it can end with (see examples/README.md).
    const { signedBy } = yield* signature.await.pipe(
      Effect.catchTags({
        CallbackExternalError: (error) => new NotSigned({ contractId, reason: "declined", detail: error.message }),
        CallbackTimeoutError: (error) => new NotSigned({ contractId, reason: "expired", detail: error.message })
      })
    )
    const archivedAs = yield* Durable.step("archive", Effect.succeed(`s3://contracts/${contractId}.pdf`), {
      success: Schema.String
    })
    return { archivedAs, signedBy }
  })
)
