/**
 * How the service changes operations, as pure functions: applying one update,
 * the transitions the service makes by itself as time passes, pruning the
 * children of completed contexts, and paging.
 *
 * @internal
 */
import type * as Wire from "@effect-durable/core/Wire"

/**
 * Timers the service keeps for a CALLBACK operation.
 *
 * @internal
 */
export interface CallbackTimer {
  readonly callbackId: string
  readonly operationId: string
  /** Epoch ms at which the callback times out, if it has a timeout. */
  readonly timeoutAt: number | undefined
  /** Heartbeat timeout in seconds (0 or undefined: none). */
  readonly heartbeatSeconds: number | undefined
  /** Epoch ms by which the next heartbeat must arrive, if heartbeats are required. */
  readonly heartbeatDeadline: number | undefined
}

const omit = <A extends object, K extends keyof A>(a: A, ...keys: ReadonlyArray<K>): Omit<A, K> => {
  const copy: Partial<A> = { ...a }
  for (const key of keys) delete copy[key]
  return copy as Omit<A, K>
}

const withOptional = <A extends object, K extends string, V>(
  a: A,
  key: K,
  value: V | undefined
): A & { readonly [P in K]?: V } => (value === undefined ? a : { ...a, [key]: value }) as A & { readonly [P in K]?: V }

/**
 * Applies one (already validated) update. `current` is the stored operation or
 * `undefined`; `callbackId` is used when a CALLBACK starts.
 *
 * @internal
 */
