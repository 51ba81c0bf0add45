/**
 * Transport injection: the core `CheckpointClient` over any object with the
 * official SDK's `DurableExecutionClient` shape (`getExecutionState` and
 * `checkpoint`, Promise-returning, with the request and response shapes of the
 * AWS SDK commands).
 *
 * This is what lets tools built for `@aws/durable-execution-sdk-js` drive an
 * effect-durable handler: the official testing library's
 * `LocalDurableTestRunner` injects its in-process checkpoint server into the
 * event (`DurableExecutionInvocationInputWithClient`, a `durableExecutionClient`
 * property), and `LambdaHandler.make` takes one in its options.
 *
 * Failures thrown by the transport are classified as the official SDK does: a
 * `DurableExecutionClientError` (recognized structurally: its
 * `isDurableExecutionClientError` marker and a `scope` of `INVOCATION` or
 * `EXECUTION`) is believed as stated; anything else goes through
 * `CheckpointClient.classify` (an invalid checkpoint token, 429, 5xx and
 * network errors fail the invocation; KMS errors and other 4xx fail the
 * execution).
 *
 * @since 0.1.0
 */
import type {
  CheckpointDurableExecutionRequest,
  CheckpointDurableExecutionResponse,
  GetDurableExecutionStateRequest,
  GetDurableExecutionStateResponse
} from "@aws-sdk/client-lambda"
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import type * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { fromPromises } from "./internal/conversions.ts"
import { toCheckpointClientError as classifyAwsFailure } from "./internal/transport.ts"

/**
 * The official SDK's transport interface (`DurableExecutionClient` of
 * `@aws/durable-execution-sdk-js`): the SDK's `DurableExecutionApiClient`, the
 * testing library's `LocalRunnerClient`, or your own. The optional `logger`
 * argument of the official interface is accepted and never passed.
 *
 * @example
 * ```ts
 * const transport: DurableExecutionClient.DurableExecutionClient = {
 *   getExecutionState: (params) => myHttp.get(params),
 *   checkpoint: (params) => myHttp.post(params)
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DurableExecutionClient {
  getExecutionState(params: GetDurableExecutionStateRequest, logger?: never): Promise<GetDurableExecutionStateResponse>
  checkpoint(params: CheckpointDurableExecutionRequest, logger?: never): Promise<CheckpointDurableExecutionResponse>
}

/**
 * Whether a value has the `DurableExecutionClient` shape.
 *
 * @category guards
 * @since 0.1.0
 */
export const isDurableExecutionClient = (u: unknown): u is DurableExecutionClient =>
  typeof u === "object" && u !== null && "getExecutionState" in u && typeof u.getExecutionState === "function" &&
  "checkpoint" in u && typeof u.checkpoint === "function"

/**
 * The transport a harness injected into the invocation event (the official
 * testing library's `DurableExecutionInvocationInputWithClient`: a
 * `durableExecutionClient` property next to the usual fields), if any.
 *
 * @example
 * ```ts
 * DurableExecutionClient.fromEvent({ DurableExecutionArn, CheckpointToken, durableExecutionClient: transport }) // transport
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromEvent = (event: unknown): DurableExecutionClient | undefined =>
  typeof event === "object" && event !== null && "durableExecutionClient" in event &&
    isDurableExecutionClient(event.durableExecutionClient)
    ? event.durableExecutionClient
    : undefined

/**
 * Turns a failure thrown by a transport into a `CheckpointClientError`: a
 * `DurableExecutionClientError` keeps its stated scope; anything else is
 * classified from its `name`, `message` and `$metadata.httpStatusCode` with
 * `CheckpointClient.classify`.
 *
 * @example
 * ```ts
 * DurableExecutionClient.toCheckpointClientError("checkpoint", Object.assign(new Error("Rate exceeded"), { $metadata: { httpStatusCode: 429 } })).scope // "INVOCATION"
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const toCheckpointClientError = (operation: string, cause: unknown): CheckpointClient.CheckpointClientError => {
  const classified = classifyAwsFailure(operation, cause)
  const stated = statedScope(cause)
  if (stated === undefined) return classified
  return new CheckpointClient.CheckpointClientError({
    message: classified.message,
    scope: stated,
    ...(classified.errorName === undefined ? {} : { errorName: classified.errorName }),
    ...(classified.statusCode === undefined ? {} : { statusCode: classified.statusCode }),
    ...(classified.cause === undefined ? {} : { cause: classified.cause })
  })
}

/** The scope a `DurableExecutionClientError` states, if the failure is one (read without ever throwing). */
const statedScope = (cause: unknown): "INVOCATION" | "EXECUTION" | undefined => {
  try {
    if (!(cause instanceof Error) || !("isDurableExecutionClientError" in cause)) return undefined
    if (cause.isDurableExecutionClientError !== true || !("scope" in cause)) return undefined
    return cause.scope === "INVOCATION" || cause.scope === "EXECUTION" ? cause.scope : undefined
  } catch {
    return undefined
  }
}

/**
 * Builds the `CheckpointClient` service over a transport. Calls are traced
 * (`DurableExecutionClient.getExecutionState`, `DurableExecutionClient.checkpoint`);
 * interrupting one abandons its promise (the interface has no cancellation).
 *
 * @example
 * ```ts
 * const service = DurableExecutionClient.make(new DurableExecutionApiClient(lambdaClient))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  transport: DurableExecutionClient
): Context.Service.Shape<typeof CheckpointClient.CheckpointClient> =>
  // The official shape takes no abort signal: an interrupted call is abandoned, not aborted.
  fromPromises("DurableExecutionClient", {
    abortable: false,
    getExecutionState: (request) => transport.getExecutionState(request),
    checkpoint: (request) => transport.checkpoint(request)
  }, toCheckpointClientError)

/**
 * Provides the `CheckpointClient` over a transport.
 *
 * @example
 * ```ts
 * LambdaHandler.make(Greet, { checkpointClient: DurableExecutionClient.layer(transport) })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (transport: DurableExecutionClient): Layer.Layer<CheckpointClient.CheckpointClient> =>
  Layer.succeed(CheckpointClient.CheckpointClient, make(transport))
