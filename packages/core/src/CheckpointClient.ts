/**
 * The checkpoint I/O seam: the two calls of the Lambda durable execution API
 * that a running workflow makes. Everything above it (the checkpointer, the
 * scheduler, the operations) is the same whether the calls go to AWS
 * (`@effect-durable/runtime-lambda`), to the in-memory emulator
 * (`@effect-durable/testing`) or to a local dev service.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { FailureScope } from "./DurableError.ts"
import * as ServiceGuard from "./ServiceGuard.ts"
import type * as Wire from "./Wire.ts"

/**
 * A call to the service failed. Each implementation classifies its failures
 * (see {@link classify}): `INVOCATION` errors are retried by Lambda with a new
 * invocation, `EXECUTION` errors fail the durable execution.
 *
 * @category errors
 * @since 0.1.0
 */
export class CheckpointClientError extends Schema.TaggedError<CheckpointClientError>()("CheckpointClientError", {
  message: Schema.String,
  scope: FailureScope,
  errorName: Schema.optionalKey(Schema.String),
  statusCode: Schema.optionalKey(Schema.Number),
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * The service that reads and writes a durable execution's checkpoints.
 *
 * - `getExecutionState` returns one page of operations (`MaxItems` up to 1000);
 * - `checkpoint` applies a batch of updates with the current token, and returns
 *   the next token and the operations that changed since the previous call
 *   (an empty batch is a valid poll).
 *
 * @example
 * ```ts
 * const client = yield* CheckpointClient
 * const page = yield* client.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: token, MaxItems: 1000 })
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class CheckpointClient extends Context.Service<CheckpointClient, {
  readonly getExecutionState: (
    request: Wire.GetStateRequest
  ) => Effect.Effect<Wire.GetStateResponse, CheckpointClientError>
  readonly checkpoint: (
    request: Wire.CheckpointRequest
  ) => Effect.Effect<Wire.CheckpointResponse, CheckpointClientError>
}>()("@effect-durable/core/CheckpointClient") {}

/**
 * What is known of a failed service call, whatever transport made it.
 *
 * @category models
 * @since 0.1.0
 */
export interface FailureDescription {
  readonly name?: string | undefined
  readonly message?: string | undefined
  readonly statusCode?: number | undefined
  /** How many times the transport sent the call (the AWS SDK retries by itself), when it says. */
  readonly attempts?: number | undefined
}

/**
 * Reads what is known of a failure thrown by an AWS SDK client (a service
 * exception, a network error, or anything else): its `name`, its `message`,
 * the HTTP status and the number of attempts in `$metadata`. Total: whatever
 * was thrown (an object whose getters throw included) is described, never
 * rethrown.
 *
 * @example
 * ```ts
 * CheckpointClient.describeFailure(error)
 * // { name: "TooManyRequestsException", message: "Rate exceeded", statusCode: 429, attempts: 3 }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const describeFailure = (cause: unknown): FailureDescription => {
  const read = <A>(f: () => A): A | undefined => {
    try {
      return f()
    } catch {
      return undefined
    }
  }
  if (typeof cause !== "object" || cause === null) return { message: read(() => String(cause)) ?? "unreadable" }
  const record = cause as { name?: unknown; message?: unknown; $metadata?: unknown }
  const name = read(() => typeof record.name === "string" ? record.name : undefined)
  const message = read(() => typeof record.message === "string" ? record.message : undefined)
  const metadata = read(() => {
    const metadata = record.$metadata
    if (typeof metadata !== "object" || metadata === null) return undefined
    const { attempts, httpStatusCode } = metadata as { httpStatusCode?: unknown; attempts?: unknown }
    return {
      statusCode: typeof httpStatusCode === "number" ? httpStatusCode : undefined,
      attempts: typeof attempts === "number" ? attempts : undefined
    }
  })
  return { name, message, statusCode: metadata?.statusCode, attempts: metadata?.attempts }
}

/**
 * Classifies a failed service call as the service behaves:
 *
 * - an invalid checkpoint token (matched case-insensitively: the service says
 *   "Invalid checkpoint token", which the official SDK 2.4.0 misses) is an
 *   invocation error, so Lambda retries with a fresh token;
 * - 429, 5xx and failures with no status (network) are invocation errors;
 * - KMS errors (which arrive as 502) and every other 4xx fail the execution.
 *
 * @example
 * ```ts
 * CheckpointClient.classify({ statusCode: 400, name: "InvalidParameterValueException", message: "Invalid checkpoint token" }) // "INVOCATION"
 * ```
 *
 * @category classification
 * @since 0.1.0
 */
export const classify = (failure: FailureDescription): FailureScope => {
  const { message = "", name = "", statusCode } = failure
  if (/invalid checkpoint token/i.test(message)) return "INVOCATION"
  if (/^KMS.*Exception$/.test(name)) return "EXECUTION"
  if (statusCode === undefined || statusCode === 429 || statusCode >= 500) return "INVOCATION"
  if (statusCode >= 400) return "EXECUTION"
  return "INVOCATION"
}

/**
 * A response of the service that effect-durable refuses to believe (see
 * `ServiceGuard`): a failed call of the invocation, which Lambda retries with
 * the state read afresh.
 *
 * @category errors
 * @since 0.1.0
 */
export const malformed = (what: string, violation: string): CheckpointClientError =>
  new CheckpointClientError({
    message: `${what} returned a malformed response: ${violation}`,
    scope: "INVOCATION",
    errorName: "MalformedResponse"
  })

/**
 * Reads the pages of an execution's state that follow a first page already in
 * hand (the event's, or a checkpoint response's), from its `NextMarker` on,
 * and hands each page's operations to `onPage`. Each page is checked (see
 * `ServiceGuard.checkPage`, `ServiceGuard.checkOperation`) and the paging is
 * guarded (`ServiceGuard.nextPage`): a marker given twice or more pages than
 * an execution can have fail the read, instead of looping forever.
 *
 * @example
 * ```ts
 * yield* CheckpointClient.readPages({ arn, token, marker: input.InitialExecutionState?.NextMarker }, (operations) =>
 *   Effect.sync(() => all.push(...operations)))
 * ```
 *
 * @category paging
 * @since 0.1.0
 */
export const readPages = <E, R>(
  request: { readonly arn: string; readonly token: string; readonly marker: string | undefined },
  onPage: (operations: ReadonlyArray<Wire.Operation>) => Effect.Effect<void, E, R>
): Effect.Effect<void, CheckpointClientError | E, CheckpointClient | R> =>
  Effect.gen(function*() {
    const client = yield* CheckpointClient
    let step = ServiceGuard.nextPage(ServiceGuard.startPaging, request.marker)
    while (step._tag === "Next") {
      const page: unknown = yield* client.getExecutionState({
        DurableExecutionArn: request.arn,
        CheckpointToken: request.token,
        Marker: step.marker,
        MaxItems: ServiceGuard.pageSize
      })
      const violation = checkStatePage(page)
      if (violation !== undefined) return yield* malformed("GetDurableExecutionState", violation)
      const { NextMarker, Operations } = page as Wire.GetStateResponse
      if (Operations !== undefined && Operations.length > 0) yield* onPage(Operations)
      step = ServiceGuard.nextPage(step.paging, NextMarker)
    }
    if (step._tag === "Violation") return yield* malformed("GetDurableExecutionState", step.message)
  })

const checkStatePage = (page: unknown): string | undefined => {
  const violation = ServiceGuard.checkPage(page)
  if (violation !== undefined) return violation
  // An index loop: unoptimized, `for…of` allocates an iterator result per operation of every page.
  const operations = (page as { readonly Operations?: ReadonlyArray<unknown> }).Operations ?? []
  for (let i = 0; i < operations.length; i++) {
    const invalid = ServiceGuard.checkOperation(operations[i])
    if (invalid !== undefined) return invalid
  }
  return undefined
}
