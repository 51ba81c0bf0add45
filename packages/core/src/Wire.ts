/**
 * The wire model of the Lambda durable execution API: every shape the service
 * sends or accepts, with the service's own field names.
 *
 * The decoded types are plain objects, structurally compatible with the types of
 * `@aws-sdk/client-lambda`, so the Lambda client can be used without copying.
 * The one exception is what an invocation holds for its whole life: each
 * operation of the history is decoded into a compact copy of its own, so that
 * the transport's page can be dropped (see `decodeGetStateResponse`).
 * Timestamps decode from an ISO string, epoch milliseconds or a `Date` (the
 * invocation event carries strings, the AWS client gives `Date`s) and always
 * decode to `Date`; they encode to ISO strings.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InvalidEventError } from "./DurableError.ts"
import { keep } from "./internal/shapes.ts"
import { ErrorObject, Timestamp } from "./internal/wireBlocks.ts"

// ---------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------

/**
 * The kind of a checkpointed operation.
 *
 * @category literals
 * @since 0.1.0
 */
export const OperationType = Schema.Literals(["EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE"])
/** @since 0.1.0 */
export type OperationType = typeof OperationType.Type

/**
 * The status of a checkpointed operation, as the service reports it.
 *
 * @category literals
 * @since 0.1.0
 */
export const OperationStatus = Schema.Literals([
  "STARTED",
  "PENDING",
  "READY",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "STOPPED"
])
/** @since 0.1.0 */
export type OperationStatus = typeof OperationStatus.Type

/**
 * The action an `OperationUpdate` asks the service to apply.
 *
 * @category literals
 * @since 0.1.0
 */
export const OperationAction = Schema.Literals(["START", "SUCCEED", "FAIL", "RETRY", "CANCEL"])
/** @since 0.1.0 */
export type OperationAction = typeof OperationAction.Type

/**
 * The `SubType` strings the official SDK writes, one per SDK operation.
 *
 * @category literals
 * @since 0.1.0
 */
export const OperationSubType = {
  Step: "Step",
  Wait: "Wait",
  Callback: "Callback",
  RunInChildContext: "RunInChildContext",
  Map: "Map",
  MapIteration: "MapIteration",
  Parallel: "Parallel",
  ParallelBranch: "ParallelBranch",
  WaitForCallback: "WaitForCallback",
  WaitForCondition: "WaitForCondition",
  ChainedInvoke: "ChainedInvoke"
} as const
/** @since 0.1.0 */
export type OperationSubType = typeof OperationSubType[keyof typeof OperationSubType]

/**
 * The status of a whole invocation, returned to the service.
 *
 * @category literals
 * @since 0.1.0
 */
export const InvocationStatus = Schema.Literals(["SUCCEEDED", "FAILED", "PENDING"])
/** @since 0.1.0 */
export type InvocationStatus = typeof InvocationStatus.Type

/**
 * Statuses after which an operation never changes again.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isTerminalStatus = (status: OperationStatus): boolean =>
  status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED" || status === "TIMED_OUT" ||
  status === "STOPPED"

// ---------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------

// Defined in a module of their own, which the executions' schemas share (see below).
export { ErrorObject, Timestamp } from "./internal/wireBlocks.ts"

/** @category schemas @since 0.1.0 */
export const ExecutionDetails = Schema.Struct({
  InputPayload: Schema.optionalKey(Schema.String)
})

/** @category schemas @since 0.1.0 */
export const ContextDetails = Schema.Struct({
  ReplayChildren: Schema.optionalKey(Schema.Boolean),
  Result: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject)
})

/**
 * `Attempt` counts the attempts already made; the next attempt is `Attempt + 1`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const StepDetails = Schema.Struct({
  Attempt: Schema.optionalKey(Schema.Number),
  NextAttemptTimestamp: Schema.optionalKey(Timestamp),
  Result: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject)
})

/** @category schemas @since 0.1.0 */
export const WaitDetails = Schema.Struct({
  ScheduledEndTimestamp: Schema.optionalKey(Timestamp)
})

/** @category schemas @since 0.1.0 */
export const CallbackDetails = Schema.Struct({
  CallbackId: Schema.optionalKey(Schema.String),
  Result: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject)
})

/** @category schemas @since 0.1.0 */
export const ChainedInvokeDetails = Schema.Struct({
  Result: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject)
})

/**
 * One checkpointed operation, as the service stores and returns it. `Id` and
 * `ParentId` are the hashed ids (see `OperationId`).
 *
 * @category schemas
 * @since 0.1.0
 */
