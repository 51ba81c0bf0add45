/**
 * The typed errors of effect-durable.
 *
 * Two families live here:
 *
 * - **operation errors** that user code sees and may handle (`StepError`,
 *   `StepInterruptedError`);
 * - **system failures** that end the invocation at once, whatever user code does
 *   (`NonDeterministicExecutionError`, `CheckpointFailedError`,
 *   `SerdesFailedError`, `ContextValidationError`, `ConfigValidationError`,
 *   `InvalidEventError`, `DeadlineApproachingError`). Operations report them
 *   to the supervisor, which terminates directly; they never travel through the
 *   workflow's error channel.
 *
 * The `_tag` of each error is the `ErrorType` written on the wire, the same
 * names the official SDK uses.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Who must react to a failure: `INVOCATION` errors fail this invocation only, so
 * Lambda retries it with a fresh token; `EXECUTION` errors fail the whole
 * durable execution.
 *
 * @category models
 * @since 0.1.0
 */
export const FailureScope = /*#__PURE__*/ Schema.Literals(["INVOCATION", "EXECUTION"])
/** @since 0.1.0 */
export type FailureScope = typeof FailureScope.Type

// The errors' classes and their shared fields are marked pure: a bundle leaves out the classes it never uses
// (a Lambda handler without callbacks or invokes: ~7 of the 17), each a schema built at import on a cold start.
const optionalString = /*#__PURE__*/ Schema.optionalKey(Schema.String)
const optionalDefect = /*#__PURE__*/ Schema.optionalKey(/*#__PURE__*/ Schema.Defect())

/**
 * A step failed and no error Schema was given for it. It carries the wire
 * `ErrorObject` fields, so the same error is rebuilt on replay.
 *
 * @example
 * ```ts
 * Durable.step("charge", charge).pipe(Effect.catchTag("StepError", (e) => Effect.log(e.errorType, e.message)))
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class StepError extends /*#__PURE__*/ Schema.TaggedError<StepError>()("StepError", {
  message: Schema.String,
  errorType: Schema.String,
  errorData: optionalString
}) {}

/**
 * An AtMostOncePerRetry step was found STARTED on replay: the attempt may or may
 * not have run, and running it again would break the at-most-once promise. The
 * retry policy decides whether a new attempt is made.
 *
 * @category errors
 * @since 0.1.0
 */
export class StepInterruptedError
  extends /*#__PURE__*/ Schema.TaggedError<StepInterruptedError>()("StepInterruptedError", {
    message: Schema.String,
    operationName: Schema.String
  })
{}

/**
 * The workflow took a different path on replay than on the run that wrote the
 * history: another type, name or subtype at the same position. The execution
 * fails.
 *
 * @category errors
 * @since 0.1.0
 */
export class NonDeterministicExecutionError
  extends /*#__PURE__*/ Schema.TaggedError<NonDeterministicExecutionError>()("NonDeterministicExecutionError", {
    message: Schema.String,
    operationId: Schema.String
  })
{}

/**
 * A checkpoint call failed. `scope` says whether Lambda should retry the
 * invocation (`INVOCATION`) or the execution fails (`EXECUTION`).
 *
 * @category errors
 * @since 0.1.0
 */
export class CheckpointFailedError
  extends /*#__PURE__*/ Schema.TaggedError<CheckpointFailedError>()("CheckpointFailedError", {
    message: Schema.String,
    scope: FailureScope,
    cause: optionalDefect
  })
{}

/**
 * A value could not be encoded to, or decoded from, its checkpointed form. Like
 * the official SDK, this fails the invocation (Lambda retries it), not the
 * execution.
 *
 * @category errors
 * @since 0.1.0
 */
export class SerdesFailedError extends /*#__PURE__*/ Schema.TaggedError<SerdesFailedError>()("SerdesFailedError", {
  message: Schema.String,
  operationName: optionalString,
  cause: optionalDefect
}) {}

/**
 * A durable operation was used where it may not be: inside a step, or after its
 * context has ended. The execution fails.
 *
 * @category errors
 * @since 0.1.0
 */
export class ContextValidationError
  extends /*#__PURE__*/ Schema.TaggedError<ContextValidationError>()("ContextValidationError", {
    message: Schema.String
  })
{}

/**
 * An operation was configured with values the service cannot accept: a name
 * that is too long, a negative wait, a retry policy that never stops. The
 * execution fails.
 *
 * @category errors
 * @since 0.1.0
 */
export class ConfigValidationError
  extends /*#__PURE__*/ Schema.TaggedError<ConfigValidationError>()("ConfigValidationError", {
    message: Schema.String
  })
{}

