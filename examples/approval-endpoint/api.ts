/**
 * The approval endpoint's HTTP API, schema first (`effect/http-api`): employees
 * submit expenses, approvers approve or reject them with the reference their
 * email carries (the callback id of the `ExpenseApproval` workflow of
 * examples/callbacks), anyone can look at an expense.
 *
 * Kept apart from the server so that a typed client (`HttpApiClient.make(Api)`)
 * can be derived from it without the server's code.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { Expense, ExpenseOutcome } from "../callbacks/workflow.ts"

/** The expense id is the execution's name, so it follows the service's rule for names. */
export const ExpenseId = Schema.String.check(Schema.isPattern(/^[a-zA-Z0-9_-]{1,64}$/))

/** An expense to approve, with an id the service accepts as an execution name. */
export const NewExpense = Schema.Struct({ ...Expense.fields, expenseId: ExpenseId })

export const Submitted = Schema.Struct({ expenseId: Schema.String, execution: Schema.String })

export const ExpenseStatus = Schema.Struct({
  expenseId: Schema.String,
  status: Schema.Literals(["PENDING_APPROVAL", "DONE", "FAILED"]),
  outcome: Schema.optionalKey(ExpenseOutcome)
})

export const Comment = Schema.Struct({ comment: Schema.optionalKey(Schema.String) })

/** No expense has this id. */
export class ExpenseNotFound extends Schema.TaggedError<ExpenseNotFound>()("ExpenseNotFound", {
  expenseId: Schema.String
}, { httpApiStatus: 404 }) {}

/** The expense id was already submitted with other data. */
export class ExpenseConflict extends Schema.TaggedError<ExpenseConflict>()("ExpenseConflict", {
  expenseId: Schema.String
}, { httpApiStatus: 409 }) {}

/** No approval has this reference. */
export class ApprovalNotFound extends Schema.TaggedError<ApprovalNotFound>()("ApprovalNotFound", {
  reference: Schema.String
}, { httpApiStatus: 404 }) {}

/** The approval was already answered, or expired (after 3 days). */
export class ApprovalClosed extends Schema.TaggedError<ApprovalClosed>()("ApprovalClosed", {
  reference: Schema.String
}, { httpApiStatus: 410 }) {}

export class ExpensesApi extends HttpApiGroup.make("expenses")
  .add(
    HttpApiEndpoint.post("submit", "/expenses", {
      payload: NewExpense,
      success: Submitted.pipe(HttpApiSchema.status(202)),
      error: ExpenseConflict
    }),
    HttpApiEndpoint.get("get", "/expenses/:expenseId", {
      params: { expenseId: ExpenseId },
      success: ExpenseStatus,
      error: ExpenseNotFound
    })
  )
{}

export class ApprovalsApi extends HttpApiGroup.make("approvals")
  .add(
    HttpApiEndpoint.post("approve", "/approvals/:reference/approve", {
      params: { reference: Schema.String },
      payload: Comment,
      error: [ApprovalNotFound, ApprovalClosed]
    }),
    HttpApiEndpoint.post("reject", "/approvals/:reference/reject", {
      params: { reference: Schema.String },
      payload: Comment,
      error: [ApprovalNotFound, ApprovalClosed]
    })
  )
{}

export class Api extends HttpApi.make("approval-endpoint").add(ExpensesApi).add(ApprovalsApi) {}
