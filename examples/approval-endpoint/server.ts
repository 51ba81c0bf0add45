/**
 * approval-endpoint: service code on the other side of a workflow. An HTTP
 * API (`effect/http-api`) that starts `ExpenseApproval` executions (the
 * workflow of examples/callbacks) and completes their callbacks when an
 * approver clicks approve or reject, with the `DurableClient`:
 *
 * - `POST /expenses` starts an execution named after the expense id, so a
 *   retried submission never starts a second approval, and the same id with
 *   other data is a 409;
 * - `GET /expenses/:id` finds the execution by name (`list`) and reads its
 *   typed result (`poll`);
 * - `POST /approvals/:reference/approve|reject` completes the callback whose
 *   id the approver received by email, with a `Decision` the workflow decodes
 *   with the same Schema; an unknown reference is a 404, one already
 *   answered or expired a 410.
 *
 * The same code runs on AWS (`DurableClient.layer()`), on the local service
 * (`DurableClient.layer({ clientConfig: { endpoint } })`) and in tests.
 */
import { DurableClient } from "@effect-durable/client"
import { Effect, Exit, Layer, Option, Stream } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Decision, ExpenseApproval } from "../callbacks/workflow.ts"
import { Api, ApprovalClosed, ApprovalNotFound, ExpenseConflict, ExpenseNotFound } from "./api.ts"

/** Where `ExpenseApproval` is deployed: its function name (on AWS, qualified: `expense-approval:live`). */
export interface Options {
  readonly function: string
}

const expenses = (options: Options) =>
  HttpApiBuilder.group(
    Api,
    "expenses",
    Effect.fn(function*(handlers) {
      const client = yield* DurableClient.DurableClient
      return handlers.handleAll({
        submit: ({ payload }) =>
          client.start(ExpenseApproval, payload, { function: options.function, executionName: payload.expenseId }).pipe(
            Effect.map((handle) => ({ expenseId: payload.expenseId, execution: handle.arn })),
            Effect.catchTag(
              "ExecutionAlreadyStartedError",
              () => Effect.fail(new ExpenseConflict({ expenseId: payload.expenseId }))
            ),
            // anything else (the service is unreachable, ...) is a 500
            Effect.catchTags({
              InvalidPayloadError: Effect.die,
              InvalidRequestError: Effect.die,
              FunctionNotFoundError: Effect.die,
              LambdaApiError: Effect.die
            })
          ),
        get: ({ params }) =>
          Effect.gen(function*() {
            const found = yield* Stream.runHead(
              client.list({ function: options.function, executionName: params.expenseId })
            )
            if (Option.isNone(found)) return yield* new ExpenseNotFound({ expenseId: params.expenseId })
            const ended = yield* client.handle(ExpenseApproval, found.value.arn).poll
            if (Option.isNone(ended)) return { expenseId: params.expenseId, status: "PENDING_APPROVAL" as const }
            return Exit.isSuccess(ended.value)
              ? { expenseId: params.expenseId, status: "DONE" as const, outcome: ended.value.value }
              : { expenseId: params.expenseId, status: "FAILED" as const }
          }).pipe(
            Effect.catchTags({
              ExecutionNotFoundError: Effect.die,
              FunctionNotFoundError: Effect.die,
              InvalidRequestError: Effect.die,
              InvalidPayloadError: Effect.die,
              LambdaApiError: Effect.die
            })
          )
      })
    })
  )

/** A callback's typed errors, as the API's: unknown reference 404, answered or expired 410. */
const answered = (reference: string) =>
<A>(effect: Effect.Effect<A, DurableClient.CallbackError>) =>
  effect.pipe(
    Effect.catchTags({
      CallbackNotFoundError: () => Effect.fail(new ApprovalNotFound({ reference })),
      // answered already (perhaps by an earlier attempt of this very call: `retried`), or expired
      CallbackTimedOutError: () => Effect.fail(new ApprovalClosed({ reference })),
      InvalidPayloadError: Effect.die,
      LambdaApiError: Effect.die
    })
  )

const approvals = HttpApiBuilder.group(
  Api,
  "approvals",
  Effect.fn(function*(handlers) {
    const client = yield* DurableClient.DurableClient
    return handlers.handleAll({
      approve: ({ params, payload }) =>
        client.succeed(params.reference, { approved: true, ...payload }, Decision).pipe(answered(params.reference)),
      reject: ({ params, payload }) =>
        client.succeed(params.reference, { approved: false, ...payload }, Decision).pipe(answered(params.reference))
    })
  })
)

/**
 * The API's routes, for an `HttpRouter`, over the `DurableClient` in context.
 *
 * @example
 * ```ts
 * HttpRouter.serve(ApprovalEndpoint.layer({ function: "expense-approval:live" })).pipe(
 *   Layer.provide(DurableClient.layer()),
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 }))
 * )
 * ```
 */
export const layer = (options: Options) =>
  HttpApiBuilder.layer(Api).pipe(Layer.provide([expenses(options), approvals]))
