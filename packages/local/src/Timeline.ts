/**
 * The timeline of one durable execution, as a pure model: what the web view
 * draws, what `history --timeline` writes as an SVG, and what tests assert on.
 *
 * It is built from the execution's history in the service's own shape (the
 * events of `GetDurableExecutionHistory`, so it works on the history of the
 * local service and of the real one alike), optionally completed with what
 * only the local service knows: invocations still running, and the
 * supervisor's termination decision of each invocation with its reason. Where
 * no decision was reported, the reason is derived from what was left waiting,
 * with the SDK's own priority (a retry, then a wait, then a callback or an
 * invoke).
 *
 * - invocations are bands in time, each ending with its decision;
 * - operations are bars across them, nested under their parent context:
 *   a step's attempts and the delays between them, a wait until its scheduled
 *   end, a callback until it is completed (pending ones are listed apart, with
 *   their callback id), child contexts and batch items, chained invokes.
 *
 * @example
 * ```ts
 * import { Timeline } from "@effect-durable/local"
 *
 * const timeline = Timeline.fromHistory(events, { now: Date.now() })
 * timeline.invocations.map((i) => i.decision?.reason) // ["RETRY_SCHEDULED", "WAIT_SCHEDULED", undefined]
 * ```
 *
 * @since 0.1.0
 */
import type * as Wire from "@effect-durable/core/Wire"
import type { Emulator } from "@effect-durable/testing"
import * as History from "@effect-durable/testing/History"

// ---------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------

/**
 * One event of an execution's history, in the service's shape (the `Event` of
 * `@aws-sdk/client-lambda`, or its JSON, where timestamps are epoch seconds).
 *
 * @category input
 * @since 0.1.0
 */
export interface HistoryEvent {
  readonly EventType?: string | undefined
  readonly EventId?: number | undefined
  readonly EventTimestamp?: Date | number | string | undefined
  readonly Id?: string | undefined
  readonly Name?: string | undefined
  readonly ParentId?: string | undefined
  readonly SubType?: string | undefined
  readonly [details: string]: unknown
}

/**
 * What the local service knows of an invocation beyond the service's history:
 * that it is still running, how it ended, and the supervisor's decision.
 * Matched to the history's `InvocationCompleted` events by `requestId`, else by
 * position.
 *
 * @category input
 * @since 0.1.0
 */
export interface InvocationNote {
  /** 1-based position of the invocation in the execution. */
  readonly index: number
  readonly requestId?: string | undefined
  /** Epoch ms. */
  readonly start: number
  /** Epoch ms; absent while the invocation runs. */
  readonly end?: number | undefined
  /** What the function answered, or `ABANDONED` when it died without an answer. */
  readonly outcome?: "SUCCEEDED" | "FAILED" | "PENDING" | "ABANDONED" | undefined
  /** The supervisor's termination reason (`Termination.TerminationReason`), when the invocation ended early. */
  readonly reason?: string | undefined
  /** Why the invocation failed or was abandoned. */
  readonly error?: string | undefined
}

/**
 * Options of {@link fromHistory}.
 *
 * @category input
 * @since 0.1.0
 */
export interface Options {
  /** The right edge of everything still open (running invocations, pending operations). Defaults to the last event. */
  readonly now?: number | undefined
  /** Invocations as the local service saw them. */
  readonly invocations?: ReadonlyArray<InvocationNote> | undefined
  /** The execution's ARN, for the title. */
  readonly arn?: string | undefined
}

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

/**
 * The status of the execution.
 *
 * @category models
 * @since 0.1.0
 */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "STOPPED"

/**
 * The execution as a whole.
 *
 * @category models
 * @since 0.1.0
 */
export interface Execution {
  readonly arn: string | undefined
  readonly name: string | undefined
  readonly status: ExecutionStatus
  readonly start: number
  readonly end: number | undefined
  readonly input: string | undefined
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
}

/**
 * Why an invocation ended, and what it left waiting.
 *
 * @category models
 * @since 0.1.0
 */
