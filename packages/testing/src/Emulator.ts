/**
 * An in-memory emulator of the Lambda durable execution service.
 *
 * It stores executions and their operations, hands out checkpoint tokens,
 * validates every checkpoint as the service does (and rejects bad ones with the
 * same classification), completes waits, retries and callback timeouts as time
 * passes, and records what happened. All time comes from Effect's `Clock`, so a
 * `TestClock` drives it.
 *
 * The emulator plays the service's half only: something else must run the
 * function. `LocalRunner` does that with `Invocation.handle`; tests can also
 * drive `emulator.client` by hand.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Emulator } from "@effect-durable/testing"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.Emulator
 *   const arn = yield* emulator.start({ input: JSON.stringify({ n: 1 }) })
 *   const event = yield* emulator.invoke(arn)
 *   const { CheckpointToken } = yield* emulator.client.checkpoint({
 *     DurableExecutionArn: arn,
 *     CheckpointToken: event.CheckpointToken,
 *     Updates: [{ Id: "c4ca4238a0b92382", Type: "WAIT", Action: "START", WaitOptions: { WaitSeconds: 5 } }]
 *   })
 *   yield* emulator.complete(arn, { Status: "PENDING" })
 * }).pipe(Effect.provide(Emulator.Emulator.layer))
 * ```
 *
 * @since 0.1.0
 */
import { CheckpointClient, CheckpointClientError } from "@effect-durable/core/CheckpointClient"
import type * as Wire from "@effect-durable/core/Wire"
import { Cause, Clock, Context, Effect, Exit, Layer, PubSub, Ref, Schema, Semaphore, Stream } from "effect"
import type { Scope } from "effect"
import { type Changes, EmulatorStore, type Snapshot, StoreError } from "./EmulatorStore.ts"
import * as DueQueue from "./internal/dueQueue.ts"
import * as Ops from "./internal/operations.ts"
import * as Rules from "./internal/rules.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The status of a durable execution, as the service reports it.
 *
 * @category models
 * @since 0.1.0
 */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED"

/**
 * Options of {@link Emulator.layerWith}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /**
   * How many operations the invocation event carries in
   * `InitialExecutionState`; the rest is paged with `getExecutionState`.
   * Defaults to 100. Set it low to test paging.
   */
  readonly pageSize?: number | undefined
  /** Size limits the emulator enforces (defaults: 256 KiB payloads, 6 MiB EXECUTION payloads, 32 KB errors). */
  readonly limits?: Partial<Rules.Limits> | undefined
  /** AWS region written in the ARNs. Defaults to `us-east-1`. */
  readonly region?: string | undefined
  /** AWS account written in the ARNs. Defaults to `123456789012`. */
  readonly account?: string | undefined
}

/**
 * Options of `start`.
 *
 * @category models
 * @since 0.1.0
 */
export interface StartOptions {
  /** The execution input, a JSON document (the EXECUTION operation's `InputPayload`). */
  readonly input?: string | undefined
  /** The function name written in the ARN. Defaults to `durable-function`. */
  readonly name?: string | undefined
  /** The function version or alias written in the ARN. Defaults to `$LATEST`. */
  readonly qualifier?: string | undefined
  /**
   * The durable execution name. Starting again with the same name and the same
   * input returns the existing execution; with another input it fails.
   * Defaults to `execution-<n>`.
   */
  readonly executionName?: string | undefined
  /**
   * The chained invoke that starts this execution (a CHAINED_INVOKE operation
   * of another execution): its history links to this execution
   * (`InvokedExecutionStarted`).
   */
  readonly invokedBy?: { readonly arn: string; readonly operationId: string } | undefined
}

/**
 * What the runner that invoked the function knows of an answer beyond the
 * answer itself (see `complete`).
 *
 * @category models
 * @since 0.1.0
 */
export interface CompleteDetails {
  /** The SDK's termination reason, when the invocation ended early (`Invocation.Options.onTermination`). */
  readonly reason?: string | undefined
}

/**
 * What the emulator records and publishes, in order, as things happen.
 *
 * @category events
 * @since 0.1.0
 */
export type Event =
  | ExecutionStarted
  | InvocationStarted
  | Checkpointed
  | CheckpointRejected
  | OperationsUpdated
  | InvocationCompleted
  | InvocationAbandoned
  | ExecutionCompleted
  | InvokedExecutionStarted

/** An execution was created. @category events @since 0.1.0 */
export interface ExecutionStarted {
  readonly _tag: "ExecutionStarted"
  readonly arn: string
  readonly at: number
  readonly input: string | undefined
  readonly functionName: string
  readonly executionName: string
  /** The Id of the EXECUTION operation. */
  readonly operationId: string
}

/**
 * A chained invoke of this execution started a durable execution of the
 * invoked function. @category events @since 0.1.0
 */
export interface InvokedExecutionStarted {
  readonly _tag: "InvokedExecutionStarted"
  readonly arn: string
  readonly at: number
  /** The CHAINED_INVOKE operation. */
  readonly operationId: string
  /** The ARN of the invoked function's execution. */
  readonly executionArn: string
  /** The version of the invoked function that runs it (`$LATEST`, a version, or an alias). */
  readonly executedVersion: string
}

/** The service invoked the function. @category events @since 0.1.0 */
export interface InvocationStarted {
  readonly _tag: "InvocationStarted"
  readonly arn: string
  readonly at: number
  /** 1-based index of the invocation within the execution. */
  readonly invocation: number
  readonly updatedOperationIds: ReadonlyArray<string>
  /** Number of operations in the (pruned) state at the start of the invocation. */
  readonly operationCount: number
}

/** A checkpoint was accepted and applied. @category events @since 0.1.0 */
export interface Checkpointed {
  readonly _tag: "Checkpointed"
  readonly arn: string
  readonly at: number
  readonly invocation: number | undefined
  /** 1-based index of the accepted checkpoint call within the execution. */
  readonly call: number
  readonly updates: ReadonlyArray<Wire.OperationUpdate>
  /** The operations reported back as changed (the batch's and the service's own). */
  readonly operations: ReadonlyArray<Wire.Operation>
}

/** A checkpoint (or state read) was rejected; nothing changed. @category events @since 0.1.0 */
export interface CheckpointRejected {
  readonly _tag: "CheckpointRejected"
  readonly arn: string
  readonly at: number
  readonly invocation: number | undefined
  readonly error: CheckpointClientError
}

/** The service changed operations by itself (timers, callbacks, chained invokes). @category events @since 0.1.0 */
export interface OperationsUpdated {
  readonly _tag: "OperationsUpdated"
  readonly arn: string
  readonly at: number
  readonly reason: "timer" | "callback" | "chained-invoke"
  readonly operations: ReadonlyArray<Wire.Operation>
}

/** The function answered an invocation. @category events @since 0.1.0 */
export interface InvocationCompleted {
  readonly _tag: "InvocationCompleted"
  readonly arn: string
  readonly at: number
  readonly invocation: number
  readonly output: Wire.InvocationOutput
  /** Set when the service rejected the answer. */
  readonly error?: string
  /**
   * Why the SDK ended the invocation early (`Termination.TerminationReason`,
   * e.g. `WAIT_SCHEDULED`), when the runner that invoked it knows: not part of
   * the service's protocol, recorded for the local service's views.
   */
  readonly reason?: string
}

