/**
 * The execution history as the service reports it (`GetDurableExecutionHistory`):
 * one event per thing that happened, numbered from 1, in the `Event` shape of
 * `@aws-sdk/client-lambda`.
 *
 * The history is a pure function of what the `Emulator` recorded (its
 * `Event`s), so it needs nothing but that list: whatever stores the emulator's
 * events can serve the history. The rules, as the service applies them:
 *
 * - `ExecutionStarted` is event 1; every accepted update of a checkpoint adds
 *   one event, in the order of the batch (`StepStarted`, `StepSucceeded`
 *   for a SUCCEED and for a RETRY without an error (a `waitForCondition`
 *   check), `StepFailed` for a FAIL and for a RETRY with an error,
 *   `WaitStarted`, `WaitCancelled`,
 *   `CallbackStarted`, `ContextStarted`/`Succeeded`/`Failed`,
 *   `ChainedInvokeStarted`/`Stopped`); an EXECUTION update adds nothing of its
 *   own (the execution's end follows);
 * - the service's own changes add theirs when they happen: `WaitSucceeded` at
 *   the wait's scheduled end, `CallbackSucceeded`/`Failed` when the callback is
 *   completed, `CallbackTimedOut`, `ChainedInvoke*` when the invoked function
 *   ends; a step becoming READY for its next attempt adds nothing;
 * - every invocation adds `InvocationCompleted` when it ends, with an `Error`
 *   when it ended without an answer (`Runtime.ExitError` for a crash);
 * - the execution's end adds `ExecutionSucceeded`, `ExecutionFailed`,
 *   `ExecutionStopped` or `ExecutionTimedOut`.
 *
 * Payloads are `{ Payload, Truncated: false }` (left out with
 * `includeExecutionData: false`).
 *
 * @example
 * ```ts
 * import { History } from "@effect-durable/testing"
 *
 * const events = History.fromExecution(yield* emulator.execution(arn))
 * events.map((e) => e.EventType) // ["ExecutionStarted", "StepStarted", "StepSucceeded", "InvocationCompleted", ...]
 * ```
 *
 * @since 0.1.0
 */
import type * as Wire from "@effect-durable/core/Wire"
import type { Event as EmulatorEvent, Execution } from "./Emulator.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * One event of the history: `Wire.HistoryEvent`, the service's shape.
 *
 * @category models
 * @since 0.1.0
 */
export type Event = Wire.HistoryEvent

type EventPayload = typeof Wire.EventPayload.Type
type EventError = typeof Wire.EventError.Type

/**
 * Options of {@link fromEvents}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Include inputs, results and errors (`IncludeExecutionData`). Defaults to `true`. */
  readonly includeExecutionData?: boolean | undefined
}

// ---------------------------------------------------------------------------
// Derivation
// ---------------------------------------------------------------------------

type Body = Omit<Event, "EventId">

/** What the derivation remembers between emulator events. */
interface Memory {
  readonly include: boolean
  executionId: string | undefined
  executionName: string | undefined
  /** `WaitSeconds` of every started wait, for `WaitSucceeded`. */
  readonly waitSeconds: Map<string, number>
  /** Start time of every invocation. */
  readonly invocationStarts: Map<number, number>
  /** The execution each chained invoke started, by operation (recorded after its START: read ahead). */
  readonly invoked: ReadonlyMap<string, { readonly executionArn: string; readonly executedVersion: string }>
}

const payload = (memory: Memory, value: string | undefined): EventPayload =>
  memory.include && value !== undefined ? { Payload: value, Truncated: false } : { Truncated: false }

const errorPayload = (memory: Memory, value: Wire.ErrorObject | undefined): EventError =>
  memory.include && value !== undefined ? { Payload: value, Truncated: false } : { Truncated: false }