export interface Decision {
  /** Epoch ms. */
  readonly at: number
  /** What the function answered: PENDING for a suspension. */
  readonly status: "SUCCEEDED" | "FAILED" | "PENDING" | "ABANDONED"
  /** The termination reason (`WAIT_SCHEDULED`, `RETRY_SCHEDULED`, `CALLBACK_PENDING`, ...), for an early end. */
  readonly reason: string | undefined
  /** True when the reason was reported by the SDK; false when it was derived from what was left waiting. */
  readonly reported: boolean
  /** What the execution waits for at that moment, as readable phrases. */
  readonly waitingFor: ReadonlyArray<string>
}

/**
 * One invocation of the function: a band in time.
 *
 * @category models
 * @since 0.1.0
 */
export interface Invocation {
  /** 1-based. */
  readonly index: number
  readonly requestId: string | undefined
  readonly start: number
  /** Absent while it runs. */
  readonly end: number | undefined
  readonly decision: Decision | undefined
  /** An invocation error (a crash, a timeout, a rejected answer). */
  readonly error: string | undefined
}

/**
 * The kind of a part of an operation's bar.
 *
 * - `attempt`: a step attempt, from its start to its success or failure;
 * - `retry-delay`: a step between a failed attempt and the next one;
 * - `wait`: a wait, until its scheduled end;
 * - `callback`: a callback, until it is completed, failed or timed out;
 * - `context`: a child context or a batch (or batch item);
 * - `invoke`: a chained invoke.
 *
 * @category models
 * @since 0.1.0
 */
export type SegmentKind = "attempt" | "retry-delay" | "wait" | "callback" | "context" | "invoke"

/**
 * A part of an operation's bar.
 *
 * @category models
 * @since 0.1.0
 */
export interface Segment {
  readonly kind: SegmentKind
  readonly start: number
  /** Absent while open. */
  readonly end: number | undefined
  /** Where an open segment is expected to end (a wait's scheduled end, a retry's next attempt). */
  readonly expectedEnd: number | undefined
  /** How it ended. */
  readonly outcome: "succeeded" | "failed" | "cancelled" | "timed-out" | "stopped" | undefined
  /** For attempts: the 1-based attempt number. */
  readonly attempt: number | undefined
  /** For failed attempts: the error. */
  readonly error: Wire.ErrorObject | undefined
}

/**
 * The status of an operation in the timeline: the service's status, with
 * `PENDING` for a step waiting for its next attempt.
 *
 * @category models
 * @since 0.1.0
 */
export type OperationStatus =
  | "STARTED"
  | "PENDING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELLED"
  | "TIMED_OUT"
  | "STOPPED"

/**
 * One operation: a row of the timeline.
 *
 * @category models
 * @since 0.1.0
 */
export interface Operation {
  readonly id: string
  readonly parentId: string | undefined
  readonly name: string | undefined
  /**
   * What to call it: its name, or its role when it has none (the callback and
   * the submitter of a `waitForCallback` are unnamed, as the official SDK
   * leaves them), or its kind and id.
   */
  readonly label: string
  readonly type: Exclude<Wire.OperationType, "EXECUTION">
  readonly subType: string | undefined
  /** 0 for operations of the root context. */
  readonly depth: number
  readonly start: number
  readonly end: number | undefined
  readonly status: OperationStatus
  readonly segments: ReadonlyArray<Segment>
  /** Attempts made (steps). */
  readonly attempts: number
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
  /** For callbacks. */
  readonly callbackId: string | undefined
  /** For chained invokes. */
  readonly functionName: string | undefined
}

/**
 * A callback still waiting for its completion.
 *
 * @category models
 * @since 0.1.0
 */
export interface PendingCallback {
  readonly callbackId: string
  readonly operationId: string
  readonly name: string | undefined
  readonly since: number
}

/**
 * The whole timeline.
 *
 * @category models
 * @since 0.1.0
 */
