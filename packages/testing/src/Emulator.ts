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
import { Clock, Context, Effect, Layer, PubSub, Ref, Schema, Stream } from "effect"
import type { Scope } from "effect"
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
  /**
   * The durable execution name. Starting again with the same name and the same
   * input returns the existing execution; with another input it fails.
   * Defaults to `execution-<n>`.
   */
  readonly executionName?: string | undefined
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

/** An execution was created. @category events @since 0.1.0 */
export interface ExecutionStarted {
  readonly _tag: "ExecutionStarted"
  readonly arn: string
  readonly at: number
  readonly input: string | undefined
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
}

/** An invocation ended without an answer (crash, timeout, error, or superseded). @category events @since 0.1.0 */
export interface InvocationAbandoned {
  readonly _tag: "InvocationAbandoned"
  readonly arn: string
  readonly at: number
  readonly invocation: number
  readonly reason: string
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
 * A callback could not be completed: unknown id, or already closed (completed,
 * cancelled or timed out).
 *
 * @category errors
 * @since 0.1.0
 */
export class CallbackError extends Schema.TaggedError<CallbackError>()("CallbackError", {
  callbackId: Schema.String,
  message: Schema.String
}) {}

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

interface ExecutionRecord {
  readonly arn: string
  readonly serial: number
  readonly functionName: string
  readonly executionName: string
  readonly input: string | undefined
  readonly status: ExecutionStatus
  readonly executionOperationId: string
  readonly operations: ReadonlyMap<string, Wire.Operation>
  readonly timers: ReadonlyMap<string, Ops.CallbackTimer>
  readonly token: string | undefined
  readonly tokenSerial: number
  readonly callbackSerial: number
  /** Ids changed by the service itself and not yet reported to the function. */
  readonly unreported: ReadonlyArray<string>
  readonly invocation: number | undefined
  readonly invocations: number
  readonly checkpointCalls: number
  readonly rejectedCalls: number
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
  readonly startedAt: number
  readonly endedAt: number | undefined
  readonly history: ReadonlyArray<Event>
}

interface State {
  readonly serial: number
  readonly executions: ReadonlyMap<string, ExecutionRecord>
  /** callback id → execution ARN */
  readonly callbacks: ReadonlyMap<string, string>
}

type Outcome<A, E> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Err"; readonly error: E }

const ok = <A>(value: A): Outcome<A, never> => ({ _tag: "Ok", value })
const err = <E>(error: E): Outcome<never, E> => ({ _tag: "Err", error })

const setRecord = (state: State, record: ExecutionRecord): State => ({
  ...state,
  executions: new Map(state.executions).set(record.arn, record)
})

const appendUnique = (ids: ReadonlyArray<string>, more: Iterable<string>): ReadonlyArray<string> => {
  const result = [...ids]
  for (const id of more) if (!result.includes(id)) result.push(id)
  return result
}

const record = (r: ExecutionRecord, ...events: ReadonlyArray<Event>): ExecutionRecord =>
  events.length === 0 ? r : { ...r, history: [...r.history, ...events] }

/** Applies the transitions due at `now`. */
const advance = (r: ExecutionRecord, now: number): ExecutionRecord => {
  if (r.status !== "RUNNING") return r
  let operations: Map<string, Wire.Operation> | undefined
  const changed: Array<Wire.Operation> = []
  for (const operation of r.operations.values()) {
    const next = Ops.advanceOperation(operation, r.timers.get(operation.Id), now)
    if (next === undefined) continue
    operations ??= new Map(r.operations)
    operations.set(next.Id, next)
    changed.push(next)
  }
  if (operations === undefined) return r
  return record(
    { ...r, operations, unreported: appendUnique(r.unreported, changed.map((o) => o.Id)) },
    { _tag: "OperationsUpdated", arn: r.arn, at: now, reason: "timer", operations: changed }
  )
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
  checkpointCalls: r.checkpointCalls,
  rejectedCalls: r.rejectedCalls,
  startTimestamp: new Date(r.startedAt),
  endTimestamp: r.endedAt === undefined ? undefined : new Date(r.endedAt),
  history: r.history
})

