/**
 * Conversions between the core wire model and the shapes of
 * `@aws-sdk/client-lambda`, shared by every transport adapter.
 */
import type {
  CheckpointDurableExecutionRequest,
  ErrorObject as AwsErrorObject,
  OperationUpdate as AwsOperationUpdate
} from "@aws-sdk/client-lambda"
import { CheckpointClient, Wire } from "@effect-durable/core"
import { Schema } from "effect"

// ---------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------

const toAwsError = (error: Wire.ErrorObject): AwsErrorObject => ({
  ...error,
  StackTrace: error.StackTrace === undefined ? undefined : [...error.StackTrace]
})

const toAwsUpdate = (update: Wire.OperationUpdate): AwsOperationUpdate => ({
  ...update,
  Error: update.Error === undefined ? undefined : toAwsError(update.Error)
})

export const toAwsCheckpointRequest = (request: Wire.CheckpointRequest): CheckpointDurableExecutionRequest => ({
  ...request,
  Updates: request.Updates?.map(toAwsUpdate)
})

/**
 * Copies a value the AWS client returned, dropping every key whose value is
 * `undefined` (the AWS types say `T | undefined`, the wire schemas say "absent"),
 * so the result can be decoded with the `Wire` schemas. `Date`s are kept.
 */
export const stripUndefined = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stripUndefined)
  if (value === null || typeof value !== "object" || value instanceof Date) return value
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) out[key] = stripUndefined(field)
  }
  return out
}

export const decodeGetStateResponse = Schema.decodeUnknownEffect(Wire.GetStateResponse)
export const decodeCheckpointResponse = Schema.decodeUnknownEffect(Wire.CheckpointResponse)

/** A response that does not decode: nothing was lost on the service's side. */
export const malformedResponse = (operation: string, cause: Schema.SchemaError): CheckpointClient.CheckpointClientError =>
  new CheckpointClient.CheckpointClientError({
    // Nothing was lost on the service's side: a new invocation reads the state again.
    message: `Lambda ${operation} returned a malformed response: ${cause.message}`,
    scope: CheckpointClient.classify({ name: "MalformedResponse", message: cause.message }),
    errorName: "MalformedResponse",
    cause
  })