export const Operation = Schema.Struct({
  Id: Schema.String,
  ParentId: Schema.optionalKey(Schema.String),
  Name: Schema.optionalKey(Schema.String),
  Type: OperationType,
  SubType: Schema.optionalKey(Schema.String),
  StartTimestamp: Schema.optionalKey(Timestamp),
  EndTimestamp: Schema.optionalKey(Timestamp),
  Status: OperationStatus,
  ExecutionDetails: Schema.optionalKey(ExecutionDetails),
  ContextDetails: Schema.optionalKey(ContextDetails),
  StepDetails: Schema.optionalKey(StepDetails),
  WaitDetails: Schema.optionalKey(WaitDetails),
  CallbackDetails: Schema.optionalKey(CallbackDetails),
  ChainedInvokeDetails: Schema.optionalKey(ChainedInvokeDetails)
})
/** @since 0.1.0 */
export type Operation = typeof Operation.Type

/** @category schemas @since 0.1.0 */
export const ContextOptions = Schema.Struct({ ReplayChildren: Schema.optionalKey(Schema.Boolean) })
/** @category schemas @since 0.1.0 */
export const StepOptions = Schema.Struct({ NextAttemptDelaySeconds: Schema.optionalKey(Schema.Number) })
/** @category schemas @since 0.1.0 */
export const WaitOptions = Schema.Struct({ WaitSeconds: Schema.optionalKey(Schema.Number) })
/** @category schemas @since 0.1.0 */
export const CallbackOptions = Schema.Struct({
  TimeoutSeconds: Schema.optionalKey(Schema.Number),
  HeartbeatTimeoutSeconds: Schema.optionalKey(Schema.Number)
})
/** @category schemas @since 0.1.0 */
export const ChainedInvokeOptions = Schema.Struct({
  FunctionName: Schema.String,
  TenantId: Schema.optionalKey(Schema.String),
  XAmznTraceId: Schema.optionalKey(Schema.String)
})

/**
 * One change that the SDK asks the service to apply to an operation.
 *
 * @example
 * ```ts
 * const start: Wire.OperationUpdate = { Id: "c4ca4238a0b92382", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 5 } }
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const OperationUpdate = Schema.Struct({
  Id: Schema.String,
  ParentId: Schema.optionalKey(Schema.String),
  Name: Schema.optionalKey(Schema.String),
  Type: OperationType,
  SubType: Schema.optionalKey(Schema.String),
  Action: OperationAction,
  Payload: Schema.optionalKey(Schema.String),
  Error: Schema.optionalKey(ErrorObject),
  ContextOptions: Schema.optionalKey(ContextOptions),
  StepOptions: Schema.optionalKey(StepOptions),
  WaitOptions: Schema.optionalKey(WaitOptions),
  CallbackOptions: Schema.optionalKey(CallbackOptions),
  ChainedInvokeOptions: Schema.optionalKey(ChainedInvokeOptions)
})
/** @since 0.1.0 */
export type OperationUpdate = typeof OperationUpdate.Type

// ---------------------------------------------------------------------------
// Invocation input / output
// ---------------------------------------------------------------------------

/**
 * The execution state as delivered in a page: operations plus the marker of the
 * next page, if any.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ExecutionState = Schema.Struct({
  Operations: Schema.optionalKey(Schema.Array(Operation)),
  NextMarker: Schema.optionalKey(Schema.String)
})
/** @since 0.1.0 */
export type ExecutionState = typeof ExecutionState.Type

/**
 * The event Lambda gives a durable function on each invocation.
 *
 * @category schemas
 * @since 0.1.0
 */
export const InvocationInput = Schema.Struct({
  DurableExecutionArn: Schema.String,
  CheckpointToken: Schema.String,
  UpdatedOperationIds: Schema.optionalKey(Schema.Array(Schema.String)),
  InitialExecutionState: Schema.optionalKey(ExecutionState)
})
/** @since 0.1.0 */
export type InvocationInput = typeof InvocationInput.Type

/**
 * What a durable function returns to the service at the end of an invocation.
 *
 * @category schemas
 * @since 0.1.0
 */
export const InvocationOutput = Schema.Union([
  Schema.Struct({ Status: Schema.Literal("SUCCEEDED"), Result: Schema.optionalKey(Schema.String) }),
  Schema.Struct({ Status: Schema.Literal("FAILED"), Error: ErrorObject }),
  Schema.Struct({ Status: Schema.Literal("PENDING") })
])
/** @since 0.1.0 */
export type InvocationOutput = typeof InvocationOutput.Type

