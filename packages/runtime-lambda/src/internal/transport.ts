/**
 * What the Lambda transports share (the AWS SDK's client, the light one,
 * injected ones): the version named in their user agents, and how a failed
 * call becomes a classified `CheckpointClientError`. Apart from
 * `LambdaCheckpointClient` so that a bundle of the light transport does not
 * take in the AWS SDK's client with it.
 */
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import * as Payload from "@effect-durable/core/Payload"

/** The version of effect-durable named in the transports' user agents. */
export const VERSION = "0.1.0"

/**
 * A failed call (an AWS SDK exception, a network error, anything thrown) as a
 * `CheckpointClientError`, classified with `CheckpointClient.classify`,
 * keeping the error name, the HTTP status and the original error as `cause`.
 */
export const toCheckpointClientError = (operation: string, cause: unknown): CheckpointClient.CheckpointClientError => {
  const failure = CheckpointClient.describeFailure(cause)
  const name = failure.name ?? "UnknownError"
  const status = failure.statusCode === undefined ? "" : ` (HTTP ${failure.statusCode})`
  return new CheckpointClient.CheckpointClientError({
    message: `Lambda ${operation} failed: ${name}: ${failure.message ?? "no message"}${status}`,
    scope: CheckpointClient.classify(failure),
    errorName: name,
    ...(failure.statusCode === undefined ? {} : { statusCode: failure.statusCode }),
    // Logs print causes: a value that throws when read is left out.
    ...(Payload.isReadable(cause) ? { cause } : {})
  })
}