/** An invocation ended without an answer (crash, timeout, error, or superseded). @category events @since 0.1.0 */
export interface InvocationAbandoned {
  readonly _tag: "InvocationAbandoned"
  readonly arn: string
  readonly at: number
  readonly invocation: number
  readonly reason: string
  /** The error Lambda reports for it, e.g. `Runtime.ExitError` for a crash, `Sandbox.Timedout` for a timeout. */
  readonly error?: Wire.ErrorObject
}

/** The execution reached a terminal status. @category events @since 0.1.0 */
export interface ExecutionCompleted {
  readonly _tag: "ExecutionCompleted"
  readonly arn: string
  readonly at: number
  readonly status: ExecutionStatus
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
}

/**
 * A snapshot of one execution: every operation (unpruned, in creation order),
 * the outcome, counters and the full event history.
 *
 * @category models
 * @since 0.1.0
 */
export interface Execution {
  readonly arn: string
  readonly functionName: string
  readonly executionName: string
  readonly status: ExecutionStatus
  readonly input: string | undefined
  readonly operations: ReadonlyArray<Wire.Operation>
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
  /** Number of invocations started so far. */
  readonly invocations: number
  /** The invocation in progress (1-based), if one is. */
  readonly invocation: number | undefined
  /** Number of accepted checkpoint calls so far. */
  readonly checkpointCalls: number
  /** Number of rejected checkpoint and state calls so far. */
  readonly rejectedCalls: number
  readonly startTimestamp: Date
  readonly endTimestamp: Date | undefined
  readonly history: ReadonlyArray<Event>
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * No execution has this ARN (or no callback has this id).
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionNotFoundError extends Schema.TaggedError<ExecutionNotFoundError>()("ExecutionNotFoundError", {
  arn: Schema.String,
  message: Schema.String
}) {}

/**
 * The execution has already ended, so it cannot be invoked or completed.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionNotRunningError extends Schema.TaggedError<ExecutionNotRunningError>()(
  "ExecutionNotRunningError",
  { arn: Schema.String, status: Schema.String, message: Schema.String }
) {}

/**
 * The service rejected what the function answered, e.g. PENDING with nothing
 * pending, an answer with no invocation in progress, or a result too large.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidInvocationOutputError extends Schema.TaggedError<InvalidInvocationOutputError>()(
  "InvalidInvocationOutputError",
  { arn: Schema.String, message: Schema.String }
) {}

/**
 * `start` was given an input or a name the service rejects, or an execution
 * name already used with another input.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidStartError extends Schema.TaggedError<InvalidStartError>()("InvalidStartError", {
  message: Schema.String
}) {}

/**
 * `start` was given an execution name already used for this function with
 * another input (the service's `DurableExecutionAlreadyStartedException`). The
 * same name with the same input is not an error: it gives the existing
 * execution.
 *
 * @category errors
 * @since 0.1.0
 */
export class ExecutionAlreadyStartedError extends Schema.TaggedError<ExecutionAlreadyStartedError>()(
  "ExecutionAlreadyStartedError",
  { functionName: Schema.String, executionName: Schema.String, arn: Schema.String, message: Schema.String }
) {}

/**
 * A callback could not be completed. `reason` says why, as the service answers:
 * `NotFound`, no callback has this id (`ResourceNotFoundException`); `Closed`,
 * it was already completed, cancelled or timed out (`CallbackTimeoutException`);
 * `TooLarge`, the result is over {@link maxCallbackResultBytes}
 * (`RequestTooLargeException`).
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackError extends Schema.TaggedError<CallbackError>()("CallbackError", {
  callbackId: Schema.String,
  message: Schema.String,
  reason: Schema.Literals(["NotFound", "Closed", "TooLarge"])
}) {}

/**
 * The largest callback result the service stores (1 MiB).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxCallbackResultBytes = 1024 * 1024

/**
 * An external completion of a chained invoke was refused (unknown operation,
 * not a CHAINED_INVOKE, or not STARTED).
 *
 * @category errors
 * @since 0.1.0
 */
export class ChainedInvokeError extends Schema.TaggedError<ChainedInvokeError>()("ChainedInvokeError", {
  arn: Schema.String,
  operationId: Schema.String,
  message: Schema.String
}) {}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------
//
// The state is made of mutable structures, so that a call costs what its
// request and its changes cost, not what the execution holds: operations sit in
// a `Map` updated in place, due times in a `DueQueue` (only due entries are
// touched), history in an append-only array. Only `transact` touches them, and
// it does so synchronously inside one `Ref.modify`: no other fiber can run in
// between, so every call stays atomic. A call that can be rejected validates
// everything before it changes anything (a checkpoint stages its batch first),
// so a rejected call leaves the state as the timers left it. (A call that
// throws, a defect, keeps what it changed before the throw: nothing is expected
// to throw once a call has been validated.)

interface ExecutionRecord {
  readonly arn: string
  readonly serial: number
  readonly functionName: string
  readonly executionName: string
  readonly input: string | undefined
  readonly executionOperationId: string
  readonly startedAt: number
  status: ExecutionStatus
  /** Every operation, in creation order (a `Map` keeps the order of first insertion). Change with `setOperation`. */
  readonly operations: Map<string, Wire.Operation>
  /** Creation index of every operation, to report timer transitions in creation order. */
  readonly positions: Map<string, number>
  /** Callback timers, by operation id. Reschedule the operation after a change. */
  readonly timers: Map<string, Ops.CallbackTimer>
  /**
   * Due times of WAIT ends, STEP retries and CALLBACK timeouts. An entry is
   * stale (and skipped) when it no longer matches the operation's `wakeupOf`.
   */
  readonly due: DueQueue.DueQueue
  /** Number of operations that keep the execution alive (`Ops.isPending`). */
  pending: number
  /** Bumped on every operation change; tells whether `pruned` is current. */
  version: number
  /** The last pruned state, computed at `version`. */
  pruned: { readonly version: number; readonly operations: ReadonlyArray<Wire.Operation> } | undefined
  token: string | undefined
  /** Ids changed by the service itself and not yet reported to the function, in order. */
  readonly unreported: Set<string>
  invocation: number | undefined
  invocations: number
  checkpointCalls: number
  rejectedCalls: number
  result: string | undefined
  error: Wire.ErrorObject | undefined
  endedAt: number | undefined
  /**
   * Accepted checkpoints by `ClientToken`, in the order they were accepted, for
   * {@link clientTokenWindow}: a retried call is answered again, not applied again.
   */
  readonly clientTokens: Map<string, AcceptedCheckpoint>
  /** Append-only. */
  readonly history: Array<Event>
  /** With a store: the operations (and callback timers) changed since the last commit, by id. */
  readonly changed: Set<string> | undefined
  /** With a store: how many events of `history` are committed. */
  persisted: number
}

/** A checkpoint accepted with a `ClientToken`: what identifies it and what the service answered. */
interface AcceptedCheckpoint {
  readonly at: number
  readonly checkpointToken: string
  readonly updates: number
  readonly response: Wire.CheckpointResponse
}

/** How long the service recognises a `ClientToken` (15 minutes, as the API documents). */
const clientTokenWindow = 15 * 60 * 1000

interface State {
  serial: number
  readonly executions: Map<string, ExecutionRecord>
  /** `functionName/executionName` → ARN of the first execution started with these names */
  readonly names: Map<string, string>
  /** callback id → execution ARN and CALLBACK operation id */
  readonly callbacks: Map<string, { readonly arn: string; readonly operationId: string }>
}

/** One call: its Clock time and the events it recorded, published once the call is over. */
interface Tx {
  readonly now: number
  readonly events: Array<Event>
  /** The executions the call changed (what a store must write). */
  readonly touched: Set<ExecutionRecord>
}

type Outcome<A, E> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Err"; readonly error: E }

const ok = <A>(value: A): Outcome<A, never> => ({ _tag: "Ok", value })
const err = <E>(error: E): Outcome<never, E> => ({ _tag: "Err", error })

/** A call that threw: the state keeps what it changed before the throw. */
interface Defect {
  readonly _tag: "Defect"
  readonly defect: unknown
}

const record = (tx: Tx, r: ExecutionRecord, event: Event): void => {
  r.history.push(event)
  tx.events.push(event)
  tx.touched.add(r)
}

/** Queues the operation's next due time, if it has one. */
const schedule = (r: ExecutionRecord, id: string): void => {
  const at = Ops.wakeupOf(r.operations.get(id)!, r.timers.get(id))
  if (at !== undefined) r.due.push(at, id)
}

/** Stores an operation (new or changed) and keeps the indexes in step. */
const setOperation = (r: ExecutionRecord, operation: Wire.Operation): void => {
  const previous = r.operations.get(operation.Id)
  if (previous === undefined) r.positions.set(operation.Id, r.positions.size)
  else if (Ops.isPending(previous)) r.pending -= 1
  if (Ops.isPending(operation)) r.pending += 1
  r.operations.set(operation.Id, operation)
  r.version += 1
  r.changed?.add(operation.Id)
  schedule(r, operation.Id)
}

/** Whether a queued due time is still the operation's. */
const isCurrent = (r: ExecutionRecord, entry: DueQueue.Entry): boolean => {
  const operation = r.operations.get(entry.id)
  return operation !== undefined && Ops.wakeupOf(operation, r.timers.get(entry.id)) === entry.at
}

/** Applies the transitions due at `tx.now`, touching only the due operations. */
const advance = (r: ExecutionRecord, tx: Tx): void => {
  if (r.status !== "RUNNING") return
  const due = new Map<string, number>()
  for (let entry = r.due.peek(); entry !== undefined && entry.at <= tx.now; entry = r.due.peek()) {
    r.due.pop()
    if (isCurrent(r, entry)) due.set(entry.id, entry.at)
  }
  if (due.size === 0) return
  const changed: Array<Wire.Operation> = []
  // In the order they became due (then in creation order), as the service would have made them.
  const order = [...due.keys()].sort((a, b) => due.get(a)! - due.get(b)! || r.positions.get(a)! - r.positions.get(b)!)
  for (const id of order) {
    const next = Ops.advanceOperation(r.operations.get(id)!, r.timers.get(id), tx.now)
    if (next === undefined) continue
    setOperation(r, next)
    r.unreported.add(next.Id)
    changed.push(next)
  }
  if (changed.length === 0) return
  record(tx, r, { _tag: "OperationsUpdated", arn: r.arn, at: tx.now, reason: "timer", operations: changed })
}

/** The checkpoint accepted with `clientToken` within the window, forgetting the older ones. */
const acceptedWith = (
  r: ExecutionRecord | undefined,
  clientToken: string,
  now: number
): AcceptedCheckpoint | undefined => {
  if (r === undefined) return undefined
  for (const [token, entry] of r.clientTokens) {
    if (now - entry.at <= clientTokenWindow) break
    r.clientTokens.delete(token)
  }
  return r.clientTokens.get(clientToken)
}

/** The earliest time at which the service will change an operation by itself, if any. */
const earliestDue = (r: ExecutionRecord): number | undefined => {
  for (let entry = r.due.peek(); entry !== undefined; entry = r.due.peek()) {
    if (isCurrent(r, entry)) return entry.at
    r.due.pop()
  }
  return undefined
}

/** The operations returned as state (`Ops.prune`), computed once per change. */
const prunedOf = (r: ExecutionRecord): ReadonlyArray<Wire.Operation> => {
  if (r.pruned === undefined || r.pruned.version !== r.version) {
    r.pruned = { version: r.version, operations: Ops.prune(r.operations) }
  }
  return r.pruned.operations
}

const snapshot = (r: ExecutionRecord): Execution => ({
  arn: r.arn,
  functionName: r.functionName,
  executionName: r.executionName,
  status: r.status,
  input: r.input,
  operations: [...r.operations.values()],
  result: r.result,
  error: r.error,
  invocations: r.invocations,
  invocation: r.invocation,
  checkpointCalls: r.checkpointCalls,
  rejectedCalls: r.rejectedCalls,
  startTimestamp: new Date(r.startedAt),
  endTimestamp: r.endedAt === undefined ? undefined : new Date(r.endedAt),
  history: r.history.slice()
})

const clientError = (
  message: string,
  scope: "INVOCATION" | "EXECUTION",
  statusCode = 400,
  errorName = "InvalidParameterValueException"
) => new CheckpointClientError({ message, scope, statusCode, errorName })

const invalidToken = () => clientError("Invalid checkpoint token", "INVOCATION")

/**
 * A checkpoint token or a callback id: 192 bits from the CSPRNG, URL-safe, so
 * that none can be guessed from another (the ARN, the previous token). A token
 * is only ever accepted for the execution that issued it (each execution keeps
 * its current token).
 */
const secret = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")

/**
 * A callback id: a {@link secret} that does not start with `-`, so that it can
 * be passed as it is to a command line (`effect-durable callback succeed <id>`)
 * without being read as a flag.
 */
const newCallbackId = (): string => {
  for (;;) {
    const id = secret()
    if (!id.startsWith("-")) return id
  }
}

const uuidOf = (serial: number): string => `00000000-0000-4000-8000-${serial.toString(16).padStart(12, "0")}`

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/

const qualifierPattern = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/

const maxResultBytes = 6 * 1024 * 1024

const isValidJson = (s: string): boolean => {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------
// Persistence (with a store)
// ---------------------------------------------------------------------------
//
// With a store, every call writes what it changed as rows before it returns:
// the header of each execution it touched (its scalar fields), the operations
// and callback timers it changed, and the events it recorded. Rows are JSON in
// which `Date`s, `Set`s and `Map`s are tagged, so that they come back as they
// were. On start the state is rebuilt from the rows; due times, counters and
// indexes are derived again, as `setOperation` derives them.

function tagged(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]
  if (raw instanceof Date) return { $date: raw.getTime() }
  if (raw instanceof Set) return { $set: [...raw] }
  if (raw instanceof Map) return { $map: [...raw] }
  return value
}

const untagged = (_key: string, value: unknown): unknown => {
  if (typeof value === "object" && value !== null) {
    if ("$date" in value) return new Date((value as { readonly $date: number }).$date)
    if ("$set" in value) return new Set((value as { readonly $set: Array<unknown> }).$set)
    if ("$map" in value) return new Map((value as { readonly $map: Array<[unknown, unknown]> }).$map)
  }
  return value
}

const encodeJson = (value: unknown): string => JSON.stringify(value, tagged)
const decodeJson = (json: string): any => JSON.parse(json, untagged)

/** Fields of a record that are rows of their own, or derived again on load. */
const notInHeader = new Set([
  "operations",
  "positions",
  "timers",
  "due",
  "pending",
  "version",
  "pruned",
  "history",
  "changed",
  "persisted"
])

const headerOf = (r: ExecutionRecord): string => {
  const header: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(r)) if (!notInHeader.has(key)) header[key] = value
  return encodeJson(header)
}