// ---------------------------------------------------------------------------
// API requests and responses
// ---------------------------------------------------------------------------

/** @category schemas @since 0.1.0 */
export const CheckpointRequest = Schema.Struct({
  DurableExecutionArn: Schema.String,
  CheckpointToken: Schema.String,
  Updates: Schema.optionalKey(Schema.Array(OperationUpdate)),
  ClientToken: Schema.optionalKey(Schema.String)
})
/** @since 0.1.0 */
export type CheckpointRequest = typeof CheckpointRequest.Type

/**
 * The service's answer to a checkpoint: the next token (absent only after a
 * terminal EXECUTION update) and the operations that changed since the last call.
 *
 * @category schemas
 * @since 0.1.0
 */
export const CheckpointResponse = Schema.Struct({
  CheckpointToken: Schema.optionalKey(Schema.String),
  NewExecutionState: Schema.optionalKey(ExecutionState)
})
/** @since 0.1.0 */
export type CheckpointResponse = typeof CheckpointResponse.Type

/** @category schemas @since 0.1.0 */
export const GetStateRequest = Schema.Struct({
  DurableExecutionArn: Schema.String,
  CheckpointToken: Schema.String,
  Marker: Schema.optionalKey(Schema.String),
  MaxItems: Schema.optionalKey(Schema.Number)
})
/** @since 0.1.0 */
export type GetStateRequest = typeof GetStateRequest.Type

/** @category schemas @since 0.1.0 */
export const GetStateResponse = Schema.Struct({
  Operations: Schema.optionalKey(Schema.Array(Operation)),
  NextMarker: Schema.optionalKey(Schema.String)
})
/** @since 0.1.0 */
export type GetStateResponse = typeof GetStateResponse.Type

// ---------------------------------------------------------------------------
// Executions, as service code sees them
// ---------------------------------------------------------------------------

// Defined in a module of their own and re-exported: a bundle that does not use them (a Lambda handler: only
// service code reads executions and their history) leaves that module out, and with it ~0.5 ms of schema
// construction at import on a cold start (the package has no side effects, so esbuild drops unused modules).
export {
  EventError,
  EventPayload,
  ExecutionStatus,
  ExecutionSummary,
  GetExecutionResponse,
  HistoryEvent,
  HistoryEventType,
  RetryDetails
} from "./internal/executions.ts"

// ---------------------------------------------------------------------------
// Decoding at the edge
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Fast decoding
// ---------------------------------------------------------------------------

// Every invocation receives the whole history (every operation, on every
// invocation), so the service's shapes are decoded here by hand, exactly as
// the Schemas above decode them: the declared keys in their order, keys whose
// value is `undefined` treated as absent, timestamps as valid `Date`s. Anything
// else yields `Invalid`, and the caller decodes with the Schema, which says
// what is wrong. A test checks both against each other on generated values.

const Invalid: unique symbol = Symbol.for("@effect-durable/core/Wire/Invalid")
type Invalid = typeof Invalid

type Field =
  | "string"
  | "number"
  | "boolean"
  | "timestamp"
  | "strings"
  | Interned
  | Fields
interface Fields extends ReadonlyArray<readonly [key: string, field: Field, required?: "required"]> {}

/**
 * A string field whose known values decode to this module's own copy of the
 * string: every operation of a history then shares one "STEP", one
 * "SUCCEEDED" and one "Step", where a page parsed from JSON brings a string of
 * each per operation (~80 bytes per operation held). `closed`: only the known
 * values are valid (a literal); otherwise any other string is kept as it is.
 */