export interface Timeline {
  readonly execution: Execution
  /** The right edge of everything still open. */
  readonly now: number
  readonly invocations: ReadonlyArray<Invocation>
  /** Depth first: every operation comes after its parent, siblings in start order. */
  readonly operations: ReadonlyArray<Operation>
  readonly pendingCallbacks: ReadonlyArray<PendingCallback>
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/**
 * A timestamp of the history as epoch milliseconds: a `Date`, an ISO string,
 * or a number of epoch seconds (the service's JSON).
 *
 * @category input
 * @since 0.1.0
 */
export const toMillis = (value: unknown): number | undefined => {
  if (value instanceof Date) return value.getTime()
  if (typeof value === "number") return Math.round(value * 1000)
  if (typeof value === "string") {
    const parsed = Date.parse(value)
    return Number.isNaN(parsed) ? undefined : parsed
  }
  return undefined
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? value as Record<string, unknown> : {}

const details = (event: HistoryEvent): Record<string, unknown> => record(event[`${event.EventType}Details`])

/** `{ Payload: string }` → the string. */
const payloadOf = (value: unknown): string | undefined => {
  const payload = record(value)["Payload"]
  return typeof payload === "string" ? payload : undefined
}

/** `{ Payload: ErrorObject }` → the error. */
const errorOf = (value: unknown): Wire.ErrorObject | undefined => {
  const payload = record(value)["Payload"]
  return typeof payload === "object" && payload !== null ? payload as Wire.ErrorObject : undefined
}

const numberOf = (value: unknown): number | undefined => typeof value === "number" ? value : undefined
const stringOf = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

interface MutableOperation {
  id: string
  parentId: string | undefined
  name: string | undefined
  type: Operation["type"]
  subType: string | undefined
  order: number
  start: number
  end: number | undefined
  status: OperationStatus
  segments: Array<Segment>
  attempts: number
  result: string | undefined
  error: Wire.ErrorObject | undefined
  callbackId: string | undefined
  functionName: string | undefined
}

const typeOfEvent = (eventType: string): Operation["type"] | undefined => {
  if (eventType.startsWith("Step")) return "STEP"
  if (eventType.startsWith("Wait")) return "WAIT"
  if (eventType.startsWith("Callback")) return "CALLBACK"
  if (eventType.startsWith("Context")) return "CONTEXT"
  if (eventType.startsWith("ChainedInvoke")) return "CHAINED_INVOKE"
  return undefined
}

const segmentKindOf = (type: Operation["type"]): SegmentKind =>
  type === "WAIT" ? "wait" : type === "CALLBACK" ? "callback" : type === "CHAINED_INVOKE" ? "invoke" :
  type === "CONTEXT" ? "context" : "attempt"

const closeLast = (
  op: MutableOperation,
  at: number,
  outcome: Segment["outcome"],
  error?: Wire.ErrorObject
): void => {
  const last = op.segments.at(-1)
  if (last !== undefined && last.end === undefined) {
    op.segments[op.segments.length - 1] = { ...last, end: Math.max(at, last.start), outcome, error }
  } else {
    // An end without a start in the history (e.g. a step completed in the same batch as its START): a point.
    op.segments.push({
      kind: segmentKindOf(op.type),
      start: at,
      end: at,
      expectedEnd: undefined,
      outcome,
      attempt: op.type === "STEP" ? op.attempts : undefined,
      error
    })
  }
}

const open = (op: MutableOperation, kind: SegmentKind, at: number, extra: Partial<Segment> = {}): void => {
  op.segments.push({
    kind,
    start: at,
    end: undefined,
    expectedEnd: undefined,
    outcome: undefined,
    attempt: undefined,
    error: undefined,
    ...extra
  })
}

const terminalOf = (suffix: string): { status: OperationStatus; outcome: Segment["outcome"] } | undefined => {
  switch (suffix) {
    case "Succeeded":
      return { status: "SUCCEEDED", outcome: "succeeded" }
    case "Failed":
      return { status: "FAILED", outcome: "failed" }
    case "TimedOut":
      return { status: "TIMED_OUT", outcome: "timed-out" }
    case "Stopped":
      return { status: "STOPPED", outcome: "stopped" }
    case "Cancelled":
      return { status: "CANCELLED", outcome: "cancelled" }
    default:
      return undefined
  }
}

/**
 * Builds the timeline of an execution from its history.
 *
 * @example
 * ```ts
 * const response = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }))
 * const timeline = Timeline.fromHistory(response.Events ?? [], { arn })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromHistory = (events: ReadonlyArray<HistoryEvent>, options: Options = {}): Timeline => {
  const ordered = [...events].sort((a, b) => (a.EventId ?? 0) - (b.EventId ?? 0))
  const operations = new Map<string, MutableOperation>()
  const completions: Array<{ requestId: string | undefined; start: number; end: number; error: string | undefined }> =
    []
  let status: ExecutionStatus = "RUNNING"
  let start: number | undefined
  let end: number | undefined
  let name: string | undefined
  let input: string | undefined
  let result: string | undefined
  let error: Wire.ErrorObject | undefined
  let last = 0

  for (const event of ordered) {
    const eventType = event.EventType ?? ""
    const at = toMillis(event.EventTimestamp) ?? last
    last = Math.max(last, at)
    const d = details(event)

    if (eventType.startsWith("Execution")) {
      name ??= event.Name
      if (eventType === "ExecutionStarted") {
        start = at
        input = payloadOf(d["Input"])
      } else {
        const terminal = terminalOf(eventType.slice("Execution".length))
        if (terminal !== undefined) {
          status = terminal.status as ExecutionStatus
          end = at
          result = payloadOf(d["Result"])
          error = errorOf(d["Error"])
        }
      }
      continue
    }
    if (eventType === "InvocationCompleted") {
      completions.push({
        requestId: stringOf(d["RequestId"]),
        start: toMillis(d["StartTimestamp"]) ?? at,
        end: toMillis(d["EndTimestamp"]) ?? at,
        error: errorOf(d["Error"])?.ErrorMessage
      })
      continue
    }

    const type = typeOfEvent(eventType)
    const id = event.Id
    if (type === undefined || id === undefined) continue
    let op = operations.get(id)
    if (op === undefined) {
      op = {
        id,
        parentId: event.ParentId,
        name: event.Name,
        type,
        subType: event.SubType,
        order: operations.size,
        start: at,
        end: undefined,
        status: "STARTED",
        segments: [],
        attempts: 0,
        result: undefined,
        error: undefined,
        callbackId: undefined,
        functionName: undefined
      }
      operations.set(id, op)
    }
    const suffix = eventType.slice(
      type === "CHAINED_INVOKE" ? "ChainedInvoke".length : type === "CONTEXT" ? "Context".length :
      type === "CALLBACK" ? "Callback".length : 4
    )

    if (type === "STEP") {
      const retry = record(d["RetryDetails"])
      switch (suffix) {
        case "Started": {
          const previous = op.segments.at(-1)
          if (previous?.kind === "retry-delay" && previous.end === undefined) {
            op.segments[op.segments.length - 1] = { ...previous, end: Math.max(at, previous.start) }
          }
          op.attempts += 1
          op.status = "STARTED"
          open(op, "attempt", at, { attempt: op.attempts })
          break
        }
        case "Succeeded": {
          const attempt = numberOf(retry["CurrentAttempt"])
          if (!hasOpenAttempt(op)) op.attempts += 1
          if (attempt !== undefined) op.attempts = Math.max(op.attempts, attempt)
          closeLast(op, at, "succeeded")
          op.status = "SUCCEEDED"
          op.end = at
          op.result = payloadOf(d["Result"])
          break
        }
        case "Failed": {
          const failure = errorOf(d["Error"])
          const attempt = numberOf(retry["CurrentAttempt"])
          if (!hasOpenAttempt(op)) op.attempts += 1
          if (attempt !== undefined) op.attempts = Math.max(op.attempts, attempt)
          closeLast(op, at, "failed", failure)
          op.error = failure
          const delay = numberOf(retry["NextAttemptDelaySeconds"])
          if (delay !== undefined) {
            op.status = "PENDING"
            open(op, "retry-delay", at, { expectedEnd: at + delay * 1000 })
          } else {
            op.status = "FAILED"
            op.end = at
          }
          break
        }
      }
      continue
    }

    if (suffix === "Started") {
      op.status = "STARTED"
      if (type === "WAIT") {
        const scheduled = toMillis(d["ScheduledEndTimestamp"]) ??
          (numberOf(d["Duration"]) === undefined ? undefined : at + numberOf(d["Duration"])! * 1000)
        open(op, "wait", at, { expectedEnd: scheduled })
      } else {
        open(op, segmentKindOf(type), at)
      }
      if (type === "CALLBACK") op.callbackId = stringOf(d["CallbackId"])
      if (type === "CHAINED_INVOKE") op.functionName = stringOf(d["FunctionName"])
      continue
    }
    const terminal = terminalOf(suffix)
    if (terminal === undefined) continue
    const failure = errorOf(d["Error"])
    closeLast(op, at, terminal.outcome, failure)
    op.status = terminal.status
    op.end = at
    op.result = payloadOf(d["Result"])
    op.error = failure
  }

  const now = Math.max(options.now ?? last, last)
  const executionStart = start ?? ordered.reduce((min, e) => Math.min(min, toMillis(e.EventTimestamp) ?? min), now)
  const frozen = [...operations.values()].map((op) => freeze(op))
  const sorted = depthFirst(frozen, operations)
  const invocations = buildInvocations(completions, options.invocations ?? [], sorted, end, status, executionStart)

  return {
    execution: {
      arn: options.arn,
      name,
      status,
      start: executionStart,
      end,
      input,
      result,
      error
    },
    now,
    invocations,
    operations: sorted,
    pendingCallbacks: sorted.flatMap((op) =>
      op.type === "CALLBACK" && op.status === "STARTED" && op.callbackId !== undefined && status === "RUNNING"
        ? [{
          callbackId: op.callbackId,
          operationId: op.id,
          // an unnamed callback of a waitForCallback goes by its context's name
          name: op.name ?? sorted.find((parent) => parent.id === op.parentId && parent.subType === "WaitForCallback")?.name,
          since: op.start
        }]
        : []
    )
  }
}

const hasOpenAttempt = (op: MutableOperation): boolean => {
  const last = op.segments.at(-1)
  return last !== undefined && last.kind === "attempt" && last.end === undefined
}

const freeze = (op: MutableOperation): Operation & { readonly order: number } => ({
  id: op.id,
  parentId: op.parentId,
  name: op.name,
  label: op.name ?? op.id,
  type: op.type,
  subType: op.subType,
  depth: 0,
  start: op.start,
  end: op.end,
  status: op.status,
  segments: op.segments,
  attempts: op.attempts,
  result: op.result,
  error: op.error,
  callbackId: op.callbackId,
  functionName: op.functionName,
  order: op.order
})

/** Orders operations depth first (children right after their parent, in start order) and sets their depth. */
const depthFirst = (
  operations: ReadonlyArray<Operation & { readonly order: number }>,
  byId: ReadonlyMap<string, unknown>
): ReadonlyArray<Operation> => {
  const children = new Map<string | undefined, Array<Operation & { readonly order: number }>>()
  for (const op of operations) {
    // A parent missing from the history (e.g. a partial page) makes the operation a root.
    const parent = op.parentId !== undefined && byId.has(op.parentId) ? op.parentId : undefined
    const list = children.get(parent) ?? []
    list.push(op)
    children.set(parent, list)
  }
  const out: Array<Operation> = []
  const visit = (parent: string | undefined, depth: number, seen: Set<string>) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.start - b.start || a.order - b.order)
    const parentOp = parent === undefined ? undefined : out.find((o) => o.id === parent)
    for (const { order: _order, ...op } of list) {
      if (seen.has(op.id)) continue
      seen.add(op.id)
      out.push({ ...op, depth, label: labelOf(op, parentOp) })
      visit(op.id, depth + 1, seen)
    }
  }
  visit(undefined, 0, new Set())
  return out
}