const decodeEvent = (json: string): Event => {
  const event = decodeJson(json)
  return event._tag === "CheckpointRejected" ? { ...event, error: new CheckpointClientError(event.error) } : event
}

/** The rows a call changed; marks them written. */
const changesOf = (state: State, tx: Tx, committedSerial: number): Changes => {
  const executions: Array<Changes["executions"][number]> = []
  const operations: Array<Changes["operations"][number]> = []
  const timers: Array<Changes["timers"][number]> = []
  const events: Array<Changes["events"][number]> = []
  for (const r of tx.touched) {
    executions.push({
      arn: r.arn,
      serial: r.serial,
      functionName: r.functionName,
      executionName: r.executionName,
      status: r.status,
      startedAt: r.startedAt,
      state: headerOf(r)
    })
    for (const id of r.changed ?? []) {
      const operation = r.operations.get(id)
      if (operation !== undefined) {
        operations.push({ arn: r.arn, id, position: r.positions.get(id)!, json: encodeJson(operation) })
      }
      const timer = r.timers.get(id)
      if (timer !== undefined) timers.push({ arn: r.arn, operationId: id, json: encodeJson(timer) })
    }
    r.changed?.clear()
    for (let seq = r.persisted; seq < r.history.length; seq++) {
      events.push({ arn: r.arn, seq, json: encodeJson(r.history[seq]) })
    }
    r.persisted = r.history.length
  }
  return { ...(state.serial === committedSerial ? {} : { serial: state.serial }), executions, operations, timers, events }
}