class Interned {
  readonly known: ReadonlyMap<string, string>
  readonly closed: boolean
  constructor(values: Iterable<string>, closed: boolean) {
    this.known = new Map(Array.from(values, (value) => [value, value]))
    this.closed = closed
  }
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const decodeField = (field: Field, u: unknown): unknown => {
  switch (field) {
    case "string":
      return typeof u === "string" ? u : Invalid
    case "number":
      return typeof u === "number" ? u : Invalid
    case "boolean":
      return typeof u === "boolean" ? u : Invalid
    case "timestamp": {
      const date = u instanceof Date ? u : typeof u === "string" || typeof u === "number" ? new Date(u) : undefined
      return date !== undefined && !Number.isNaN(date.getTime()) ? date : Invalid
    }
    case "strings":
      return Array.isArray(u) && u.every((s) => typeof s === "string") ? u : Invalid
  }
  if (field instanceof Interned) {
    if (typeof u !== "string") return Invalid
    return field.known.get(u) ?? (field.closed ? Invalid : u)
  }
  return decodeFields(field, u)
}

/**
 * Decodes a struct. An input already in its decoded form (no other keys, none
 * `undefined`, timestamps already `Date`s: what the AWS SDK returns) is
 * returned as it is, without a copy; otherwise the copy holds the declared keys
 * in their order. Nothing is ever mutated.
 */
const decodeFields = (fields: Fields, u: unknown): Record<string, unknown> | Invalid => {
  if (!isObject(u)) return Invalid
  let out: Record<string, unknown> | undefined
  let present = 0
  for (let i = 0; i < fields.length; i++) {
    const [key, field, required] = fields[i]!
    const value = u[key]
    if (value === undefined) {
      if (required !== undefined) return Invalid
      continue
    }
    present++
    const decoded = decodeField(field, value)
    if (decoded === Invalid) return Invalid
    if (out === undefined && decoded !== value) out = copied(fields, u, i)
    if (out !== undefined) out[key] = decoded
  }
  if (out !== undefined) return out
  // Any other key (or a key present with `undefined`) means a copy without it.
  let keys = 0
  for (const key in u) if (Object.hasOwn(u, key)) keys++
  return keys === present ? u : copied(fields, u, fields.length)
}

/** A copy of the declared keys before `end` that `u` has (they decoded to themselves). */
const copied = (fields: Fields, u: Record<string, unknown>, end: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < end; i++) {
    const key = fields[i]![0]
    if (u[key] !== undefined) out[key] = u[key]
  }
  return out
}

const errorFields: Fields = [
  ["ErrorType", "string"],
  ["ErrorMessage", "string"],
  ["ErrorData", "string"],
  ["StackTrace", "strings"]
]

const operationFields: Fields = [
  ["Id", "string", "required"],
  ["ParentId", "string"],
  ["Name", "string"],
  ["Type", new Interned(OperationType.literals, true), "required"],
  ["SubType", new Interned(Object.values(OperationSubType), false)],
  ["StartTimestamp", "timestamp"],
  ["EndTimestamp", "timestamp"],
  ["Status", new Interned(OperationStatus.literals, true), "required"],
  ["ExecutionDetails", [["InputPayload", "string"]]],
  ["ContextDetails", [["ReplayChildren", "boolean"], ["Result", "string"], ["Error", errorFields]]],
  ["StepDetails", [
    ["Attempt", "number"],
    ["NextAttemptTimestamp", "timestamp"],
    ["Result", "string"],
    ["Error", errorFields]
  ]],
  ["WaitDetails", [["ScheduledEndTimestamp", "timestamp"]]],
  ["CallbackDetails", [["CallbackId", "string"], ["Result", "string"], ["Error", errorFields]]],
  ["ChainedInvokeDetails", [["Result", "string"], ["Error", errorFields]]]
]

/**
 * An operation as an invocation holds it, for as long as it runs: the whole
 * history, every invocation. So it is always a copy of its own, never the
 * transport's object: its literals shared (see `Interned`), its keys (the
 * declared ones, in their order) laid out inside the object. A plain object
 * like any other (its prototype is `Object.prototype`), built through a
 * constructor because V8 sizes a constructor's objects for the properties its
 * body assigns, where an object literal that grows past four keys moves the
 * rest into a separate array (64 bytes per operation). Its details, already
 * decoded, are shared with the transport's object. `values` are the decoded
 * values of `operationFields`, in its order (`undefined`: absent).
 */
const OperationRecord = function(this: Record<string, unknown>, values: ReadonlyArray<unknown>) {
  this.Id = values[0]
  if (values[1] !== undefined) this.ParentId = values[1]
  if (values[2] !== undefined) this.Name = values[2]
  this.Type = values[3]
  if (values[4] !== undefined) this.SubType = values[4]
  if (values[5] !== undefined) this.StartTimestamp = values[5]
  if (values[6] !== undefined) this.EndTimestamp = values[6]
  this.Status = values[7]
  if (values[8] !== undefined) this.ExecutionDetails = values[8]
  if (values[9] !== undefined) this.ContextDetails = values[9]
  if (values[10] !== undefined) this.StepDetails = values[10]
  if (values[11] !== undefined) this.WaitDetails = values[11]
  if (values[12] !== undefined) this.CallbackDetails = values[12]
  if (values[13] !== undefined) this.ChainedInvokeDetails = values[13]
} as unknown as new(values: ReadonlyArray<unknown>) => Operation
OperationRecord.prototype = Object.prototype