const identity = (source: {
  readonly Id: string
  readonly Name?: string | undefined
  readonly ParentId?: string | undefined
  readonly SubType?: string | undefined
}, at: number) => ({
  ...(source.SubType === undefined ? {} : { SubType: source.SubType }),
  Id: source.Id,
  ...(source.Name === undefined ? {} : { Name: source.Name }),
  EventTimestamp: new Date(at),
  ...(source.ParentId === undefined ? {} : { ParentId: source.ParentId })
})

/** `A` with its possibly-undefined fields made optional. */
type Defined<A> =
  & { readonly [K in keyof A as undefined extends A[K] ? never : K]: A[K] }
  & { readonly [K in keyof A as undefined extends A[K] ? K : never]?: Exclude<A[K], undefined> }

/** Leaves out the fields whose value is `undefined`, as the service's JSON does. */
const definedFields = <A extends Record<string, unknown>>(fields: A): Defined<A> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value
  return out as Defined<A>
}

/** The event of one accepted update; `operation` is the operation after the whole batch. */
const updateEvent = (
  memory: Memory,
  update: Wire.OperationUpdate,
  operation: Wire.Operation | undefined,
  at: number
): Body | undefined => {
  const base = identity(update, at)
  const attempt = operation?.StepDetails?.Attempt
  switch (`${update.Type} ${update.Action}`) {
    case "STEP START":
      return { EventType: "StepStarted", ...base, StepStartedDetails: {} }
    case "STEP SUCCEED":
      return {
        EventType: "StepSucceeded",
        ...base,
        StepSucceededDetails: {
          Result: payload(memory, update.Payload),
          RetryDetails: definedFields({ CurrentAttempt: attempt })
        }
      }
    case "STEP FAIL":
    case "STEP RETRY":
      // A RETRY without an error carries the state a waitForCondition polls with: the service reports
      // the check as a success, with the delay before the next one.
      if (update.Action === "RETRY" && update.Error === undefined) {
        return {
          EventType: "StepSucceeded",
          ...base,
          StepSucceededDetails: {
            Result: payload(memory, update.Payload),
            RetryDetails: definedFields({
              CurrentAttempt: attempt,
              NextAttemptDelaySeconds: update.StepOptions?.NextAttemptDelaySeconds ?? 0
            })
          }
        }
      }
      return {
        EventType: "StepFailed",
        ...base,
        StepFailedDetails: {
          Error: errorPayload(memory, update.Error),
          RetryDetails: definedFields({
            CurrentAttempt: attempt,
            NextAttemptDelaySeconds: update.Action === "RETRY" ? update.StepOptions?.NextAttemptDelaySeconds ?? 0 : undefined
          })
        }
      }
    case "WAIT START": {
      const seconds = update.WaitOptions?.WaitSeconds ?? 0
      memory.waitSeconds.set(update.Id, seconds)
      return {
        EventType: "WaitStarted",
        ...base,
        WaitStartedDetails: {
          Duration: seconds,
          ScheduledEndTimestamp: operation?.WaitDetails?.ScheduledEndTimestamp ?? new Date(at + seconds * 1000)
        }
      }
    }
    case "WAIT CANCEL":
      return { EventType: "WaitCancelled", ...base, WaitCancelledDetails: {} }
    case "CALLBACK START":
      return {
        EventType: "CallbackStarted",
        ...base,
        CallbackStartedDetails: definedFields({
          CallbackId: operation?.CallbackDetails?.CallbackId ?? "",
          HeartbeatTimeout: update.CallbackOptions?.HeartbeatTimeoutSeconds,
          Timeout: update.CallbackOptions?.TimeoutSeconds
        })
      }
    case "CONTEXT START":
      return { EventType: "ContextStarted", ...base, ContextStartedDetails: {} }
    case "CONTEXT SUCCEED":
      return { EventType: "ContextSucceeded", ...base, ContextSucceededDetails: { Result: payload(memory, update.Payload) } }
    case "CONTEXT FAIL":
      return { EventType: "ContextFailed", ...base, ContextFailedDetails: { Error: errorPayload(memory, update.Error) } }
    case "CHAINED_INVOKE START":
      return {
        EventType: "ChainedInvokeStarted",
        ...base,
        ChainedInvokeStartedDetails: definedFields({
          FunctionName: update.ChainedInvokeOptions?.FunctionName ?? "",
          TenantId: update.ChainedInvokeOptions?.TenantId,
          Input: payload(memory, update.Payload),
          ExecutedVersion: memory.invoked.get(update.Id)?.executedVersion,
          DurableExecutionArn: memory.invoked.get(update.Id)?.executionArn
        })
      }
    case "CHAINED_INVOKE CANCEL":
      return { EventType: "ChainedInvokeStopped", ...base, ChainedInvokeStoppedDetails: { Error: errorPayload(memory, undefined) } }
    default:
      // EXECUTION updates end the execution (its own event follows); a CALLBACK CANCEL adds nothing.
      return undefined
  }
}

