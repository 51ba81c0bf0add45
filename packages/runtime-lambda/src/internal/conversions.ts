/**
 * Conversions between the core wire model and the shapes of
 * `@aws-sdk/client-lambda`, shared by every transport adapter.
 */
import type {
  CheckpointDurableExecutionResponse,
  GetDurableExecutionStateRequest,
  GetDurableExecutionStateResponse,
  CheckpointDurableExecutionRequest,
  ErrorObject as AwsErrorObject,
  OperationUpdate as AwsOperationUpdate
} from "@aws-sdk/client-lambda"
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import * as Wire from "@effect-durable/core/Wire"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

const toAwsError = (error: Wire.ErrorObject): AwsErrorObject => ({
  ...error,
  StackTrace: error.StackTrace === undefined ? undefined : [...error.StackTrace]
})

// The AWS types are mutable where the wire types are readonly; only an error's
// `StackTrace` differs in type, so only an update with an error is copied.
const toAwsUpdate = (update: Wire.OperationUpdate): AwsOperationUpdate =>
  update.Error === undefined
    ? update as Omit<Wire.OperationUpdate, "Error">
    : { ...update, Error: toAwsError(update.Error) }

export const toAwsCheckpointRequest = (request: Wire.CheckpointRequest): CheckpointDurableExecutionRequest => ({
  ...request,
  Updates: request.Updates?.map(toAwsUpdate)
})

/** A response that does not decode: nothing was lost on the service's side. */
export const malformedResponse = (operation: string, cause: Schema.SchemaError): CheckpointClient.CheckpointClientError =>
  new CheckpointClient.CheckpointClientError({
    // Nothing was lost on the service's side: a new invocation reads the state again.
    message: `Lambda ${operation} returned a malformed response: ${cause.message}`,
    scope: CheckpointClient.classify({ name: "MalformedResponse", message: cause.message }),
    errorName: "MalformedResponse",
    cause
  })


// A transport typed to return a response may still return anything (`null`, `undefined`, a string).
const isObject = (value: unknown): value is object => typeof value === "object" && value !== null

const notAnObject = (value: unknown): string => `the response is ${value === null ? "null" : typeof value}, not an object`

/**
 * The two calls of the durable execution API, as Promise-returning functions
 * over the AWS SDK's shapes: calls that abort their request on a signal, or
 * calls that cannot (an interrupted call is then abandoned).
 */
export type PromiseCalls =
  | {
    readonly abortable: true
    readonly getExecutionState: (
      request: GetDurableExecutionStateRequest,
      signal: AbortSignal
    ) => Promise<GetDurableExecutionStateResponse>
    readonly checkpoint: (
      request: CheckpointDurableExecutionRequest,
      signal: AbortSignal
    ) => Promise<CheckpointDurableExecutionResponse>
  }
  | {
    readonly abortable: false
    readonly getExecutionState: (request: GetDurableExecutionStateRequest) => Promise<GetDurableExecutionStateResponse>
    readonly checkpoint: (request: CheckpointDurableExecutionRequest) => Promise<CheckpointDurableExecutionResponse>
  }

/**
 * `effect` in a span, when a tracing backend is installed (the native tracer
 * exports nothing: no span is made for it, as the core does for operations).
 */
export const traced = <A, E, R>(
  name: string,
  attributes: Record<string, unknown>,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
      ? effect
      : Effect.withSpan(effect, name, { attributes, captureStackTrace: false })
  )

/**
 * The `CheckpointClient` over Promise-returning calls: each call is a span
 * named `<name>.<call>` (when a tracing backend is installed), interruptible
 * (an abortable call's signal aborts the request), its failures classified by
 * `toError`, its response decoded with the wire Schemas (a malformed response
 * is an invocation error).
 */
export const fromPromises = (
  name: string,
  calls: PromiseCalls,
  toError: (operation: string, cause: unknown) => CheckpointClient.CheckpointClientError
): Context.Service.Shape<typeof CheckpointClient.CheckpointClient> => {
  // Effect makes an AbortController for each call whose function takes the signal: only
  // calls that can abort their request take it (one call per checkpoint, on the hot path).
  const getExecutionState = (request: Wire.GetStateRequest) =>
    traced(
      `${name}.getExecutionState`,
      { "durable.execution_arn": request.DurableExecutionArn, "durable.marker": request.Marker ?? "" },
      Effect.flatMap(
        Effect.tryPromise({
          try: calls.abortable
            ? (signal: AbortSignal) => calls.getExecutionState({ ...request }, signal)
            : () => calls.getExecutionState({ ...request }),
          catch: (cause) => toError("GetDurableExecutionState", cause)
        }),
        (output) =>
          isObject(output)
            ? Wire.decodeGetStateResponse({ Operations: output.Operations, NextMarker: output.NextMarker }).pipe(
              Effect.mapError((error) => malformedResponse("GetDurableExecutionState", error))
            )
            : CheckpointClient.malformed("GetDurableExecutionState", notAnObject(output))
      )
    )

  const checkpoint = (request: Wire.CheckpointRequest) =>
    traced(
      `${name}.checkpoint`,
      { "durable.execution_arn": request.DurableExecutionArn, "durable.updates": request.Updates?.length ?? 0 },
      Effect.flatMap(
        Effect.tryPromise({
          try: calls.abortable
            ? (signal: AbortSignal) => calls.checkpoint(toAwsCheckpointRequest(request), signal)
            : () => calls.checkpoint(toAwsCheckpointRequest(request)),
          catch: (cause) => toError("CheckpointDurableExecution", cause)
        }),
        (output) =>
          isObject(output)
            ? Wire.decodeCheckpointResponse({
              CheckpointToken: output.CheckpointToken,
              NewExecutionState: output.NewExecutionState
            }).pipe(Effect.mapError((error) => malformedResponse("CheckpointDurableExecution", error)))
            : CheckpointClient.malformed("CheckpointDurableExecution", notAnObject(output))
      )
    )

  return CheckpointClient.CheckpointClient.of({ getExecutionState, checkpoint })
}