/**
 * The invocation event, or data read from the service, did not have the
 * expected shape. The message names the field.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidEventError extends /*#__PURE__*/ Schema.TaggedError<InvalidEventError>()("InvalidEventError", {
  message: Schema.String
}) {}

/**
 * The invocation was about to reach Lambda's deadline without an answer the
 * service would accept (a checkpoint call, a state read or the final drain
 * still in flight), and the service has nothing to wake the function up for:
 * rather than time out, the invocation fails so that Lambda retries it.
 *
 * @category errors
 * @since 0.1.0
 */
export class DeadlineApproachingError extends /*#__PURE__*/ Schema.TaggedError<DeadlineApproachingError>()(
  "DeadlineApproachingError",
  { message: Schema.String }
) {}

/**
 * The workflow failed with an error that has no Schema to encode it: the
 * rebuilt form of the wire `ErrorObject`.
 *
 * @category errors
 * @since 0.1.0
 */
export class WorkflowError extends /*#__PURE__*/ Schema.TaggedError<WorkflowError>()("WorkflowError", {
  message: Schema.String,
  errorType: Schema.String,
  errorData: optionalString
}) {}

/**
 * Every failure that ends an invocation before the workflow does.
 *
 * @category models
 * @since 0.1.0
 */
export type SystemFailure =
  | NonDeterministicExecutionError
  | PayloadTooLargeError
  | CheckpointFailedError
  | SerdesFailedError
  | ContextValidationError
  | ConfigValidationError
  | InvalidEventError
  | DeadlineApproachingError

/**
 * The execution input did not decode with the workflow's input Schema. The
 * execution fails: no retry can fix its input.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidInputError extends /*#__PURE__*/ Schema.TaggedError<InvalidInputError>()("InvalidInputError", {
  message: Schema.String
}) {}

/**
 * A child context failed and no error Schema was given for it: the rebuilt
 * form of the failure it checkpointed.
 *
 * @category errors
 * @since 0.1.0
 */
export class ChildContextError extends /*#__PURE__*/ Schema.TaggedError<ChildContextError>()("ChildContextError", {
  message: Schema.String,
  errorType: Schema.String,
  errorData: optionalString
}) {}

/**
 * A callback was completed with a failure by the external system (through
 * `SendDurableExecutionCallbackFailure`), or its result did not decode.
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackExternalError
  extends /*#__PURE__*/ Schema.TaggedError<CallbackExternalError>()("CallbackExternalError", {
    message: Schema.String,
    errorType: Schema.String,
    errorData: optionalString
  })
{}

/**
 * A callback was not completed (or not heartbeated) in time.
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackTimeoutError
  extends /*#__PURE__*/ Schema.TaggedError<CallbackTimeoutError>()("CallbackTimeoutError", {
    message: Schema.String
  })
{}

/**
 * The submitter of a `waitForCallback` failed (after its retries).
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackSubmitterError
  extends /*#__PURE__*/ Schema.TaggedError<CallbackSubmitterError>()("CallbackSubmitterError", {
    message: Schema.String,
    errorType: Schema.String,
    errorData: optionalString
  })
{}

/**
 * A chained invoke ended in failure: the invoked function failed (`FAILED`),
 * ran out of time (`TIMED_OUT`) or was stopped (`STOPPED`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvokeError extends /*#__PURE__*/ Schema.TaggedError<InvokeError>()("InvokeError", {
  message: Schema.String,
  status: /*#__PURE__*/ Schema.Literals(["FAILED", "TIMED_OUT", "STOPPED"]),
  errorType: optionalString,
  errorData: optionalString
}) {}

/**
 * A `waitForCondition` failed: its check failed, or its strategy gave up.
 *
 * @category errors
 * @since 0.1.0
 */
export class WaitForConditionError
  extends /*#__PURE__*/ Schema.TaggedError<WaitForConditionError>()("WaitForConditionError", {
    message: Schema.String,
    errorType: Schema.String,
    errorData: optionalString
  })
{}

/**
 * A payload is larger than the service accepts for one operation. The
 * execution fails: retrying cannot make it smaller.
 *
 * @category errors
 * @since 0.1.0
 */
export class PayloadTooLargeError
  extends /*#__PURE__*/ Schema.TaggedError<PayloadTooLargeError>()("PayloadTooLargeError", {
    message: Schema.String,
    operationName: Schema.String,
    bytes: Schema.Number,
    limit: Schema.Number
  })
{}
