/**
 * The wire model of executions as service code sees them (summaries, the
 * answer of `GetDurableExecution`, history events). `Wire` re-exports them;
 * they live here so that a bundle without service code (a Lambda handler)
 * leaves them out.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { ErrorObject, Timestamp } from "./wireBlocks.ts"

/**
 * The status of a whole durable execution.
 *
 * @category literals
 * @since 0.1.0
 */
export const ExecutionStatus = Schema.Literals(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"])
/** @since 0.1.0 */
export type ExecutionStatus = typeof ExecutionStatus.Type

/**
 * One execution in the answer of `ListDurableExecutionsByFunction` (the
 * service's `Execution`).
 *
 * @category schemas
 * @since 0.1.0
 */
export const ExecutionSummary = Schema.Struct({
  DurableExecutionArn: Schema.String,
  DurableExecutionName: Schema.String,
  FunctionArn: Schema.String,
  Status: ExecutionStatus,
  StartTimestamp: Timestamp,
  EndTimestamp: Schema.optionalKey(Timestamp)
})
/** @since 0.1.0 */
export type ExecutionSummary = typeof ExecutionSummary.Type

/**
 * The answer of `GetDurableExecution`: the summary, the function version, and
 * (when asked with `IncludeExecutionData`) the input, the result or the error.
 *
 * @category schemas
 * @since 0.1.0
 */
export const GetExecutionResponse = Schema.Struct({
  ...ExecutionSummary.fields,
  InputPayload: Schema.optionalKey(Schema.String),
  Result: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject),
  Version: Schema.optionalKey(Schema.String)
})
/** @since 0.1.0 */
export type GetExecutionResponse = typeof GetExecutionResponse.Type

/**
 * The types of event of an execution's history (`GetDurableExecutionHistory`)
 * that this SDK knows. A history event may have another type (one the service
 * added later): {@link HistoryEvent} keeps it, as its string.
 *
 * @category literals
 * @since 0.1.0
 */
export const HistoryEventType = Schema.Literals([
  "ExecutionStarted",
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionTimedOut",
  "ExecutionStopped",
  "ContextStarted",
  "ContextSucceeded",
  "ContextFailed",
  "WaitStarted",
  "WaitSucceeded",
  "WaitCancelled",
  "StepStarted",
  "StepSucceeded",
  "StepFailed",
  "ChainedInvokeStarted",
  "ChainedInvokeSucceeded",
  "ChainedInvokeFailed",
  "ChainedInvokeTimedOut",
  "ChainedInvokeStopped",
  "CallbackStarted",
  "CallbackSucceeded",
  "CallbackFailed",
  "CallbackTimedOut",
  "InvocationCompleted"
])
/** @since 0.1.0 */
export type HistoryEventType = typeof HistoryEventType.Type

/** A payload in a history event (`EventInput`, `EventResult`). @category schemas @since 0.1.0 */
export const EventPayload = Schema.Struct({
  Payload: Schema.optionalKey(Schema.String),
  Truncated: Schema.optionalKey(Schema.Boolean)
})
/** An error in a history event (`EventError`). @category schemas @since 0.1.0 */
export const EventError = Schema.Struct({
  Payload: Schema.optionalKey(ErrorObject),
  Truncated: Schema.optionalKey(Schema.Boolean)
})
/** @category schemas @since 0.1.0 */
export const RetryDetails = Schema.Struct({
  CurrentAttempt: Schema.optionalKey(Schema.Number),
  NextAttemptDelaySeconds: Schema.optionalKey(Schema.Number)
})

const withResult = Schema.Struct({ Result: Schema.optionalKey(EventPayload) })
const withError = Schema.Struct({ Error: Schema.optionalKey(EventError) })
const empty = Schema.Struct({})