const decodeOperation = (u: unknown, values: Array<unknown>): Operation | Invalid => {
  if (!isObject(u)) return Invalid
  let keys = 0
  for (let i = 0; i < operationFields.length; i++) {
    const [key, field, required] = operationFields[i]!
    const value = u[key]
    if (value === undefined) {
      if (required !== undefined) return Invalid
      values[i] = undefined
      continue
    }
    const decoded = decodeField(field, value)
    if (decoded === Invalid) return Invalid
    values[i] = decoded
    keys |= 1 << i
  }
  if (!shapesKept.has(keys)) keepShape(keys, values)
  return new OperationRecord(values)
}

// Each set of keys an operation record has is a hidden class of its own, which a full GC between two
// invocations drops once no record of it is alive: the code compiled against it is then deoptimized and
// compiled again on every invocation's replay (see `internal/shapes.ts`). One record of each set seen is
// kept, with placeholder values of the same kinds (never a payload of the history's).
const shapesKept = new Set<number>()
const keepShape = (keys: number, values: ReadonlyArray<unknown>) => {
  shapesKept.add(keys)
  keep(
    new OperationRecord(values.map((value) =>
      value === undefined
        ? undefined
        : typeof value === "string"
        ? ""
        : value instanceof Date
        ? new Date(0)
        : {}
    ))
  )
}

const decodeOperations = (u: unknown): Array<Operation> | Invalid => {
  if (!Array.isArray(u)) return Invalid
  const out = new Array<Operation>(u.length)
  const values = new Array<unknown>(operationFields.length)
  for (let i = 0; i < u.length; i++) {
    const operation = decodeOperation(u[i], values)
    if (operation === Invalid) return Invalid
    out[i] = operation
  }
  return out
}

const decodeExecutionState = (u: unknown): ExecutionState | Invalid => {
  if (!isObject(u)) return Invalid
  const out: { Operations?: Array<Operation>; NextMarker?: string } = {}
  if (u.Operations !== undefined) {
    const operations = decodeOperations(u.Operations)
    if (operations === Invalid) return Invalid
    out.Operations = operations
  }
  if (u.NextMarker !== undefined) {
    if (typeof u.NextMarker !== "string") return Invalid
    out.NextMarker = u.NextMarker
  }
  return out
}

const fastInvocationInput = (u: unknown): InvocationInput | Invalid => {
  if (!isObject(u)) return Invalid
  const head = decodeFields(invocationInputFields, u)
  if (head === Invalid) return Invalid
  if (u.InitialExecutionState === undefined) return head as InvocationInput
  const state = decodeExecutionState(u.InitialExecutionState)
  return state === Invalid ? Invalid : { ...head, InitialExecutionState: state } as InvocationInput
}

const invocationInputFields: Fields = [
  ["DurableExecutionArn", "string", "required"],
  ["CheckpointToken", "string", "required"],
  ["UpdatedOperationIds", "strings"]
]

const decodeInvocationInputUnknown = Schema.decodeUnknownEffect(InvocationInput)

/**
 * A copy of a value without the properties whose value is `undefined`, as a
 * JSON round trip would drop them (`Date`s are kept): the Wire schemas say
 * "absent" where the AWS SDK's types and in-process events say
 * `T | undefined` (the official testing library hands over events with
 * `ParentId: undefined`). Use it before decoding such a value.
 *
 * @example
 * ```ts
 * Wire.withoutUndefined({ Id: "a", ParentId: undefined }) // { Id: "a" }
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const withoutUndefined = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (typeof value !== "object" || value === null || value instanceof Date) return value
  const result: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) if (field !== undefined) result[key] = withoutUndefined(field)
  return result
}

/**
 * The deepest nesting accepted in the fields of an invocation event (its
 * schema needs 7 levels): a deeper event, or a circular one, is refused with
 * an `InvalidEventError` before anything walks it.
 *
 * @category decoding
 * @since 0.1.0
 */
export const maxEventDepth = 32

class Unwalkable {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
}

/**
 * `withoutUndefined` for the fields of an event, bounded: throws an
 * `Unwalkable` past `maxEventDepth` levels or on a cycle, instead of
 * overflowing the stack or looping.
 */