/**
 * The parts of an execution record that are derived from its operations,
 * timers and events, empty: filled as they are set (a new execution) or read
 * back (a store's).
 */
const derivedParts = (withStore: boolean) => ({
  operations: new Map<string, Wire.Operation>(),
  positions: new Map<string, number>(),
  timers: new Map<string, Ops.CallbackTimer>(),
  due: new DueQueue.DueQueue(),
  pending: 0,
  version: 0,
  pruned: undefined,
  history: [],
  changed: withStore ? new Set<string>() : undefined,
  persisted: 0
})

/** The state a store holds. */
const restore = (snapshot: Snapshot): State => {
  const state: State = { serial: snapshot.serial, executions: new Map(), names: new Map(), callbacks: new Map() }
  for (const row of snapshot.executions) {
    const r: ExecutionRecord = { ...decodeJson(row.state), ...derivedParts(true) }
    state.executions.set(r.arn, r)
    state.serial = Math.max(state.serial, r.serial)
    const name = `${r.functionName}/${r.executionName}`
    if (!state.names.has(name)) state.names.set(name, r.arn)
  }
  for (const row of snapshot.timers) {
    const r = state.executions.get(row.arn)
    if (r === undefined) continue
    const timer: Ops.CallbackTimer = decodeJson(row.json)
    r.timers.set(row.operationId, timer)
    state.callbacks.set(timer.callbackId, { arn: row.arn, operationId: row.operationId })
  }
  // in creation order: `setOperation` gives each its position again, and queues its due time
  for (const row of snapshot.operations) {
    const r = state.executions.get(row.arn)
    if (r !== undefined) setOperation(r, decodeJson(row.json))
  }
  for (const row of snapshot.events) state.executions.get(row.arn)?.history.push(decodeEvent(row.json))
  for (const r of state.executions.values()) {
    r.changed!.clear()
    r.persisted = r.history.length
  }
  return state
}

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * Builds an emulator. Most code uses {@link Emulator.layer} or
 * {@link Emulator.layerWith} instead.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}) => build(options, undefined, undefined)