const kindOf = (op: { readonly type: Operation["type"]; readonly subType: string | undefined }): string =>
  op.subType !== undefined && op.subType !== "Step" && op.subType !== "Wait" && op.subType !== "Callback" &&
    op.subType !== "ChainedInvoke"
    ? op.subType
    : op.type === "CHAINED_INVOKE"
    ? "invoke"
    : op.type.toLowerCase()

const labelOf = (op: Operation, parent: Operation | undefined): string => {
  if (op.name !== undefined) return op.name
  if (parent?.subType === "WaitForCallback") {
    const name = parent.name ?? "waitForCallback"
    return op.type === "STEP" ? `${name} submitter` : name
  }
  return `${kindOf(op)} ${op.id}`
}

/**
 * The kind of an operation, for people: its SDK subtype where it says more
 * than its type (`Map`, `MapIteration`, `WaitForCallback`, ...), else its type.
 *
 * @category formatting
 * @since 0.1.0
 */
export const kind = (op: Operation): string => kindOf(op)

/** A moment: `+5.24 s` after `origin`, or an ISO date without one. */
const moment = (t: number, origin: number | undefined): string =>
  origin === undefined ? new Date(t).toISOString() : `+${relative(t - origin)}`

const relative = (ms: number): string =>
  ms < 60_000 ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : ms < 3_600_000
    ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
    : `${(ms / 3_600_000).toFixed(1)} h`