const walkEvent = (value: unknown, depth: number, ancestors: Set<object>): unknown => {
  if (typeof value !== "object" || value === null || value instanceof Date) return value
  if (depth >= maxEventDepth) throw new Unwalkable(`it is nested deeper than ${maxEventDepth} levels`)
  if (ancestors.has(value)) throw new Unwalkable("it is circular")
  ancestors.add(value)
  let result: unknown
  if (Array.isArray(value)) {
    result = value.map((item) => walkEvent(item, depth + 1, ancestors))
  } else {
    const fields: Record<string, unknown> = {}
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) fields[key] = walkEvent(field, depth + 1, ancestors)
    }
    result = fields
  }
  ancestors.delete(value)
  return result
}

/** The fields of the event that the schema reads (a harness may add others, such as its transport). */
const eventFields = ["DurableExecutionArn", "CheckpointToken", "UpdatedOperationIds", "InitialExecutionState"] as const

const normalizeEvent = (event: unknown): unknown => {
  if (typeof event !== "object" || event === null || Array.isArray(event)) return event
  const picked: Record<string, unknown> = {}
  for (const key of eventFields) {
    const field = (event as Record<string, unknown>)[key]
    if (field !== undefined) picked[key] = walkEvent(field, 1, new Set([event]))
  }
  return picked
}

/** The fast decoding, or `Invalid` when it does not apply, or when reading the event throws (a hostile getter). */
const fastOrInvalid = (event: unknown): InvocationInput | Invalid => {
  try {
    return fastInvocationInput(event)
  } catch {
    return Invalid
  }
}

/**
 * Decodes a raw Lambda event into an `InvocationInput`. A malformed event fails
 * with an `InvalidEventError` whose message names the offending field; so does
 * an event nested deeper than {@link maxEventDepth} or a circular one.
 *
 * @example
 * ```ts
 * const input = yield* Wire.decodeInvocationInput(event)
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeInvocationInput = (event: unknown): Effect.Effect<InvocationInput, InvalidEventError> => {
  const fast = fastOrInvalid(event)
  if (fast !== Invalid) return Effect.succeed(fast)
  return Effect.try({
    try: () => normalizeEvent(event),
    catch: (error) =>
      new InvalidEventError({
        message: `Malformed durable execution event: ${
          error instanceof Unwalkable ? error.reason : "its fields could not be read"
        }`
      })
  }).pipe(
    Effect.flatMap((normalized) =>
      decodeInvocationInputUnknown(normalized, { onExcessProperty: "ignore" }).pipe(
        Effect.mapError((error) =>
          new InvalidEventError({ message: `Malformed durable execution event: ${error.message}` })
        )
      )
    )
  )
}

const decodeGetStateResponseUnknown = Schema.decodeUnknownEffect(GetStateResponse)
const decodeCheckpointResponseUnknown = Schema.decodeUnknownEffect(CheckpointResponse)

/**
 * Decodes a `GetDurableExecutionState` response (keys whose value is
 * `undefined` count as absent, as the AWS SDK returns them). Each operation is
 * a compact copy of its own, never the response's object: an invocation holds
 * every operation of the history while it runs, and the copy shares its
 * literals (`Type`, `Status`, a known `SubType`) and lays its keys out inside
 * the object, about 100 bytes less per operation than what a JSON page brings.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeGetStateResponse = (response: unknown): Effect.Effect<GetStateResponse, Schema.SchemaError> => {
  const fast = decodeExecutionState(response)
  if (fast !== Invalid) return Effect.succeed(fast)
  return decodeGetStateResponseUnknown(withoutUndefined(response), { onExcessProperty: "ignore" })
}

/**
 * Decodes a `CheckpointDurableExecution` response (keys whose value is
 * `undefined` count as absent, as the AWS SDK returns them).
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeCheckpointResponse = (response: unknown): Effect.Effect<CheckpointResponse, Schema.SchemaError> => {
  const fast = fastCheckpointResponse(response)
  if (fast !== Invalid) return Effect.succeed(fast)
  return decodeCheckpointResponseUnknown(withoutUndefined(response), { onExcessProperty: "ignore" })
}

const fastCheckpointResponse = (u: unknown): CheckpointResponse | Invalid => {
  if (!isObject(u)) return Invalid
  const out: { CheckpointToken?: string; NewExecutionState?: ExecutionState } = {}
  if (u.CheckpointToken !== undefined) {
    if (typeof u.CheckpointToken !== "string") return Invalid
    out.CheckpointToken = u.CheckpointToken
  }
  if (u.NewExecutionState !== undefined) {
    const state = decodeExecutionState(u.NewExecutionState)
    if (state === Invalid) return Invalid
    out.NewExecutionState = state
  }
  return out
}