/** The event of a change the service made by itself (a timer, a callback, an invoked function). */
const serviceChangeEvent = (memory: Memory, operation: Wire.Operation, at: number): Body | undefined => {
  const when = operation.EndTimestamp?.getTime() ?? at
  const base = identity(operation, when)
  switch (`${operation.Type} ${operation.Status}`) {
    case "WAIT SUCCEEDED":
      return {
        EventType: "WaitSucceeded",
        ...base,
        WaitSucceededDetails: definedFields({ Duration: memory.waitSeconds.get(operation.Id) })
      }
    case "CALLBACK SUCCEEDED":
      return {
        EventType: "CallbackSucceeded",
        ...base,
        CallbackSucceededDetails: { Result: payload(memory, operation.CallbackDetails?.Result) }
      }
    case "CALLBACK FAILED":
      return {
        EventType: "CallbackFailed",
        ...base,
        CallbackFailedDetails: { Error: errorPayload(memory, operation.CallbackDetails?.Error) }
      }
    case "CALLBACK TIMED_OUT":
      return {
        EventType: "CallbackTimedOut",
        ...base,
        CallbackTimedOutDetails: { Error: errorPayload(memory, operation.CallbackDetails?.Error) }
      }
    case "CHAINED_INVOKE SUCCEEDED":
      return {
        EventType: "ChainedInvokeSucceeded",
        ...base,
        ChainedInvokeSucceededDetails: { Result: payload(memory, operation.ChainedInvokeDetails?.Result) }
      }
    case "CHAINED_INVOKE FAILED":
      return {
        EventType: "ChainedInvokeFailed",
        ...base,
        ChainedInvokeFailedDetails: { Error: errorPayload(memory, operation.ChainedInvokeDetails?.Error) }
      }
    case "CHAINED_INVOKE TIMED_OUT":
      return {
        EventType: "ChainedInvokeTimedOut",
        ...base,
        ChainedInvokeTimedOutDetails: { Error: errorPayload(memory, operation.ChainedInvokeDetails?.Error) }
      }
    case "CHAINED_INVOKE STOPPED":
      return {
        EventType: "ChainedInvokeStopped",
        ...base,
        ChainedInvokeStoppedDetails: { Error: errorPayload(memory, operation.ChainedInvokeDetails?.Error) }
      }
    default:
      // A STEP becoming READY for its next attempt has no event of its own.
      return undefined
  }
}

const executionIdentity = (memory: Memory, at: number) => ({
  ...(memory.executionId === undefined ? {} : { Id: memory.executionId }),
  ...(memory.executionName === undefined ? {} : { Name: memory.executionName }),
  EventTimestamp: new Date(at)
})

const invocationCompleted = (
  memory: Memory,
  invocation: number,
  at: number,
  error: Wire.ErrorObject | undefined
): Body => ({
  EventType: "InvocationCompleted",
  ...executionIdentity(memory, at),
  InvocationCompletedDetails: {
    StartTimestamp: new Date(memory.invocationStarts.get(invocation) ?? at),
    EndTimestamp: new Date(at),
    RequestId: `invocation-${invocation}`,
    ...(error === undefined ? {} : { Error: { Payload: error, Truncated: false } })
  }
})

