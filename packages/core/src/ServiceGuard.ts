/**
 * What effect-durable accepts from the service, as pure functions: the checks
 * that turn a misbehaving service (or a broken transport, or a proxy) into a
 * failed call, before anything it said becomes the invocation's state.
 *
 * - every operation the service reports has an `Id`, a known `Type` and a
 *   known `Status`, and never moves backwards (see {@link checkTransition}):
 *   an operation that ended stays as it ended, a step's attempt count never
 *   decreases, its type never changes;
 * - a checkpoint response reports the operations of the updates it applied
 *   (see {@link checkCheckpointResponse}, {@link checkApplied});
 * - paging ends: a marker never comes back, and an execution's state never
 *   takes more pages than the service's operation cap allows (see
 *   {@link nextPage});
 * - the invocation's state has each operation once (see {@link findDuplicate}).
 *
 * The checkpointer and the state loading run these checks; a violation is a
 * failed call of the invocation (`CheckpointFailedError` with scope
 * `INVOCATION`), so Lambda retries the invocation, which reads the state
 * afresh. Nothing the service accepted is lost, and nothing it did not say is
 * believed.
 *
 * @since 0.1.0
 */
import * as Wire from "./Wire.ts"

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

const operationTypes: ReadonlySet<string> = new Set(Wire.OperationType.literals)
const operationStatuses: ReadonlySet<string> = new Set(Wire.OperationStatus.literals)

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value

/**
 * Checks the shape of one reported operation: an object with a non-empty
 * string `Id`, a known `Type` and a known `Status`. Returns what is wrong, or
 * `undefined`.
 *
 * @category operations
 * @since 0.1.0
 */
export const checkOperation = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `an operation is ${describeValue(value)}, not an object`
  }
  const operation = value as Record<string, unknown>
  if (typeof operation.Id !== "string" || operation.Id === "") return "an operation has no Id"
  if (typeof operation.Type !== "string" || !operationTypes.has(operation.Type)) {
    return `operation ${operation.Id} has an unknown Type`
  }
  if (typeof operation.Status !== "string" || !operationStatuses.has(operation.Status)) {
    return `operation ${operation.Id} has an unknown Status`
  }
  return undefined
}

/**
 * Checks that the service may report `next` for an operation last known as
 * `previous` (`undefined` when it is new): its type stays, an operation that
 * ended (`SUCCEEDED`, `FAILED`, `CANCELLED`, `TIMED_OUT`, `STOPPED`) keeps its
 * status, and a step's attempt count never decreases. Returns what is wrong,
 * or `undefined`.
 *
 * @example
 * ```ts
 * ServiceGuard.checkTransition({ Id: "a", Type: "STEP", Status: "SUCCEEDED" }, { Id: "a", Type: "STEP", Status: "STARTED" })
 * // "operation a moved from SUCCEEDED back to STARTED"
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const checkTransition = (previous: Wire.Operation | undefined, next: Wire.Operation): string | undefined => {
  if (previous === undefined) return undefined
  if (previous.Type !== next.Type) return `operation ${next.Id} changed its Type from ${previous.Type} to ${next.Type}`
  if (Wire.isTerminalStatus(previous.Status) && next.Status !== previous.Status) {
    return `operation ${next.Id} moved from ${previous.Status} back to ${next.Status}`
  }
  const before = previous.StepDetails?.Attempt ?? 0
  const after = next.StepDetails?.Attempt ?? 0
  if (after < before) return `the attempt count of step ${next.Id} went down from ${before} to ${after}`
  return undefined
}

// ---------------------------------------------------------------------------
// Checkpoint responses
// ---------------------------------------------------------------------------

const endsExecution = (update: Wire.OperationUpdate): boolean =>
  update.Type === "EXECUTION" && (update.Action === "SUCCEED" || update.Action === "FAIL")

/**
 * Checks the envelope of a checkpoint response against its request: an object,
 * whose `CheckpointToken` (when present) is a non-empty string, whose
 * `NewExecutionState` (required, polls included, unless the request ended the
 * execution) is an object with an array of `Operations` and a string
 * `NextMarker`, if any. The operations themselves are checked one by one with
 * {@link checkOperation} and {@link checkTransition}, and against the
 * request with {@link checkApplied}.
 *
 * @category checkpoints
 * @since 0.1.0
 */
export const checkCheckpointResponse = (
  updates: ReadonlyArray<Wire.OperationUpdate>,
  response: unknown
): string | undefined => {
  if (typeof response !== "object" || response === null || Array.isArray(response)) {
    return `the response is ${describeValue(response)}, not an object`
  }
  const { CheckpointToken, NewExecutionState } = response as Record<string, unknown>
  if (CheckpointToken !== undefined && (typeof CheckpointToken !== "string" || CheckpointToken === "")) {
    return "its CheckpointToken is not a non-empty string"
  }
  // The service reports the state with every answer, polls included: a poll answered without it
  // would hide the change it was sent to learn (a callback's end), and the invocation would
  // suspend on a wait the service no longer holds. Only the execution's own end needs none.
  if (NewExecutionState === undefined) {
    return updates.some(endsExecution)
      ? undefined
      : updates.length > 0
      ? `it has no NewExecutionState, although the request carried ${updates.length} update(s)`
      : "it has no NewExecutionState (a poll is answered with the state, whatever changed)"
  }
  return checkPage(NewExecutionState, "its NewExecutionState")
}