/**
 * One event of an execution's history, with the service's field names: which
 * operation it is about (`Id`, `Name`, `ParentId`, `SubType`), when, and the
 * details of its type (`StepSucceededDetails`, `CallbackStartedDetails`, ...).
 * Payloads are the wire strings; timestamps decode to `Date`.
 *
 * An event of a type this SDK does not know (one the service added later, see
 * {@link HistoryEventType}) decodes too: its `EventType` is the service's
 * string and its details (`<EventType>Details`) are kept as they came, so a
 * newer service never breaks a reader of the history.
 *
 * @example
 * ```ts
 * const callbackIds = events.flatMap((e) => e.CallbackStartedDetails?.CallbackId ?? [])
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const HistoryEvent = Schema.StructWithRest(Schema.Struct({
  EventType: Schema.Union([HistoryEventType, Schema.String]),
  EventId: Schema.Number,
  EventTimestamp: Timestamp,
  Id: Schema.optionalKey(Schema.String),
  Name: Schema.optionalKey(Schema.String),
  ParentId: Schema.optionalKey(Schema.String),
  SubType: Schema.optionalKey(Schema.String),
  ExecutionStartedDetails: Schema.optionalKey(Schema.Struct({
    Input: Schema.optionalKey(EventPayload),
    ExecutionTimeout: Schema.optionalKey(Schema.Number)
  })),
  ExecutionSucceededDetails: Schema.optionalKey(withResult),
  ExecutionFailedDetails: Schema.optionalKey(withError),
  ExecutionTimedOutDetails: Schema.optionalKey(withError),
  ExecutionStoppedDetails: Schema.optionalKey(withError),
  ContextStartedDetails: Schema.optionalKey(empty),
  ContextSucceededDetails: Schema.optionalKey(withResult),
  ContextFailedDetails: Schema.optionalKey(withError),
  WaitStartedDetails: Schema.optionalKey(Schema.Struct({
    Duration: Schema.optionalKey(Schema.Number),
    ScheduledEndTimestamp: Schema.optionalKey(Timestamp)
  })),
  WaitSucceededDetails: Schema.optionalKey(Schema.Struct({ Duration: Schema.optionalKey(Schema.Number) })),
  WaitCancelledDetails: Schema.optionalKey(withError),
  StepStartedDetails: Schema.optionalKey(empty),
  StepSucceededDetails: Schema.optionalKey(Schema.Struct({
    Result: Schema.optionalKey(EventPayload),
    RetryDetails: Schema.optionalKey(RetryDetails)
  })),
  StepFailedDetails: Schema.optionalKey(Schema.Struct({
    Error: Schema.optionalKey(EventError),
    RetryDetails: Schema.optionalKey(RetryDetails)
  })),
  ChainedInvokeStartedDetails: Schema.optionalKey(Schema.Struct({
    FunctionName: Schema.optionalKey(Schema.String),
    TenantId: Schema.optionalKey(Schema.String),
    Input: Schema.optionalKey(EventPayload),
    ExecutedVersion: Schema.optionalKey(Schema.String),
    DurableExecutionArn: Schema.optionalKey(Schema.String)
  })),
  ChainedInvokeSucceededDetails: Schema.optionalKey(withResult),
  ChainedInvokeFailedDetails: Schema.optionalKey(withError),
  ChainedInvokeTimedOutDetails: Schema.optionalKey(withError),
  ChainedInvokeStoppedDetails: Schema.optionalKey(withError),
  CallbackStartedDetails: Schema.optionalKey(Schema.Struct({
    CallbackId: Schema.optionalKey(Schema.String),
    HeartbeatTimeout: Schema.optionalKey(Schema.Number),
    Timeout: Schema.optionalKey(Schema.Number)
  })),
  CallbackSucceededDetails: Schema.optionalKey(withResult),
  CallbackFailedDetails: Schema.optionalKey(withError),
  CallbackTimedOutDetails: Schema.optionalKey(withError),
  InvocationCompletedDetails: Schema.optionalKey(Schema.Struct({
    StartTimestamp: Schema.optionalKey(Timestamp),
    EndTimestamp: Schema.optionalKey(Timestamp),
    RequestId: Schema.optionalKey(Schema.String),
    Error: Schema.optionalKey(EventError)
  }))
}), [Schema.Record(Schema.TemplateLiteral([Schema.String, "Details"]), Schema.Unknown)])
/** @since 0.1.0 */
export type HistoryEvent = typeof HistoryEvent.Type