const describeWaiting = (op: Operation, at: number, origin: number | undefined): string | undefined => {
  const label = `${op.type === "CHAINED_INVOKE" ? "invoke" : op.type.toLowerCase()} "${op.label}"`
  const segment = [...op.segments].reverse().find((s) => s.start <= at && (s.end === undefined || s.end > at))
  if (segment === undefined) return undefined
  switch (segment.kind) {
    case "retry-delay":
      return `${label}: attempt ${op.segments.filter((s) => s.kind === "attempt" && s.start <= at).length + 1}${
        segment.expectedEnd === undefined ? "" : ` at ${moment(segment.expectedEnd, origin)}`
      }`
    case "wait":
      return `${label}${segment.expectedEnd === undefined ? "" : ` until ${moment(segment.expectedEnd, origin)}`}`
    case "callback":
      return `${label}${op.callbackId === undefined ? "" : ` (${op.callbackId})`}`
    case "invoke":
      return `${label}${op.functionName === undefined ? "" : ` of ${op.functionName}`}`
    default:
      return undefined
  }
}

/**
 * What the execution waits for at `at`: the operations in a retry delay, a
 * wait, a callback or an invoke at that moment. Times are relative to
 * `origin` (`until +5.24 s`) when it is given, ISO dates otherwise.
 *
 * @category queries
 * @since 0.1.0
 */