/**
 * Checks one page of operations (a `NewExecutionState` or the answer of
 * `GetDurableExecutionState`): an object with an optional array of
 * `Operations` and an optional string `NextMarker`.
 *
 * @category paging
 * @since 0.1.0
 */
export const checkPage = (page: unknown, what = "the page"): string | undefined => {
  if (typeof page !== "object" || page === null || Array.isArray(page)) {
    return `${what} is ${describeValue(page)}, not an object`
  }
  const { NextMarker, Operations } = page as Record<string, unknown>
  if (Operations !== undefined && !Array.isArray(Operations)) return `${what} has Operations that are not an array`
  if (NextMarker !== undefined && typeof NextMarker !== "string") return `${what} has a NextMarker that is not a string`
  return undefined
}

/**
 * Checks that a checkpoint response reported every operation the request
 * updated (the service returns "the operations that changed: those in the
 * batch, plus ..."): without it the invocation would go on from a stale view,
 * e.g. start again a step the service has as SUCCEEDED. EXECUTION updates are
 * not checked (the service applies them to the execution, whatever their Id).
 *
 * @category checkpoints
 * @since 0.1.0
 */
export const checkApplied = (
  updates: ReadonlyArray<Wire.OperationUpdate>,
  reported: ReadonlySet<string>
): string | undefined => {
  if (updates.some(endsExecution)) return undefined
  for (const update of updates) {
    if (update.Type !== "EXECUTION" && !reported.has(update.Id)) {
      return `it does not report operation ${update.Id} (${update.Type} ${update.Action}), which the request updated`
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------

/**
 * The most operations the service keeps for one execution (the official SDK
 * says 30,000).
 *
 * @category paging
 * @since 0.1.0
 */
export const maxOperations = 30_000

/**
 * The page size asked of `GetDurableExecutionState` (the service's maximum).
 *
 * @category paging
 * @since 0.1.0
 */
export const pageSize = 1000

/**
 * The most pages one state read may take: twice what the operation cap needs
 * at full pages (60), so that a service that fills its pages only half still
 * gets through, and one that never stops does not.
 *
 * @category paging
 * @since 0.1.0
 */
export const maxPages = 2 * Math.ceil(maxOperations / pageSize)

/**
 * Where a paged read stands: the markers seen so far and the pages read.
 *
 * @category paging
 * @since 0.1.0
 */
export interface Paging {
  readonly markers: ReadonlySet<string>
  readonly pages: number
}

/**
 * The start of a paged read whose first page (the event's, or a checkpoint
 * response's) is already in hand.
 *
 * @category paging
 * @since 0.1.0
 */
export const startPaging: Paging = { markers: new Set(), pages: 1 }

/**
 * The next step of a paged read, given the `NextMarker` of the page just read:
 * `Done` when there is none (an empty marker means none, as for the official
 * SDK), `Next` with the marker to ask for, or `Violation` when the service
 * gave a marker it had given before (a loop) or the read went past
 * {@link maxPages}.
 *
 * @example
 * ```ts
 * const first = ServiceGuard.nextPage(ServiceGuard.startPaging, "m1") // { _tag: "Next", marker: "m1", ... }
 * ServiceGuard.nextPage(first.paging, "m1") // { _tag: "Violation", message: "... marker \"m1\" twice ..." }
 * ```
 *
 * @category paging
 * @since 0.1.0
 */
export const nextPage = (
  paging: Paging,
  marker: string | undefined
):
  | { readonly _tag: "Done" }
  | { readonly _tag: "Next"; readonly marker: string; readonly paging: Paging }
  | { readonly _tag: "Violation"; readonly message: string } =>
{
  if (marker === undefined || marker === "") return { _tag: "Done" }
  if (paging.markers.has(marker)) {
    return {
      _tag: "Violation",
      message: `the service returned the marker ${JSON.stringify(marker.slice(0, 100))} twice: its paging loops`
    }
  }
  if (paging.pages >= maxPages) {
    return {
      _tag: "Violation",
      message: `the state took more than ${maxPages} pages, more than an execution of at most ${maxOperations} ` +
        "operations can take: the service's paging does not end"
    }
  }
  return { _tag: "Next", marker, paging: { markers: new Set(paging.markers).add(marker), pages: paging.pages + 1 } }
}

/**
 * The first operation id that appears twice in a state, if any: an
 * execution's state has each operation once.
 *
 * @category operations
 * @since 0.1.0
 */
export const findDuplicate = (operations: ReadonlyArray<Wire.Operation>): string | undefined => {
  const seen = new Set<string>()
  for (const operation of operations) {
    if (seen.has(operation.Id)) return operation.Id
    seen.add(operation.Id)
  }
  return undefined
}