/**
 * Builds an emulator over a store: its state is rebuilt from what the store
 * holds, and every call commits what it changed before it returns. An
 * invocation that was running when the state was last written (the process
 * died) is recorded as abandoned, so the next invocation replays from the
 * checkpoints. Most code uses {@link Emulator.layerStore}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeWithStore = (store: EmulatorStore["Service"], options: Options = {}) =>
  Effect.flatMap(store.load, (snapshot) => build(options, store, restore(snapshot)))

const build = (options: Options, store: EmulatorStore["Service"] | undefined, initial: State | undefined) =>
  Effect.gen(function*() {
    const pageSize = options.pageSize ?? Ops.defaultMaxItems
    const limits: Rules.Limits = { ...Rules.defaultLimits, ...options.limits }
    const region = options.region ?? "us-east-1"
    const account = options.account ?? "123456789012"
    const stateRef = yield* Ref.make<State>(initial ?? {
      serial: 0,
      executions: new Map(),
      names: new Map(),
      callbacks: new Map()
    })
    // With a store: one call at a time writes, in the order the calls changed the state.
    const lock = yield* Semaphore.make(1)
    let committedSerial = initial?.serial ?? 0
    const pubsub = yield* PubSub.unbounded<Event>()

    /**
     * Runs one call at the current Clock time: `f` reads and changes the
     * (mutable) state synchronously inside one `Ref.modify`, so the call is
     * atomic. Then publishes the events it recorded (also when `f` throws, a
     * defect, so that subscribers see what the history holds).
     */
    const transact = <A, E>(f: (state: State, tx: Tx) => Outcome<A, E>): Effect.Effect<A, E> => {
      const call = Effect.gen(function*() {
        const tx: Tx = { now: yield* Clock.currentTimeMillis, events: [], touched: new Set() }
        const [outcome, changes] = yield* Ref.modify(
          stateRef,
          (state): readonly [readonly [Outcome<A, E> | Defect, Changes | undefined], State] => {
            let outcome: Outcome<A, E> | Defect
            try {
              outcome = f(state, tx)
            } catch (defect) {
              outcome = { _tag: "Defect", defect }
            }
            const changes = store === undefined || store.readonly === true || tx.touched.size === 0
              ? undefined
              : changesOf(state, tx, committedSerial)
            return [[outcome, changes], state]
          }
        )
        if (changes !== undefined) {
          const committed = yield* Effect.exit(store!.commit(changes))
          if (Exit.isFailure(committed)) {
            // The state in memory is ahead of the store: go back to what the store holds, and fail the call.
            const snapshot = yield* Effect.orDie(store!.load)
            yield* Ref.set(stateRef, restore(snapshot))
            committedSerial = snapshot.serial
            return yield* Effect.die(Cause.squash(committed.cause))
          }
          if (changes.serial !== undefined) committedSerial = changes.serial
        }
        if (tx.events.length > 0) yield* PubSub.publishAll(pubsub, tx.events)
        switch (outcome._tag) {
          case "Ok":
            return outcome.value
          case "Err":
            return yield* Effect.fail(outcome.error)
          case "Defect":
            return yield* Effect.die(outcome.defect)
        }
      })
      return store === undefined ? call : lock.withPermits(1)(call)
    }

    /** Like `transact`, for one existing execution, after advancing its timers. */
    const withExecution = <A, E>(arn: string, f: (r: ExecutionRecord, tx: Tx, state: State) => Outcome<A, E>) =>
      transact<A, E | ExecutionNotFoundError>((state, tx) => {
        const r = state.executions.get(arn)
        if (r === undefined) {
          return err(new ExecutionNotFoundError({ arn, message: `No durable execution has the ARN ${arn}` }))
        }
        advance(r, tx)
        return f(r, tx, state)
      })

    const notRunning = (r: ExecutionRecord) =>
      new ExecutionNotRunningError({
        arn: r.arn,
        status: r.status,
        message: `The durable execution ${r.arn} is not running (status ${r.status})`
      })

    // -- lifecycle ------------------------------------------------------------

    const start = Effect.fn("Emulator.start")(function*(startOptions: StartOptions = {}) {
      const functionName = startOptions.name ?? "durable-function"
      if (!namePattern.test(functionName)) {
        return yield* new InvalidStartError({
          message: `Invalid function name "${functionName}": it must be 1 to 64 characters of [a-zA-Z0-9-_]`
        })
      }
      if (startOptions.executionName !== undefined && !namePattern.test(startOptions.executionName)) {
        return yield* new InvalidStartError({
          message:
            `Invalid execution name "${startOptions.executionName}": it must be 1 to 64 characters of [a-zA-Z0-9-_]`
        })
      }
      const qualifier = startOptions.qualifier ?? "$LATEST"
      if (!qualifierPattern.test(qualifier)) {
        return yield* new InvalidStartError({
          message: `Invalid qualifier "${qualifier}": it must be $LATEST, a version or an alias`
        })
      }
      const input = startOptions.input
      if (input !== undefined) {
        if (!isValidJson(input)) {
          return yield* new InvalidStartError({ message: "The execution input must be a JSON document" })
        }
        if (Buffer.byteLength(input, "utf8") > maxResultBytes) {
          return yield* new InvalidStartError({ message: `The execution input must be at most ${maxResultBytes} bytes` })
        }
      }
      return yield* transact<string, ExecutionAlreadyStartedError>((state, tx) => {
        if (startOptions.executionName !== undefined) {
          const existingArn = state.names.get(`${functionName}/${startOptions.executionName}`)
          const existing = existingArn === undefined ? undefined : state.executions.get(existingArn)
          if (existing !== undefined) {
            return existing.input === input ? ok(existing.arn) : err(
              new ExecutionAlreadyStartedError({
                functionName,
                executionName: startOptions.executionName,
                arn: existing.arn,
                message:
                  `An execution named "${startOptions.executionName}" of ${functionName} already exists with a different input`
              })
            )
          }
        }
        const serial = state.serial + 1
        const id = uuidOf(serial)
        const executionName = startOptions.executionName ?? `execution-${serial}`
        const arn =
          `arn:aws:lambda:${region}:${account}:function:${functionName}:${qualifier}/durable-execution/${executionName}/${id}`
        const r: ExecutionRecord = {
          arn,
          serial,
          functionName,
          executionName,
          input,
          executionOperationId: id,
          startedAt: tx.now,
          status: "RUNNING",
          ...derivedParts(store !== undefined),
          token: undefined,
          unreported: new Set(),
          invocation: undefined,
          invocations: 0,
          checkpointCalls: 0,
          rejectedCalls: 0,
          result: undefined,
          error: undefined,
          endedAt: undefined,
          clientTokens: new Map()
        }
        setOperation(r, {
          Id: id,
          Type: "EXECUTION",
          Status: "STARTED",
          StartTimestamp: new Date(tx.now),
          ExecutionDetails: input === undefined ? {} : { InputPayload: input }
        })
        record(tx, r, { _tag: "ExecutionStarted", arn, at: tx.now, input, functionName, executionName, operationId: id })
        state.serial = serial
        state.executions.set(arn, r)
        const name = `${functionName}/${executionName}`
        if (!state.names.has(name)) state.names.set(name, arn)
        const parent = startOptions.invokedBy === undefined ? undefined : state.executions.get(startOptions.invokedBy.arn)
        if (parent !== undefined && startOptions.invokedBy !== undefined) {
          record(tx, parent, {
            _tag: "InvokedExecutionStarted",
            arn: parent.arn,
            at: tx.now,
            operationId: startOptions.invokedBy.operationId,
            executionArn: arn,
            executedVersion: qualifier
          })
        }
        return ok(arn)
      })
    })

    const invoke = Effect.fn("Emulator.invoke")(function*(arn: string) {
      return yield* withExecution<Wire.InvocationInput, ExecutionNotRunningError>(arn, (r, tx) => {
        if (r.status !== "RUNNING") return err(notRunning(r))
        if (r.invocation !== undefined) {
          record(tx, r, {
            _tag: "InvocationAbandoned",
            arn,
            at: tx.now,
            invocation: r.invocation,
            reason: "superseded by a new invocation"
          })
        }
        const token = secret()
        const invocation = r.invocations + 1
        const state = prunedOf(r)
        const first = Ops.page(state, undefined, pageSize)
        const initial: Wire.ExecutionState = typeof first === "string"
          ? { Operations: state }
          : first.NextMarker === undefined
          ? { Operations: first.Operations }
          : { Operations: first.Operations, NextMarker: first.NextMarker }
        const updated = [...r.unreported]
        const event: Wire.InvocationInput = {
          DurableExecutionArn: arn,
          CheckpointToken: token,
          InitialExecutionState: initial,
          ...(updated.length > 0 ? { UpdatedOperationIds: updated } : {})
        }
        r.token = token
        r.invocation = invocation
        r.invocations = invocation
        r.unreported.clear()
        record(tx, r, {
          _tag: "InvocationStarted",
          arn,
          at: tx.now,
          invocation,
          updatedOperationIds: updated,
          operationCount: state.length
        })
        return ok(event)
      })
    })

    const endExecution = (
      r: ExecutionRecord,
      tx: Tx,
      status: "SUCCEEDED" | "FAILED" | "STOPPED",
      result: string | undefined,
      error: Wire.ErrorObject | undefined
    ): void => {
      const operation = r.operations.get(r.executionOperationId)!
      setOperation(r, { ...operation, Status: status, EndTimestamp: new Date(tx.now) })
      r.status = status
      r.result = result
      r.error = error
      r.endedAt = tx.now
      r.token = undefined
      record(tx, r, { _tag: "ExecutionCompleted", arn: r.arn, at: tx.now, status, result, error })
    }

    const complete = Effect.fn("Emulator.complete")(function*(
      arn: string,
      output: Wire.InvocationOutput,
      details: CompleteDetails = {}
    ) {
      return yield* withExecution<void, ExecutionNotRunningError | InvalidInvocationOutputError>(arn, (r, tx) => {
        if (r.invocation === undefined) {
          if (r.status !== "RUNNING") return err(notRunning(r))
          return err(
            new InvalidInvocationOutputError({ arn, message: "No invocation of this execution is in progress" })
          )
        }
        const invocation = r.invocation
        r.invocation = undefined
        r.token = undefined
        const completed = (error?: string): Event => ({
          _tag: "InvocationCompleted",
          arn,
          at: tx.now,
          invocation,
          output,
          ...(error === undefined ? {} : { error }),
          ...(details.reason === undefined ? {} : { reason: details.reason })
        })
        const reject = (message: string) => {
          record(tx, r, completed(message))
          return err(new InvalidInvocationOutputError({ arn, message }))
        }
        // The execution already ended through an EXECUTION checkpoint: the answer is recorded, its content ignored.
        if (r.status !== "RUNNING") {
          record(tx, r, completed())
          return ok(undefined)
        }
        switch (output.Status) {
          case "PENDING": {
            // As the service: PENDING is refused only when nothing is pending and nothing changed since
            // the function last heard from the service (a callback completed, an invoke answered or a
            // timer fired after its last checkpoint: "pending dirty operations", re-invoked at once).
            if (r.pending === 0 && r.unreported.size === 0) {
              return reject("Cannot return PENDING status with no pending operations.")
            }
            record(tx, r, completed())
            return ok(undefined)
          }
          case "SUCCEEDED": {
            const size = output.Result === undefined ? 0 : Buffer.byteLength(output.Result, "utf8")
            if (size > maxResultBytes) {
              return reject(`The invocation result must be at most ${maxResultBytes} bytes (got ${size})`)
            }
            record(tx, r, completed())
            endExecution(r, tx, "SUCCEEDED", output.Result, undefined)
            return ok(undefined)
          }
          case "FAILED":
            record(tx, r, completed())
            endExecution(r, tx, "FAILED", undefined, output.Error)
            return ok(undefined)
        }
      })
    })

    const abandon = Effect.fn("Emulator.abandon")(function*(arn: string, reason: string, error?: Wire.ErrorObject) {
      return yield* withExecution<void, never>(arn, (r, tx) => {
        if (r.invocation === undefined) return ok(undefined)
        const invocation = r.invocation
        r.invocation = undefined
        r.token = undefined
        record(tx, r, {
          _tag: "InvocationAbandoned",
          arn,
          at: tx.now,
          invocation,
          reason,
          ...(error === undefined ? {} : { error })
        })
        return ok(undefined)
      })
    })

    const stop = Effect.fn("Emulator.stop")(function*(arn: string, error?: Wire.ErrorObject) {
      return yield* withExecution<Date, ExecutionNotRunningError>(arn, (r, tx) => {
        if (r.status !== "RUNNING") return err(notRunning(r))
        // A running invocation keeps running; its checkpoints fail from now on, and its answer is ignored.
        endExecution(r, tx, "STOPPED", undefined, error)
        return ok(new Date(tx.now))
      })
    })

    // -- checkpoint client ----------------------------------------------------

    /** Checks the ARN, status and token of a client call. */
    const guard = (state: State, arn: string, token: string): ExecutionRecord | CheckpointClientError => {
      const r = state.executions.get(arn)
      if (r === undefined) {
        return clientError(`No durable execution has the ARN ${arn}`, "EXECUTION", 404, "ResourceNotFoundException")
      }
      if (r.status !== "RUNNING") {
        return clientError(`The durable execution is not running (status ${r.status})`, "EXECUTION")
      }
      if (r.token === undefined || r.token !== token) return invalidToken()
      return r
    }

    /** Counts and records a rejected client call (nothing else changes). */
    const rejected = (
      state: State,
      arn: string,
      tx: Tx,
      error: CheckpointClientError
    ): Outcome<never, CheckpointClientError> => {
      const r = state.executions.get(arn)
      if (r !== undefined) {
        r.rejectedCalls += 1
        record(tx, r, { _tag: "CheckpointRejected", arn, at: tx.now, invocation: r.invocation, error })
      }
      return err(error)
    }

    /** Advances the execution (if it exists) before a client call looks at it. */
    const advanceIn = (state: State, arn: string, tx: Tx): void => {
      const r = state.executions.get(arn)
      if (r !== undefined) advance(r, tx)
    }

    const getExecutionState = Effect.fn("Emulator.getExecutionState")(function*(request: Wire.GetStateRequest) {
      return yield* transact<Wire.GetStateResponse, CheckpointClientError>((state, tx) => {
        const arn = request.DurableExecutionArn
        advanceIn(state, arn, tx)
        const r = guard(state, arn, request.CheckpointToken)
        if (r instanceof CheckpointClientError) return rejected(state, arn, tx, r)
        const result = Ops.page(prunedOf(r), request.Marker, request.MaxItems ?? Ops.defaultMaxItems)
        if (typeof result === "string") return rejected(state, arn, tx, clientError(result, "EXECUTION"))
        return ok(result)
      })
    })

    const checkpoint = Effect.fn("Emulator.checkpoint")(function*(request: Wire.CheckpointRequest) {
      return yield* transact<Wire.CheckpointResponse, CheckpointClientError>((state, tx) => {
        const arn = request.DurableExecutionArn
        advanceIn(state, arn, tx)
        // A call sent again (its answer was lost) with the same ClientToken: the same answer, nothing applied twice.
        const previous = request.ClientToken === undefined
          ? undefined
          : acceptedWith(state.executions.get(arn), request.ClientToken, tx.now)
        if (previous !== undefined) {
          if (previous.checkpointToken === request.CheckpointToken && previous.updates === (request.Updates ?? []).length) {
            return ok(previous.response)
          }
          return rejected(
            state,
            arn,
            tx,
            clientError(`ClientToken ${request.ClientToken} was already used for another checkpoint request`, "EXECUTION")
          )
        }
        const r = guard(state, arn, request.CheckpointToken)
        if (r instanceof CheckpointClientError) return rejected(state, arn, tx, r)
        const original = request.Updates ?? []
        const accepted = (response: Wire.CheckpointResponse) => {
          if (request.ClientToken !== undefined) {
            r.clientTokens.set(request.ClientToken, {
              at: tx.now,
              checkpointToken: request.CheckpointToken,
              updates: original.length,
              response
            })
          }
          return ok(response)
        }
        const fail = (violation: Rules.Violation) =>
          rejected(state, arn, tx, clientError(Rules.describe(violation), "EXECUTION"))
        for (let index = 0; index < original.length; index++) {
          const update = original[index]!
          const rule = Rules.checkShape(update, limits)
          if (rule !== undefined) {
            return fail({
              index,
              operationId: String(update.Id),
              type: String(update.Type),
              action: String(update.Action),
              rule
            })
          }
        }
        // The service applies any EXECUTION-typed update to the execution itself, whatever Id it carries.
        const updates = original.map((u) =>
          u.Type === "EXECUTION" && u.Id !== r.executionOperationId ? { ...u, Id: r.executionOperationId } : u
        )
        const batchViolation = Rules.checkBatch(updates, r.operations)
        if (batchViolation !== undefined) {
          return fail({ ...batchViolation, operationId: original[batchViolation.index]!.Id })
        }
        // Stage the batch over the stored operations: nothing is stored before every update has passed.
        const staged = new Map<string, Wire.Operation>()
        const newTimers: Array<Ops.CallbackTimer> = []
        let terminal: Wire.OperationUpdate | undefined
        for (let index = 0; index < updates.length; index++) {
          const update = updates[index]!
          const current = staged.get(update.Id) ?? r.operations.get(update.Id)
          const rule = Rules.checkTransition(update, current)
          if (rule !== undefined) {
            return fail({ index, operationId: original[index]!.Id, type: update.Type, action: update.Action, rule })
          }
          const next = Ops.applyUpdate(current, update, tx.now, newCallbackId)
          staged.set(next.Id, next)
          if (update.Type === "CALLBACK" && update.Action === "START") {
            const timeout = update.CallbackOptions?.TimeoutSeconds
            const heartbeat = update.CallbackOptions?.HeartbeatTimeoutSeconds
            newTimers.push({
              callbackId: next.CallbackDetails!.CallbackId!,
              operationId: next.Id,
              timeoutAt: timeout !== undefined && timeout > 0 ? tx.now + timeout * 1000 : undefined,
              heartbeatSeconds: heartbeat,
              heartbeatDeadline: heartbeat !== undefined && heartbeat > 0 ? tx.now + heartbeat * 1000 : undefined
            })
          }
          if (update.Type === "EXECUTION") terminal = update
        }
        // Apply: timers first, so that `setOperation` schedules the callbacks' timeouts.
        for (const timer of newTimers) {
          r.timers.set(timer.operationId, timer)
          r.changed?.add(timer.operationId)
          state.callbacks.set(timer.callbackId, { arn, operationId: timer.operationId })
        }
        for (const operation of staged.values()) setOperation(r, operation)
        const reportedIds = new Set(r.unreported)
        for (const id of staged.keys()) reportedIds.add(id)
        const reported = [...reportedIds].map((id) => r.operations.get(id)!)
        r.unreported.clear()
        r.checkpointCalls += 1
        record(tx, r, {
          _tag: "Checkpointed",
          arn,
          at: tx.now,
          invocation: r.invocation,
          call: r.checkpointCalls,
          updates: original,
          operations: reported
        })
        if (terminal !== undefined) {
          if (terminal.Action === "SUCCEED") endExecution(r, tx, "SUCCEEDED", terminal.Payload, undefined)
          else endExecution(r, tx, "FAILED", undefined, terminal.Error)
          return accepted({ NewExecutionState: { Operations: reported } })
        }
        r.token = secret()
        return accepted({ CheckpointToken: r.token, NewExecutionState: { Operations: reported } })
      })
    })

    const client = CheckpointClient.of({ getExecutionState, checkpoint })

    // -- external completions -------------------------------------------------

    const withCallback = (
      callbackId: string,
      f: (r: ExecutionRecord, operation: Wire.Operation, timer: Ops.CallbackTimer, tx: Tx) => void
    ) =>
      transact<void, CallbackError>((state, tx) => {
        const found = state.callbacks.get(callbackId)
        const r = found === undefined ? undefined : state.executions.get(found.arn)
        if (found === undefined || r === undefined) {
          return err(
            new CallbackError({ callbackId, message: `No callback has the id ${callbackId}`, reason: "NotFound" })
          )
        }
        advance(r, tx)
        const operation = r.operations.get(found.operationId)
        const timer = r.timers.get(found.operationId)
        if (operation === undefined || timer === undefined || operation.Status !== "STARTED" || r.status !== "RUNNING") {
          return err(
            new CallbackError({
              callbackId,
              message: `CallbackTimeoutException: the callback ${callbackId} is closed (status ${
                operation?.Status ?? "unknown"
              })`,
              reason: "Closed"
            })
          )
        }
        f(r, operation, timer, tx)
        return ok(undefined)
      })

    /** Changes an operation from outside the function, to be reported to the next invocation. */
    const updateOperation = (
      r: ExecutionRecord,
      tx: Tx,
      next: Wire.Operation,
      reason: "callback" | "chained-invoke"
    ): void => {
      setOperation(r, next)
      r.unreported.add(next.Id)
      record(tx, r, { _tag: "OperationsUpdated", arn: r.arn, at: tx.now, reason, operations: [next] })
    }

    const closeCallback = (
      r: ExecutionRecord,
      operation: Wire.Operation,
      tx: Tx,
      status: "SUCCEEDED" | "FAILED",
      details: { readonly Result?: string; readonly Error?: Wire.ErrorObject }
    ): void =>
      updateOperation(r, tx, {
        ...operation,
        Status: status,
        EndTimestamp: new Date(tx.now),
        CallbackDetails: { ...operation.CallbackDetails, ...details }
      }, "callback")

    const sendCallbackSuccess = Effect.fn("Emulator.sendCallbackSuccess")(function*(
      callbackId: string,
      result?: string
    ) {
      const size = result === undefined ? 0 : Buffer.byteLength(result, "utf8")
      if (size > maxCallbackResultBytes) {
        return yield* new CallbackError({
          callbackId,
          reason: "TooLarge",
          message: `The callback result must be at most ${maxCallbackResultBytes} bytes (got ${size})`
        })
      }
      return yield* withCallback(
        callbackId,
        (r, operation, _timer, tx) =>
          closeCallback(r, operation, tx, "SUCCEEDED", result === undefined ? {} : { Result: result })
      )
    })

    const sendCallbackFailure = Effect.fn("Emulator.sendCallbackFailure")(function*(
      callbackId: string,
      error?: Wire.ErrorObject
    ) {
      return yield* withCallback(
        callbackId,
        (r, operation, _timer, tx) => closeCallback(r, operation, tx, "FAILED", error === undefined ? {} : { Error: error })
      )
    })

    const sendCallbackHeartbeat = Effect.fn("Emulator.sendCallbackHeartbeat")(function*(callbackId: string) {
      return yield* withCallback(callbackId, (r, operation, timer, tx) => {
        if (timer.heartbeatSeconds === undefined || timer.heartbeatSeconds === 0) return
        r.timers.set(operation.Id, { ...timer, heartbeatDeadline: tx.now + timer.heartbeatSeconds * 1000 })
        r.changed?.add(operation.Id)
        tx.touched.add(r)
        schedule(r, operation.Id)
      })
    })

    const completeChainedInvoke = Effect.fn("Emulator.completeChainedInvoke")(function*(
      arn: string,
      operationId: string,
      outcome:
        | { readonly Status: "SUCCEEDED"; readonly Result?: string }
        | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: Wire.ErrorObject }
    ) {
      return yield* withExecution<void, ChainedInvokeError>(arn, (r, tx) => {
        const operation = r.operations.get(operationId)
        if (operation === undefined || operation.Type !== "CHAINED_INVOKE" || operation.Status !== "STARTED") {
          return err(
            new ChainedInvokeError({
              arn,
              operationId,
              message: operation === undefined
                ? `No operation has the Id ${operationId}`
                : `Operation ${operationId} is a ${operation.Type} in status ${operation.Status}, not a STARTED CHAINED_INVOKE`
            })
          )
        }
        const details = outcome.Status === "SUCCEEDED"
          ? (outcome.Result === undefined ? {} : { Result: outcome.Result })
          : (outcome.Error === undefined ? {} : { Error: outcome.Error })
        updateOperation(r, tx, {
          ...operation,
          Status: outcome.Status,
          EndTimestamp: new Date(tx.now),
          ChainedInvokeDetails: details
        }, "chained-invoke")
        return ok(undefined)
      })
    })

    // -- queries --------------------------------------------------------------

    const nextWakeup = Effect.fn("Emulator.nextWakeup")(function*(arn: string) {
      return yield* withExecution<number | undefined, never>(arn, (r, tx) => {
        if (r.status !== "RUNNING") return ok(undefined)
        // changes not yet delivered to the function: the service re-invokes at once
        if (r.unreported.size > 0) return ok(tx.now)
        return ok(earliestDue(r))
      })
    })

    const execution = Effect.fn("Emulator.execution")(function*(arn: string) {
      return yield* withExecution<Execution, never>(arn, (r) => ok(snapshot(r)))
    })

    const history = Effect.fn("Emulator.history")(function*(arn: string, from = 0) {
      return yield* withExecution<ReadonlyArray<Event>, never>(arn, (r) => ok(r.history.slice(from)))
    })

    const executions = Effect.map(Ref.get(stateRef), (state) => [...state.executions.values()].map(snapshot))

    // An invocation that was running when the state was last written died with the process.
    for (const r of store === undefined || store.readonly === true ? [] : (yield* Ref.get(stateRef)).executions.values()) {
      if (r.status === "RUNNING" && r.invocation !== undefined) {
        yield* Effect.orDie(abandon(r.arn, "the local service stopped while the invocation ran", {
          ErrorType: "Runtime.ExitError",
          ErrorMessage: "the local service stopped while the invocation ran"
        }))
      }
    }

    return Emulator.of({
      start,
      invoke,
      complete,
      abandon,
      stop,
      client,
      sendCallbackSuccess,
      sendCallbackFailure,
      sendCallbackHeartbeat,
      completeChainedInvoke,
      nextWakeup,
      execution,
      executions,
      history,
      subscribe: PubSub.subscribe(pubsub),
      events: Stream.fromPubSub(pubsub)
    })
  })

