/**
 * One invocation of a durable workflow: the engine behind every entrypoint.
 * (implementation in progress)
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { CheckpointClient } from "./CheckpointClient.ts"
import type { CheckpointFailedError, InvalidEventError, SerdesFailedError } from "./DurableError.ts"
import type * as Termination from "./Termination.ts"
import type * as Wire from "./Wire.ts"
import type * as Workflow from "./Workflow.ts"

/**
 * Options of {@link handle}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Epoch milliseconds (on Effect's Clock) at which Lambda ends the invocation. Defaults to 15 minutes from the start. */
  readonly deadline?: number | undefined
  /** Overrides of the termination policy. */
  readonly policy?: Partial<Termination.Policy> | undefined
  /** The Lambda request id, for logs. */
  readonly requestId?: string | undefined
}

/**
 * Failures that end the invocation without a result: Lambda retries the
 * invocation (the Lambda adapter rethrows them).
 *
 * @category models
 * @since 0.1.0
 */
export type InvocationFailure = CheckpointFailedError | SerdesFailedError | InvalidEventError

/**
 * Runs one invocation of `workflow` for a raw Lambda event and returns what the
 * function must answer the service.
 *
 * @category running
 * @since 0.1.0
 */
export const handle = <W extends Workflow.Any>(
  _workflow: W,
  _event: unknown,
  _options?: Options
): Effect.Effect<Wire.InvocationOutput, InvocationFailure, CheckpointClient | Workflow.Services<W>> =>
  Effect.die("not implemented yet")