export const waitingAt = (
  operations: ReadonlyArray<Operation>,
  at: number,
  origin?: number | undefined
): ReadonlyArray<string> =>
  operations.flatMap((op) => {
    const phrase = describeWaiting(op, at, origin)
    return phrase === undefined ? [] : [phrase]
  })

/**
 * The termination reason implied by what was left waiting, with the SDK's
 * priority: a step waiting for a retry, then a wait, then anything else.
 *
 * @category queries
 * @since 0.1.0
 */
export const derivedReason = (operations: ReadonlyArray<Operation>, at: number): string => {
  let reason = "CALLBACK_PENDING"
  for (const op of operations) {
    const segment = op.segments.find((s) => s.start <= at && (s.end === undefined || s.end > at))
    if (segment?.kind === "retry-delay") return "RETRY_SCHEDULED"
    if (segment?.kind === "wait") reason = "WAIT_SCHEDULED"
  }
  return reason
}

const buildInvocations = (
  completions: ReadonlyArray<{ requestId: string | undefined; start: number; end: number; error: string | undefined }>,
  notes: ReadonlyArray<InvocationNote>,
  operations: ReadonlyArray<Operation>,
  executionEnd: number | undefined,
  executionStatus: ExecutionStatus,
  origin: number
): ReadonlyArray<Invocation> => {
  const byRequest = new Map(notes.flatMap((n) => n.requestId === undefined ? [] : [[n.requestId, n] as const]))
  const used = new Set<InvocationNote>()
  const merged: Array<Omit<Invocation, "index" | "decision"> & { note: InvocationNote | undefined }> = []
  completions.forEach((completion, i) => {
    const note = (completion.requestId === undefined ? undefined : byRequest.get(completion.requestId)) ??
      notes.find((n) => n.index === i + 1 && !used.has(n) && n.requestId === undefined)
    if (note !== undefined) used.add(note)
    merged.push({
      requestId: completion.requestId,
      start: completion.start,
      end: completion.end,
      error: completion.error ?? note?.error,
      note
    })
  })
  for (const note of notes) {
    if (used.has(note)) continue
    merged.push({ requestId: note.requestId, start: note.start, end: note.end, error: note.error, note })
  }
  merged.sort((a, b) => a.start - b.start)
  return merged.map((m, i): Invocation => {
    const base = { index: i + 1, requestId: m.requestId, start: m.start, end: m.end, error: m.error }
    if (m.end === undefined) return { ...base, decision: undefined }
    const at = m.end
    const endsExecution = executionEnd !== undefined && executionEnd <= at + 1 && i === merged.length - 1
    const status: Decision["status"] = m.note?.outcome ??
      (m.error !== undefined ? "ABANDONED" : endsExecution
        ? (executionStatus === "SUCCEEDED" ? "SUCCEEDED" : "FAILED")
        : "PENDING")
    const waitingFor = status === "PENDING" ? waitingAt(operations, at, origin) : []
    const reported = m.note?.reason !== undefined
    const reason = m.note?.reason ?? (status === "PENDING" ? derivedReason(operations, at) : undefined)
    return { ...base, decision: { at, status, reason, reported, waitingFor } }
  })
}