/**
 * The in-memory durable execution service.
 *
 * - `start` creates an execution and returns its ARN;
 * - `invoke` makes the event of the next invocation (fresh token, first page of
 *   state, `UpdatedOperationIds`);
 * - `client` is the `CheckpointClient` the function talks to; a checkpoint
 *   sent again with the same `ClientToken` within 15 minutes (its answer was
 *   lost) gets the same answer and is not applied again, as on the service;
 * - `complete` records the function's answer (`abandon` records an invocation
 *   that died without one);
 * - `stop` ends a running execution as STOPPED with an optional error (the
 *   StopDurableExecution API): its token dies, so an invocation in progress
 *   can no longer checkpoint, and its answer is recorded but ignored; it
 *   returns the stop time;
 * - `nextWakeup` says when the service will next act by itself: now if changes
 *   are waiting to be delivered to a new invocation, else the earliest timer
 *   (a WAIT's end, a STEP's next attempt, a CALLBACK timeout), else `undefined`;
 * - `execution` / `history` / `subscribe` / `events` observe it.
 *
 * Every call first applies the transitions that are due on the `Clock`: WAITs
 * whose end has passed succeed, STEPs waiting to retry become READY, CALLBACKs
 * time out.
 *
 * @example
 * ```ts
 * const emulator = yield* Emulator.Emulator
 * const arn = yield* emulator.start({ input: "{}" })
 * const event = yield* emulator.invoke(arn)
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Emulator extends Context.Service<Emulator, {
  readonly start: (options?: StartOptions) => Effect.Effect<string, InvalidStartError | ExecutionAlreadyStartedError>
  readonly invoke: (
    arn: string
  ) => Effect.Effect<Wire.InvocationInput, ExecutionNotFoundError | ExecutionNotRunningError>
  readonly complete: (
    arn: string,
    output: Wire.InvocationOutput,
    details?: CompleteDetails
  ) => Effect.Effect<void, ExecutionNotFoundError | ExecutionNotRunningError | InvalidInvocationOutputError>
  readonly abandon: (arn: string, reason: string, error?: Wire.ErrorObject) => Effect.Effect<void, ExecutionNotFoundError>
  readonly stop: (
    arn: string,
    error?: Wire.ErrorObject
  ) => Effect.Effect<Date, ExecutionNotFoundError | ExecutionNotRunningError>
  readonly client: CheckpointClient["Service"]
  readonly sendCallbackSuccess: (callbackId: string, result?: string) => Effect.Effect<void, CallbackError>
  readonly sendCallbackFailure: (callbackId: string, error?: Wire.ErrorObject) => Effect.Effect<void, CallbackError>
  readonly sendCallbackHeartbeat: (callbackId: string) => Effect.Effect<void, CallbackError>
  readonly completeChainedInvoke: (
    arn: string,
    operationId: string,
    outcome:
      | { readonly Status: "SUCCEEDED"; readonly Result?: string }
      | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: Wire.ErrorObject }
  ) => Effect.Effect<void, ExecutionNotFoundError | ChainedInvokeError>
  readonly nextWakeup: (arn: string) => Effect.Effect<number | undefined, ExecutionNotFoundError>
  readonly execution: (arn: string) => Effect.Effect<Execution, ExecutionNotFoundError>
  readonly executions: Effect.Effect<ReadonlyArray<Execution>>
  readonly history: (arn: string, from?: number) => Effect.Effect<ReadonlyArray<Event>, ExecutionNotFoundError>
  readonly subscribe: Effect.Effect<PubSub.Subscription<Event>, never, Scope.Scope>
  readonly events: Stream.Stream<Event>
}>()("@effect-durable/testing/Emulator") {
  /**
   * An emulator with default options.
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<Emulator> = Layer.effect(this, make())

  /**
   * An emulator with options, e.g. a small `pageSize` to exercise paging.
   *
   * @example
   * ```ts
   * Effect.provide(program, Emulator.Emulator.layerWith({ pageSize: 2 }))
   * ```
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerWith = (options: Options): Layer.Layer<Emulator> => Layer.effect(this, make(options))

  /**
   * An emulator over the `EmulatorStore` in context: its state outlives the
   * process (see {@link makeWithStore}).
   *
   * @example
   * ```ts
   * Emulator.Emulator.layerStore().pipe(Layer.provide(SqliteStore.layer({ filename: ".effect-durable/service.db" })))
   * ```
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerStore = (options: Options = {}): Layer.Layer<Emulator, StoreError, EmulatorStore> =>
    Layer.effect(
      this,
      Effect.gen(function*() {
        return yield* makeWithStore(yield* EmulatorStore, options)
      })
    )

  /**
   * The core `CheckpointClient`, served by the emulator.
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerClient: Layer.Layer<CheckpointClient, never, Emulator> = Layer.effect(
    CheckpointClient,
    Effect.gen(function*() {
      return (yield* Emulator).client
    })
  )
}