/** The events one emulator event adds to the history, in order. */
const eventsOf = (memory: Memory, event: EmulatorEvent): ReadonlyArray<Body | undefined> => {
  switch (event._tag) {
    case "ExecutionStarted":
      memory.executionId = event.operationId
      memory.executionName = event.executionName
      return [{
        EventType: "ExecutionStarted",
        ...executionIdentity(memory, event.at),
        ExecutionStartedDetails: { Input: payload(memory, event.input) }
      }]
    case "InvocationStarted":
      memory.invocationStarts.set(event.invocation, event.at)
      return []
    case "Checkpointed":
      return event.updates.map((update) =>
        updateEvent(memory, update, event.operations.find((operation) => operation.Id === update.Id), event.at)
      )
    case "OperationsUpdated":
      return event.operations.map((operation) => serviceChangeEvent(memory, operation, event.at))
    case "InvocationCompleted":
      return [
        invocationCompleted(
          memory,
          event.invocation,
          event.at,
          event.error === undefined ? undefined : { ErrorType: "InvalidParameterValueException", ErrorMessage: event.error }
        )
      ]
    case "InvocationAbandoned":
      return [
        invocationCompleted(
          memory,
          event.invocation,
          event.at,
          event.error ?? { ErrorType: "Runtime.Unknown", ErrorMessage: event.reason }
        )
      ]
    case "ExecutionCompleted": {
      const base = executionIdentity(memory, event.at)
      switch (event.status) {
        case "SUCCEEDED":
          return [{ EventType: "ExecutionSucceeded", ...base, ExecutionSucceededDetails: { Result: payload(memory, event.result) } }]
        case "FAILED":
          return [{ EventType: "ExecutionFailed", ...base, ExecutionFailedDetails: { Error: errorPayload(memory, event.error) } }]
        case "STOPPED":
          return [{ EventType: "ExecutionStopped", ...base, ExecutionStoppedDetails: { Error: errorPayload(memory, event.error) } }]
        default:
          return [{ EventType: "ExecutionTimedOut", ...base, ExecutionTimedOutDetails: { Error: errorPayload(memory, event.error) } }]
      }
    }
    case "CheckpointRejected":
    case "InvokedExecutionStarted":
      return []
  }
}

/**
 * The history of one execution, from the emulator's events of that execution
 * (in the order it recorded them).
 *
 * @example
 * ```ts
 * const events = History.fromEvents(yield* emulator.history(arn), { includeExecutionData: false })
 * ```
 *
 * @category derivation
 * @since 0.1.0
 */
export const fromEvents = (events: ReadonlyArray<EmulatorEvent>, options: Options = {}): ReadonlyArray<Event> => {
  const memory: Memory = {
    include: options.includeExecutionData ?? true,
    executionId: undefined,
    executionName: undefined,
    waitSeconds: new Map(),
    invocationStarts: new Map(),
    invoked: new Map(events.flatMap((event) =>
      event._tag === "InvokedExecutionStarted"
        ? [[event.operationId, { executionArn: event.executionArn, executedVersion: event.executedVersion }] as const]
        : []
    ))
  }
  const history: Array<Event> = []
  for (const event of events) {
    for (const body of eventsOf(memory, event)) {
      if (body === undefined) continue
      const { EventType, ...rest } = body
      history.push({ EventType, EventId: history.length + 1, ...rest })
    }
  }
  return history
}

/**
 * The history of an execution snapshot (`Emulator.execution`).
 *
 * @example
 * ```ts
 * const events = History.fromExecution(yield* emulator.execution(arn))
 * ```
 *
 * @category derivation
 * @since 0.1.0
 */
export const fromExecution = (execution: Execution, options: Options = {}): ReadonlyArray<Event> =>
  fromEvents(execution.history, options)
