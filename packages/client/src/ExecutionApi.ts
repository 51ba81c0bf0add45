/**
 * The calls of the Lambda API that service code makes about durable
 * executions: start one (`Invoke` with a durable execution name), read it
 * (`GetDurableExecution`, `GetDurableExecutionHistory`,
 * `ListDurableExecutionsByFunction`), stop it, and complete its callbacks
 * (`SendDurableExecutionCallbackSuccess`, `…Failure`, `…Heartbeat`).
 *
 * This is the client's seam, as `CheckpointClient` is the engine's: requests
 * and answers in the service's own shapes (the core `Wire` model), failures
 * already turned into the typed errors of `ClientError`. `DurableClient` adds
 * the types of a workflow on top of it. Implementations: `LambdaExecutionApi`
 * (the AWS SDK, for AWS or any endpoint speaking its API) and, in
 * `@effect-durable/testing`, the local service's in-memory one.
 *
 * @since 0.1.0
 */
import type * as Wire from "@effect-durable/core/Wire"
import { Context } from "effect"
import type { Effect } from "effect"
import type {
  CallbackNotFoundError,
  CallbackTimedOutError,
  ExecutionAlreadyStartedError,
  ExecutionNotFoundError,
  ExecutionNotRunningError,
  FunctionNotFoundError,
  LambdaApiError
} from "./ClientError.ts"

/**
 * `Invoke` of a durable function, asynchronously (`InvocationType: Event`):
 * it starts an execution (or finds the one started with the same name and the
 * same input) and answers at once.
 *
 * @category models
 * @since 0.1.0
 */
export interface InvokeRequest {
  /** A name, `name:qualifier`, a partial or a full (qualified) function ARN. */
  readonly FunctionName: string
  /** The idempotency key of the start: 1 to 64 characters of `[a-zA-Z0-9-_]`. */
  readonly DurableExecutionName: string
  /** The execution input, a JSON document; absent for no input. */
  readonly Payload?: string | undefined
  readonly Qualifier?: string | undefined
  readonly TenantId?: string | undefined
}

/** @category models @since 0.1.0 */
export interface InvokeResponse {
  readonly DurableExecutionArn: string
}

/** @category models @since 0.1.0 */
export interface GetExecutionRequest {
  readonly DurableExecutionArn: string
  /** Whether to include the input, the result and the error (default `true`). */
  readonly IncludeExecutionData?: boolean | undefined
}

/** @category models @since 0.1.0 */
export interface GetHistoryRequest {
  readonly DurableExecutionArn: string
  readonly IncludeExecutionData?: boolean | undefined
  /** 1 to 1000; the service's default is 100. */
  readonly MaxItems?: number | undefined
  readonly Marker?: string | undefined
  readonly ReverseOrder?: boolean | undefined
}

/** @category models @since 0.1.0 */
export interface GetHistoryResponse {
  readonly Events: ReadonlyArray<Wire.HistoryEvent>
  readonly NextMarker?: string | undefined
}

/** @category models @since 0.1.0 */
export interface ListRequest {
  readonly FunctionName: string
  readonly Qualifier?: string | undefined
  /** Only the execution with this name. */
  readonly DurableExecutionName?: string | undefined
  readonly Statuses?: ReadonlyArray<Wire.ExecutionStatus> | undefined
  readonly StartedAfter?: Date | undefined
  readonly StartedBefore?: Date | undefined
  /** `true`: oldest first. The service's default (`false`) lists the newest first. */
  readonly ReverseOrder?: boolean | undefined
  readonly Marker?: string | undefined
  /** 1 to 1000; the service's default is 100. */
  readonly MaxItems?: number | undefined
}

/** @category models @since 0.1.0 */
export interface ListResponse {
  readonly DurableExecutions: ReadonlyArray<Wire.ExecutionSummary>
  readonly NextMarker?: string | undefined
}

/** @category models @since 0.1.0 */
export interface StopRequest {
  readonly DurableExecutionArn: string
  readonly Error?: Wire.ErrorObject | undefined
}

/** @category models @since 0.1.0 */
export interface StopResponse {
  readonly StopTimestamp: Date
}

/** @category models @since 0.1.0 */
export interface CallbackSuccessRequest {
  readonly CallbackId: string
  /** The result as the workflow reads it (JSON for a Schema-decoded callback). */
  readonly Result?: string | undefined
}

/** @category models @since 0.1.0 */
export interface CallbackFailureRequest {
  readonly CallbackId: string
  readonly Error?: Wire.ErrorObject | undefined
}

/**
 * The failures of a callback completion.
 *
 * @category models
 * @since 0.1.0
 */
export type CallbackFailure = CallbackNotFoundError | CallbackTimedOutError | LambdaApiError

/**
 * The Lambda API's calls about durable executions, in the service's shapes.
 *
 * @example
 * ```ts
 * const api = yield* ExecutionApi
 * const { DurableExecutionArn } = yield* api.invoke({ FunctionName: "orders:live", DurableExecutionName: "order-42", Payload: "{}" })
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class ExecutionApi extends Context.Service<ExecutionApi, {
  readonly invoke: (
    request: InvokeRequest
  ) => Effect.Effect<InvokeResponse, FunctionNotFoundError | ExecutionAlreadyStartedError | LambdaApiError>
  readonly getExecution: (
    request: GetExecutionRequest
  ) => Effect.Effect<Wire.GetExecutionResponse, ExecutionNotFoundError | LambdaApiError>
  readonly getHistory: (
    request: GetHistoryRequest
  ) => Effect.Effect<GetHistoryResponse, ExecutionNotFoundError | LambdaApiError>
  readonly list: (request: ListRequest) => Effect.Effect<ListResponse, FunctionNotFoundError | LambdaApiError>
  readonly stop: (
    request: StopRequest
  ) => Effect.Effect<StopResponse, ExecutionNotFoundError | ExecutionNotRunningError | LambdaApiError>
  readonly sendCallbackSuccess: (request: CallbackSuccessRequest) => Effect.Effect<void, CallbackFailure>
  readonly sendCallbackFailure: (request: CallbackFailureRequest) => Effect.Effect<void, CallbackFailure>
  readonly sendCallbackHeartbeat: (request: { readonly CallbackId: string }) => Effect.Effect<void, CallbackFailure>
}>()("@effect-durable/client/ExecutionApi") {}