export const applyUpdate = (
  current: Wire.Operation | undefined,
  update: Wire.OperationUpdate,
  now: number,
  callbackId: () => string
): Wire.Operation => {
  const at = new Date(now)
  let base: Wire.Operation = current ?? {
    Id: update.Id,
    Type: update.Type,
    Status: "STARTED",
    StartTimestamp: at
  }
  if (current === undefined) {
    base = withOptional(base, "ParentId", update.ParentId)
    base = withOptional(base, "Name", update.Name)
    base = withOptional(base, "SubType", update.SubType)
  }
  const end = (status: Wire.OperationStatus): Wire.Operation => ({ ...base, Status: status, EndTimestamp: at })

  switch (update.Type) {
    case "EXECUTION":
      return end(update.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED")
    case "STEP": {
      const details = base.StepDetails ?? {}
      const attempt = details.Attempt ?? 0
      const outcome = (d: typeof details) =>
        withOptional(withOptional(omit(d, "Result", "Error"), "Result", update.Payload), "Error", update.Error)
      switch (update.Action) {
        case "START":
          return { ...base, Status: "STARTED" }
        case "SUCCEED":
        case "FAIL":
          return {
            ...end(update.Action === "SUCCEED" ? "SUCCEEDED" : "FAILED"),
            StepDetails: outcome({ ...details, Attempt: attempt + 1 })
          }
        default: {
          const delay = update.StepOptions?.NextAttemptDelaySeconds ?? 0
          return {
            ...base,
            Status: "PENDING",
            StepDetails: outcome({ ...details, Attempt: attempt + 1, NextAttemptTimestamp: new Date(now + delay * 1000) })
          }
        }
      }
    }
    case "CONTEXT": {
      const replayChildren = update.ContextOptions?.ReplayChildren ?? base.ContextDetails?.ReplayChildren
      const details = withOptional({}, "ReplayChildren", replayChildren)
      switch (update.Action) {
        case "START":
          return { ...base, Status: "STARTED", ContextDetails: details }
        case "SUCCEED":
          return { ...end("SUCCEEDED"), ContextDetails: withOptional(details, "Result", update.Payload) }
        default:
          return { ...end("FAILED"), ContextDetails: withOptional(details, "Error", update.Error) }
      }
    }
    case "WAIT":
      return update.Action === "START"
        ? {
          ...base,
          Status: "STARTED",
          WaitDetails: { ScheduledEndTimestamp: new Date(now + (update.WaitOptions?.WaitSeconds ?? 0) * 1000) }
        }
        : end("CANCELLED")
    case "CALLBACK":
      return update.Action === "START"
        ? { ...base, Status: "STARTED", CallbackDetails: { CallbackId: callbackId() } }
        : end("CANCELLED")
    case "CHAINED_INVOKE":
      return update.Action === "START" ? { ...base, Status: "STARTED" } : end("STOPPED")
  }
}

/**
 * The time at which the service will change an operation by itself, if any:
 * the end of a WAIT, the next attempt of a STEP waiting to retry, or a
 * CALLBACK timeout.
 *
 * @internal
 */
export const wakeupOf = (operation: Wire.Operation, timer: CallbackTimer | undefined): number | undefined => {
  if (operation.Type === "WAIT" && operation.Status === "STARTED") {
    return operation.WaitDetails?.ScheduledEndTimestamp?.getTime()
  }
  if (operation.Type === "STEP" && operation.Status === "PENDING") {
    return operation.StepDetails?.NextAttemptTimestamp?.getTime()
  }
  if (operation.Type === "CALLBACK" && operation.Status === "STARTED" && timer !== undefined) {
    const times = [timer.timeoutAt, timer.heartbeatDeadline].filter((t): t is number => t !== undefined)
    return times.length === 0 ? undefined : Math.min(...times)
  }
  return undefined
}

/**
 * Makes the transitions that are due at `now`: a WAIT whose scheduled end has
 * passed SUCCEEDS, a STEP whose next attempt is due becomes READY, a CALLBACK
 * whose timeout (or heartbeat timeout) passed is TIMED_OUT. Returns the changed
 * operations, or `undefined` when the operation is unchanged.
 *
 * @internal
 */
export const advanceOperation = (
  operation: Wire.Operation,
  timer: CallbackTimer | undefined,
  now: number
): Wire.Operation | undefined => {
  const due = wakeupOf(operation, timer)
  if (due === undefined || due > now) return undefined
  switch (operation.Type) {
    case "WAIT":
      return { ...operation, Status: "SUCCEEDED", EndTimestamp: new Date(due) }
    case "STEP":
      return { ...operation, Status: "READY" }
    case "CALLBACK": {
      // The service names the timeout that fired: the callback's own, or its heartbeat's.
      const heartbeat = timer?.timeoutAt !== due
      return {
        ...operation,
        Status: "TIMED_OUT",
        EndTimestamp: new Date(due),
        CallbackDetails: {
          ...operation.CallbackDetails,
          Error: heartbeat
            ? { ErrorType: "Callback.Heartbeat", ErrorMessage: "Callback timed out on heartbeat" }
            : { ErrorType: "Callback.Timeout", ErrorMessage: "Callback timed out" }
        }
      }
    }
    default:
      return undefined
  }
}

/**
 * Whether the operation keeps the execution alive: any non-EXECUTION
 * operation that is STARTED, PENDING or READY.
 *
 * @internal
 */
export const isPending = (operation: Wire.Operation): boolean =>
  operation.Type !== "EXECUTION" &&
  (operation.Status === "STARTED" || operation.Status === "PENDING" || operation.Status === "READY")

const isCompleted = (operation: Wire.Operation): boolean =>
  operation.Status === "SUCCEEDED" || operation.Status === "FAILED"

/**
 * The operations the service returns as state: the children (and further
 * descendants) of a completed CONTEXT are left out, unless the context was
 * completed with `ReplayChildren`.
 *
 * @internal
 */
export const prune = (operations: ReadonlyMap<string, Wire.Operation>): ReadonlyArray<Wire.Operation> => {
  const excluded = new Map<string, boolean>()
  const isExcluded = (operation: Wire.Operation): boolean => {
    const cached = excluded.get(operation.Id)
    if (cached !== undefined) return cached
    excluded.set(operation.Id, false) // guards against cycles
    let result = false
    if (operation.ParentId !== undefined) {
      const parent = operations.get(operation.ParentId)
      // Left out with its parent, or as a child of a completed context (whatever its own parent's status:
      // the branches a race or a batch abandoned still hold operations of their own).
      if (parent !== undefined) {
        result = isExcluded(parent) ||
          (parent.Type === "CONTEXT" && isCompleted(parent) && parent.ContextDetails?.ReplayChildren !== true)
      }
    }
    excluded.set(operation.Id, result)
    return result
  }
  const kept: Array<Wire.Operation> = []
  for (const operation of operations.values()) {
    if (!isExcluded(operation)) kept.push(operation)
  }
  return kept
}

/** @internal */
export const defaultMaxItems = 100
/** @internal */
export const maxMaxItems = 1000

/**
 * One page of `operations`: `marker` is the `NextMarker` of the previous page
 * (or `undefined` for the first page). Returns the reason as a string when the
 * marker or the page size is invalid.
 *
 * @internal
 */
export const page = (
  operations: ReadonlyArray<Wire.Operation>,
  marker: string | undefined,
  maxItems: number
): { readonly Operations: ReadonlyArray<Wire.Operation>; readonly NextMarker?: string } | string => {
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > maxMaxItems) {
    return `MaxItems must be an integer from 1 to ${maxMaxItems} (got ${maxItems})`
  }
  let offset = 0
  if (marker !== undefined) {
    const match = /^page-(\d+)$/.exec(marker)
    offset = match === null ? -1 : Number(match[1])
    if (offset < 0 || offset > operations.length) return `Invalid marker "${marker}"`
  }
  const end = offset + maxItems
  const slice = operations.slice(offset, end)
  return end < operations.length ? { Operations: slice, NextMarker: `page-${end}` } : { Operations: slice }
}