/**
 * A readable one-line summary of a decision, e.g.
 * `PENDING (WAIT_SCHEDULED): wait "cool-down" until 2026-01-01T00:00:05.000Z`.
 *
 * @category formatting
 * @since 0.1.0
 */
export const describeDecision = (decision: Decision): string => {
  const reason = decision.reason === undefined ? "" : ` (${decision.reason}${decision.reported ? "" : ", derived"})`
  const waiting = decision.waitingFor.length === 0 ? "" : `: ${decision.waitingFor.join("; ")}`
  return `${decision.status}${reason}${waiting}`
}

/**
 * What the emulator recorded of each invocation of an execution: when it
 * started and ended, what it answered, why it was abandoned.
 *
 * @category input
 * @since 0.1.0
 */
export const invocationNotes = (history: ReadonlyArray<Emulator.Event>): ReadonlyArray<InvocationNote> => {
  const notes = new Map<number, InvocationNote>()
  for (const event of history) {
    switch (event._tag) {
      case "InvocationStarted":
        notes.set(event.invocation, { index: event.invocation, requestId: `invocation-${event.invocation}`, start: event.at })
        break
      case "InvocationCompleted": {
        const note = notes.get(event.invocation)
        if (note === undefined) break
        const reason = event.reason
        notes.set(event.invocation, {
          ...note,
          end: event.at,
          outcome: event.error === undefined ? event.output.Status : "ABANDONED",
          ...(event.error === undefined ? {} : { error: event.error }),
          ...(reason === undefined ? {} : { reason })
        })
        break
      }
      case "InvocationAbandoned": {
        const note = notes.get(event.invocation)
        if (note !== undefined) notes.set(event.invocation, { ...note, end: event.at, outcome: "ABANDONED", error: event.reason })
        break
      }
    }
  }
  return [...notes.values()]
}

/**
 * The timeline of an execution of the local service (an `Emulator`
 * snapshot): its history in the service's shape, with what only the local
 * service knows (running invocations, answers, termination decisions).
 *
 * @example
 * ```ts
 * const timeline = Timeline.fromExecution(yield* emulator.execution(arn), { now: Date.now() })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromExecution = (execution: Emulator.Execution, options: { readonly now?: number | undefined } = {}): Timeline =>
  fromHistory(History.fromExecution(execution), {
    arn: execution.arn,
    now: options.now,
    invocations: invocationNotes(execution.history)
  })