const clientError = (
  message: string,
  scope: "INVOCATION" | "EXECUTION",
  statusCode = 400,
  errorName = "InvalidParameterValueException"
) => new CheckpointClientError({ message, scope, statusCode, errorName })

const invalidToken = () => clientError("Invalid checkpoint token", "INVOCATION")

const uuidOf = (serial: number): string => `00000000-0000-4000-8000-${serial.toString(16).padStart(12, "0")}`

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/

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
// Service
// ---------------------------------------------------------------------------

/**
 * Builds an emulator. Most code uses {@link Emulator.layer} or
 * {@link Emulator.layerWith} instead.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const pageSize = options.pageSize ?? Ops.defaultMaxItems
    const limits: Rules.Limits = { ...Rules.defaultLimits, ...options.limits }
    const region = options.region ?? "us-east-1"
    const account = options.account ?? "123456789012"
    const stateRef = yield* Ref.make<State>({ serial: 0, executions: new Map(), callbacks: new Map() })
    const pubsub = yield* PubSub.unbounded<Event>()

    /**
     * Runs one atomic transition of the state at the current Clock time, then
     * publishes the events it recorded.
     */
    const transact = <A, E>(
      f: (state: State, now: number) => readonly [Outcome<A, E>, State]
    ): Effect.Effect<A, E> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const [outcome, events] = yield* Ref.modify(stateRef, (state) => {
          const [outcome, next] = f(state, now)
          const events: Array<Event> = []
          for (const [arn, after] of next.executions) {
            const before = state.executions.get(arn)
            const from = before === undefined ? 0 : before.history.length
            for (let i = from; i < after.history.length; i++) events.push(after.history[i]!)
          }
          return [[outcome, events] as const, next]
        })
        if (events.length > 0) yield* PubSub.publishAll(pubsub, events)
        if (outcome._tag === "Err") return yield* Effect.fail(outcome.error)
        return outcome.value
      })

    /** Like `transact`, for one existing execution, after advancing its timers. */
    const withExecution = <A, E>(
      arn: string,
      f: (r: ExecutionRecord, now: number, state: State) => readonly [Outcome<A, E>, ExecutionRecord, State?]
    ) =>
      transact<A, E | ExecutionNotFoundError>((state, now) => {
        const found = state.executions.get(arn)
        if (found === undefined) {
          return [err(new ExecutionNotFoundError({ arn, message: `No durable execution has the ARN ${arn}` })), state]
        }
        const advanced = advance(found, now)
        const [outcome, next, nextState] = f(advanced, now, state)
        return [outcome, setRecord(nextState ?? state, next)]
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
      const input = startOptions.input
      if (input !== undefined) {
        if (!isValidJson(input)) {
          return yield* new InvalidStartError({ message: "The execution input must be a JSON document" })
        }
        if (Buffer.byteLength(input, "utf8") > maxResultBytes) {
          return yield* new InvalidStartError({ message: `The execution input must be at most ${maxResultBytes} bytes` })
        }
      }
      return yield* transact<string, InvalidStartError>((state, now) => {
        if (startOptions.executionName !== undefined) {
          for (const existing of state.executions.values()) {
            if (existing.functionName === functionName && existing.executionName === startOptions.executionName) {
              return existing.input === input
                ? [ok(existing.arn), state]
                : [
                  err(
                    new InvalidStartError({
                      message:
                        `DurableExecutionAlreadyStartedException: an execution named "${startOptions.executionName}" already exists with a different input`
                    })
                  ),
                  state
                ]
            }
          }
        }
        const serial = state.serial + 1
        const id = uuidOf(serial)
        const executionName = startOptions.executionName ?? `execution-${serial}`
        const arn =
          `arn:aws:lambda:${region}:${account}:function:${functionName}:$LATEST/durable-execution/${executionName}/${id}`
        const executionOperation: Wire.Operation = {
          Id: id,
          Type: "EXECUTION",
          Status: "STARTED",
          StartTimestamp: new Date(now),
          ExecutionDetails: input === undefined ? {} : { InputPayload: input }
        }
        const r: ExecutionRecord = {
          arn,
          serial,
          functionName,
          executionName,
          input,
          status: "RUNNING",
          executionOperationId: id,
          operations: new Map([[id, executionOperation]]),
          timers: new Map(),
          token: undefined,
          tokenSerial: 0,
          callbackSerial: 0,
          unreported: [],
          invocation: undefined,
          invocations: 0,
          checkpointCalls: 0,
          rejectedCalls: 0,
          result: undefined,
          error: undefined,
          startedAt: now,
          endedAt: undefined,
          history: [{ _tag: "ExecutionStarted", arn, at: now, input }]
        }
        return [ok(arn), setRecord({ ...state, serial }, r)]
      })
    })

    const invoke = Effect.fn("Emulator.invoke")(function*(arn: string) {
      return yield* withExecution<Wire.InvocationInput, ExecutionNotRunningError>(arn, (r, now) => {
        if (r.status !== "RUNNING") return [err(notRunning(r)), r]
        let current = r
        if (current.invocation !== undefined) {
          current = record(current, {
            _tag: "InvocationAbandoned",
            arn,
            at: now,
            invocation: current.invocation,
            reason: "superseded by a new invocation"
          })
        }
        const tokenSerial = current.tokenSerial + 1
        const token = `token-${current.serial}-${tokenSerial}`
        const invocation = current.invocations + 1
        const state = Ops.prune(current.operations)
        const first = Ops.page(state, undefined, pageSize)
        const initial: Wire.ExecutionState = typeof first === "string"
          ? { Operations: state }
          : first.NextMarker === undefined
          ? { Operations: first.Operations }
          : { Operations: first.Operations, NextMarker: first.NextMarker }
        const updated = current.unreported
        const event: Wire.InvocationInput = {
          DurableExecutionArn: arn,
          CheckpointToken: token,
          InitialExecutionState: initial,
          ...(updated.length > 0 ? { UpdatedOperationIds: updated } : {})
        }
        const next = record(
          { ...current, token, tokenSerial, invocation, invocations: invocation, unreported: [] },
          {
            _tag: "InvocationStarted",
            arn,
            at: now,
            invocation,
            updatedOperationIds: updated,
            operationCount: state.length
          }
        )
        return [ok(event), next]
      })
    })

    const endExecution = (
      r: ExecutionRecord,
      now: number,
      status: "SUCCEEDED" | "FAILED" | "STOPPED",
      result: string | undefined,
      error: Wire.ErrorObject | undefined
    ): ExecutionRecord => {
      const operation = r.operations.get(r.executionOperationId)!
      const operations = new Map(r.operations).set(r.executionOperationId, {
        ...operation,
        Status: status,
        EndTimestamp: new Date(now)
      })
      return record(
        { ...r, operations, status, result, error, endedAt: now, token: undefined },
        { _tag: "ExecutionCompleted", arn: r.arn, at: now, status, result, error }
      )
    }

    const complete = Effect.fn("Emulator.complete")(function*(arn: string, output: Wire.InvocationOutput) {
      return yield* withExecution<void, ExecutionNotRunningError | InvalidInvocationOutputError>(arn, (r, now) => {
        if (r.invocation === undefined) {
          if (r.status !== "RUNNING") return [err(notRunning(r)), r]
          return [
            err(new InvalidInvocationOutputError({ arn, message: "No invocation of this execution is in progress" })),
            r
          ]
        }
        const invocation = r.invocation
        const ended = { ...r, invocation: undefined, token: undefined }
        const completed = (error?: string): Event => ({
          _tag: "InvocationCompleted",
          arn,
          at: now,
          invocation,
          output,
          ...(error === undefined ? {} : { error })
        })
        const reject = (message: string) =>
          [err(new InvalidInvocationOutputError({ arn, message })), record(ended, completed(message))] as const
        // The execution already ended through an EXECUTION checkpoint: the answer is recorded, its content ignored.
        if (r.status !== "RUNNING") return [ok(undefined), record(ended, completed())]
        switch (output.Status) {
          case "PENDING": {
            const pending = [...r.operations.values()].some(Ops.isPending)
            if (!pending) return reject("Cannot return PENDING status with no pending operations.")
            return [ok(undefined), record(ended, completed())]
          }
          case "SUCCEEDED": {
            const size = output.Result === undefined ? 0 : Buffer.byteLength(output.Result, "utf8")
            if (size > maxResultBytes) {
              return reject(`The invocation result must be at most ${maxResultBytes} bytes (got ${size})`)
            }
            return [ok(undefined), endExecution(record(ended, completed()), now, "SUCCEEDED", output.Result, undefined)]
          }
          case "FAILED":
            return [ok(undefined), endExecution(record(ended, completed()), now, "FAILED", undefined, output.Error)]
        }
      })
    })

    const abandon = Effect.fn("Emulator.abandon")(function*(arn: string, reason: string) {
      return yield* withExecution<void, never>(arn, (r, now) => {
        if (r.invocation === undefined) return [ok(undefined), r]
        return [
          ok(undefined),
          record(
            { ...r, invocation: undefined, token: undefined },
            { _tag: "InvocationAbandoned", arn, at: now, invocation: r.invocation, reason }
          )
        ]
      })
    })

    const stop = Effect.fn("Emulator.stop")(function*(arn: string, error?: Wire.ErrorObject) {
      return yield* withExecution<Date, ExecutionNotRunningError>(arn, (r, now) => {
        if (r.status !== "RUNNING") return [err(notRunning(r)), r]
        // A running invocation keeps running; its checkpoints fail from now on, and its answer is ignored.
        return [ok(new Date(now)), endExecution(r, now, "STOPPED", undefined, error)]
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

    const rejected = (state: State, arn: string, now: number, error: CheckpointClientError) => {
      const r = state.executions.get(arn)
      if (r === undefined) return [err(error), state] as const
      const next = record(
        { ...r, rejectedCalls: r.rejectedCalls + 1 },
        { _tag: "CheckpointRejected", arn, at: now, invocation: r.invocation, error }
      )
      return [err(error), setRecord(state, next)] as const
    }

    /** Advances the execution (if it exists) before a client call looks at it. */
    const advanceIn = (state: State, arn: string, now: number): State => {
      const r = state.executions.get(arn)
      return r === undefined ? state : setRecord(state, advance(r, now))
    }

    const getExecutionState = Effect.fn("Emulator.getExecutionState")(function*(request: Wire.GetStateRequest) {
      return yield* transact<Wire.GetStateResponse, CheckpointClientError>((initial, now) => {
        const arn = request.DurableExecutionArn
        const state = advanceIn(initial, arn, now)
        const r = guard(state, arn, request.CheckpointToken)
        if (r instanceof CheckpointClientError) return rejected(state, arn, now, r)
        const result = Ops.page(Ops.prune(r.operations), request.Marker, request.MaxItems ?? Ops.defaultMaxItems)
        if (typeof result === "string") return rejected(state, arn, now, clientError(result, "EXECUTION"))
        return [ok(result), state]
      })
    })

    const checkpoint = Effect.fn("Emulator.checkpoint")(function*(request: Wire.CheckpointRequest) {
      return yield* transact<Wire.CheckpointResponse, CheckpointClientError>((initial, now) => {
        const arn = request.DurableExecutionArn
        const state = advanceIn(initial, arn, now)
        const r = guard(state, arn, request.CheckpointToken)
        if (r instanceof CheckpointClientError) return rejected(state, arn, now, r)
        const original = request.Updates ?? []
        const fail = (violation: Rules.Violation) =>
          rejected(state, arn, now, clientError(Rules.describe(violation), "EXECUTION"))
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
        const operations = new Map(r.operations)
        const timers = new Map(r.timers)
        let callbackSerial = r.callbackSerial
        const newCallbacks: Array<string> = []
        const touched: Array<string> = []
        let terminal: Wire.OperationUpdate | undefined
        for (let index = 0; index < updates.length; index++) {
          const update = updates[index]!
          const current = operations.get(update.Id)
          const rule = Rules.checkTransition(update, current)
          if (rule !== undefined) {
            return fail({ index, operationId: original[index]!.Id, type: update.Type, action: update.Action, rule })
          }
          const next = Ops.applyUpdate(current, update, now, () => {
            callbackSerial += 1
            const id = `callback-${r.serial}-${callbackSerial}`
            newCallbacks.push(id)
            return id
          })
          operations.set(next.Id, next)
          if (!touched.includes(next.Id)) touched.push(next.Id)
          if (update.Type === "CALLBACK" && update.Action === "START") {
            const timeout = update.CallbackOptions?.TimeoutSeconds
            const heartbeat = update.CallbackOptions?.HeartbeatTimeoutSeconds
            timers.set(next.Id, {
              callbackId: next.CallbackDetails!.CallbackId!,
              operationId: next.Id,
              timeoutAt: timeout !== undefined && timeout > 0 ? now + timeout * 1000 : undefined,
              heartbeatSeconds: heartbeat,
              heartbeatDeadline: heartbeat !== undefined && heartbeat > 0 ? now + heartbeat * 1000 : undefined
            })
          }
          if (update.Type === "EXECUTION") terminal = update
        }
        const reported = appendUnique(r.unreported, touched).map((id) => operations.get(id)!)
        const call = r.checkpointCalls + 1
        let next: ExecutionRecord = record(
          { ...r, operations, timers, callbackSerial, unreported: [], checkpointCalls: call },
          { _tag: "Checkpointed", arn, at: now, invocation: r.invocation, call, updates: original, operations: reported }
        )
        let response: Wire.CheckpointResponse
        if (terminal !== undefined) {
          next = terminal.Action === "SUCCEED"
            ? endExecution(next, now, "SUCCEEDED", terminal.Payload, undefined)
            : endExecution(next, now, "FAILED", undefined, terminal.Error)
          response = { NewExecutionState: { Operations: reported } }
        } else {
          const tokenSerial = next.tokenSerial + 1
          const token = `token-${r.serial}-${tokenSerial}`
          next = { ...next, token, tokenSerial }
          response = { CheckpointToken: token, NewExecutionState: { Operations: reported } }
        }
        let callbacks = state.callbacks
        if (newCallbacks.length > 0) {
          const map = new Map(callbacks)
          for (const id of newCallbacks) map.set(id, arn)
          callbacks = map
        }
        return [ok(response), setRecord({ ...state, callbacks }, next)]
      })
    })

    const client = CheckpointClient.of({ getExecutionState, checkpoint })

    // -- external completions -------------------------------------------------

    const withCallback = (
      callbackId: string,
      f: (r: ExecutionRecord, operation: Wire.Operation, timer: Ops.CallbackTimer, now: number) => ExecutionRecord
    ) =>
      transact<void, CallbackError>((state, now) => {
        const arn = state.callbacks.get(callbackId)
        const found = arn === undefined ? undefined : state.executions.get(arn)
        if (found === undefined) {
          return [err(new CallbackError({ callbackId, message: `No callback has the id ${callbackId}` })), state]
        }
        const r = advance(found, now)
        const operation = [...r.operations.values()].find((o) => o.CallbackDetails?.CallbackId === callbackId)
        const timer = operation === undefined ? undefined : r.timers.get(operation.Id)
        if (operation === undefined || timer === undefined || operation.Status !== "STARTED" || r.status !== "RUNNING") {
          return [
            err(
              new CallbackError({
                callbackId,
                message: `CallbackTimeoutException: the callback ${callbackId} is closed (status ${
                  operation?.Status ?? "unknown"
                })`
              })
            ),
            setRecord(state, r)
          ]
        }
        return [ok(undefined), setRecord(state, f(r, operation, timer, now))]
      })

    const closeCallback = (
      r: ExecutionRecord,
      operation: Wire.Operation,
      now: number,
      status: "SUCCEEDED" | "FAILED",
      details: { readonly Result?: string; readonly Error?: Wire.ErrorObject }
    ): ExecutionRecord => {
      const next: Wire.Operation = {
        ...operation,
        Status: status,
        EndTimestamp: new Date(now),
        CallbackDetails: { ...operation.CallbackDetails, ...details }
      }
      return record(
        {
          ...r,
          operations: new Map(r.operations).set(next.Id, next),
          unreported: appendUnique(r.unreported, [next.Id])
        },
        { _tag: "OperationsUpdated", arn: r.arn, at: now, reason: "callback", operations: [next] }
      )
    }

    const sendCallbackSuccess = Effect.fn("Emulator.sendCallbackSuccess")(function*(
      callbackId: string,
      result?: string
    ) {
      return yield* withCallback(
        callbackId,
        (r, operation, _timer, now) =>
          closeCallback(r, operation, now, "SUCCEEDED", result === undefined ? {} : { Result: result })
      )
    })

    const sendCallbackFailure = Effect.fn("Emulator.sendCallbackFailure")(function*(
      callbackId: string,
      error?: Wire.ErrorObject
    ) {
      return yield* withCallback(
        callbackId,
        (r, operation, _timer, now) => closeCallback(r, operation, now, "FAILED", error === undefined ? {} : { Error: error })
      )
    })

    const sendCallbackHeartbeat = Effect.fn("Emulator.sendCallbackHeartbeat")(function*(callbackId: string) {
      return yield* withCallback(callbackId, (r, operation, timer, now) =>
        timer.heartbeatSeconds === undefined || timer.heartbeatSeconds === 0 ? r : {
          ...r,
          timers: new Map(r.timers).set(operation.Id, {
            ...timer,
            heartbeatDeadline: now + timer.heartbeatSeconds * 1000
          })
        })
    })

    const completeChainedInvoke = Effect.fn("Emulator.completeChainedInvoke")(function*(
      arn: string,
      operationId: string,
      outcome:
        | { readonly Status: "SUCCEEDED"; readonly Result?: string }
        | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: Wire.ErrorObject }
    ) {
      return yield* withExecution<void, ChainedInvokeError>(arn, (r, now) => {
        const operation = r.operations.get(operationId)
        if (operation === undefined || operation.Type !== "CHAINED_INVOKE" || operation.Status !== "STARTED") {
          return [
            err(
              new ChainedInvokeError({
                arn,
                operationId,
                message: operation === undefined
                  ? `No operation has the Id ${operationId}`
                  : `Operation ${operationId} is a ${operation.Type} in status ${operation.Status}, not a STARTED CHAINED_INVOKE`
              })
            ),
            r
          ]
        }
        const details = outcome.Status === "SUCCEEDED"
          ? (outcome.Result === undefined ? {} : { Result: outcome.Result })
          : (outcome.Error === undefined ? {} : { Error: outcome.Error })
        const next: Wire.Operation = {
          ...operation,
          Status: outcome.Status,
          EndTimestamp: new Date(now),
          ChainedInvokeDetails: details
        }
        return [
          ok(undefined),
          record(
            {
              ...r,
              operations: new Map(r.operations).set(next.Id, next),
              unreported: appendUnique(r.unreported, [next.Id])
            },
            { _tag: "OperationsUpdated", arn, at: now, reason: "chained-invoke", operations: [next] }
          )
        ]
      })
    })

    // -- queries --------------------------------------------------------------

    const nextWakeup = Effect.fn("Emulator.nextWakeup")(function*(arn: string) {
      return yield* withExecution<number | undefined, never>(arn, (r, now) => {
        if (r.status !== "RUNNING") return [ok(undefined), r]
        // changes not yet delivered to the function: the service re-invokes at once
        if (r.unreported.length > 0) return [ok(now), r]
        let earliest: number | undefined
        for (const operation of r.operations.values()) {
          const at = Ops.wakeupOf(operation, r.timers.get(operation.Id))
          if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at
        }
        return [ok(earliest), r]
      })
    })

    const execution = Effect.fn("Emulator.execution")(function*(arn: string) {
      return yield* withExecution<Execution, never>(arn, (r) => [ok(snapshot(r)), r])
    })

    const history = Effect.fn("Emulator.history")(function*(arn: string, from = 0) {
      return yield* withExecution<ReadonlyArray<Event>, never>(arn, (r) => [ok(r.history.slice(from)), r])
    })

    const executions = Effect.map(Ref.get(stateRef), (state) => [...state.executions.values()].map(snapshot))

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
 * - `client` is the `CheckpointClient` the function talks to;
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
  readonly start: (options?: StartOptions) => Effect.Effect<string, InvalidStartError>
  readonly invoke: (
    arn: string
  ) => Effect.Effect<Wire.InvocationInput, ExecutionNotFoundError | ExecutionNotRunningError>
  readonly complete: (
    arn: string,
    output: Wire.InvocationOutput
  ) => Effect.Effect<void, ExecutionNotFoundError | ExecutionNotRunningError | InvalidInvocationOutputError>
  readonly abandon: (arn: string, reason: string) => Effect.Effect<void, ExecutionNotFoundError>
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
