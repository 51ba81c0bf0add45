/**
 * The typed errors of the client: what the Lambda API answers, as tagged
 * errors service code can match on, and what the client refuses before it
 * sends anything.
 *
 * Both transports (the AWS SDK, the local emulator) map the service's
 * exceptions to the same errors:
 *
 * | the service answers | the client fails with |
 * |---|---|
 * | `ResourceNotFoundException` for an execution | {@link ExecutionNotFoundError} |
 * | `ResourceNotFoundException` for a function | {@link FunctionNotFoundError} |
 * | `ResourceNotFoundException` for a callback | {@link CallbackNotFoundError} |
 * | `CallbackTimeoutException` | {@link CallbackTimedOutError} |
 * | `DurableExecutionAlreadyStartedException` | {@link ExecutionAlreadyStartedError} |
 * | anything else (throttling after retries, 5xx, access denied, network) | {@link LambdaApiError} |
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * No durable execution has this ARN (the service's `ResourceNotFoundException`).
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionNotFoundError extends Schema.TaggedError<ExecutionNotFoundError>()("ExecutionNotFoundError", {
  arn: Schema.String,
  message: Schema.String
}) {}

/**
 * No function has this name (or the version or alias does not exist).
 *
 * @category errors
 * @since 0.1.0
 */
export class FunctionNotFoundError extends Schema.TaggedError<FunctionNotFoundError>()("FunctionNotFoundError", {
  functionName: Schema.String,
  message: Schema.String
}) {}

/**
 * An execution with this name already exists for the function, started with
 * another input (the service's `DurableExecutionAlreadyStartedException`).
 * Starting again with the same name and the same input is not an error: it
 * gives the existing execution.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionAlreadyStartedError
  extends Schema.TaggedError<ExecutionAlreadyStartedError>()("ExecutionAlreadyStartedError", {
    functionName: Schema.String,
    executionName: Schema.String,
    message: Schema.String
  })
{}

/**
 * The execution has already ended (with another status than STOPPED), so it
 * cannot be stopped.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionNotRunningError extends Schema.TaggedError<ExecutionNotRunningError>()(
  "ExecutionNotRunningError",
  { arn: Schema.String, status: Schema.String, message: Schema.String }
) {}

/**
 * No callback has this id (the service's `ResourceNotFoundException`).
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackNotFoundError extends Schema.TaggedError<CallbackNotFoundError>()("CallbackNotFoundError", {
  callbackId: Schema.String,
  message: Schema.String
}) {}

/**
 * The callback can no longer be completed: it timed out, or it was already
 * completed (the service's `CallbackTimeoutException`, which says both).
 *
 * `retried` is `true` when the call was sent again after a failure in transit
 * (a lost response, a timeout): the earlier attempt of this very call may be
 * what completed the callback. The service never applies a completion twice.
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackTimedOutError extends Schema.TaggedError<CallbackTimedOutError>()("CallbackTimedOutError", {
  callbackId: Schema.String,
  message: Schema.String,
  retried: Schema.Boolean
}) {}

/**
 * A value could not be sent or read: an input, a callback result or an error
 * that its Schema cannot encode, or that is larger than the service accepts
 * (refused before any call); an output, an error or an event that does not
 * decode (a workflow deployed with other Schemas than the client's).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidPayloadError extends Schema.TaggedError<InvalidPayloadError>()("InvalidPayloadError", {
  /** What the payload is: `input`, `output`, `error`, `callback result`, `history`, ... */
  payload: Schema.String,
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * A request the service would refuse, refused before it is sent: an execution
 * name that is not 1 to 64 characters of `[a-zA-Z0-9-_]`, an empty function
 * name, a page size out of range.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()("InvalidRequestError", {
  message: Schema.String
}) {}

/**
 * A call to the Lambda API failed in a way none of the other errors describe:
 * throttling that outlasted the retries, a service error, missing permissions,
 * the network. `errorName` is the service's exception name (or the transport's
 * error name) and `statusCode` the HTTP status, when there was one.
 *
 * @category errors
 * @since 0.1.0
 */
export class LambdaApiError extends Schema.TaggedError<LambdaApiError>()("LambdaApiError", {
  /** The API call, e.g. `Invoke`, `GetDurableExecution`. */
  operation: Schema.String,
  errorName: Schema.String,
  message: Schema.String,
  statusCode: Schema.optionalKey(Schema.Number),
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * The execution was stopped (`StopDurableExecution`) before it ended. `errorType`,
 * `errorData` and the message are those of the error given to the stop, if any.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionStoppedError extends Schema.TaggedError<ExecutionStoppedError>()("ExecutionStoppedError", {
  arn: Schema.String,
  message: Schema.String,
  errorType: Schema.optionalKey(Schema.String),
  errorData: Schema.optionalKey(Schema.String)
}) {}

/**
 * The execution ran out of time (its `ExecutionTimeout`).
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionTimedOutError extends Schema.TaggedError<ExecutionTimedOutError>()("ExecutionTimedOutError", {
  arn: Schema.String,
  message: Schema.String
}) {}

/**
 * `result` gave up: its Schedule ended while the execution was still running.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionStillRunningError extends Schema.TaggedError<ExecutionStillRunningError>()(
  "ExecutionStillRunningError",
  { arn: Schema.String, message: Schema.String }
) {}
