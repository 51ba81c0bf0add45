/**
 * `map` and `parallel`: run many durable items at once, with a concurrency
 * limit and a completion policy.
 *
 * The batch is a CONTEXT (subtype `Map` or `Parallel`); each item runs in a
 * child context of it (subtype `MapIteration` or `ParallelBranch`, named
 * `map-item-<i>` / `parallel-branch-<i>` unless named), or, with `FLAT`
 * nesting, in a virtual context that checkpoints nothing itself. Items start
 * in order, at most `maxConcurrency` at a time. When the completion policy is
 * met, the result is the batch as it stands (an item still running is
 * `STARTED` in it), the items still running are interrupted (their finalizers
 * run) and whatever they would checkpoint afterwards is dropped; the result is
 * checkpointed in the official SDK's JSON shape, or, when it is over the
 * payload limit, as a summary that replay rebuilds from the items.
 *
 * A batch never fails because an item failed: the result says what happened,
 * and `BatchResult.getOrFail` turns failures into an error when that is what
 * the workflow wants.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import { DurableContext, nextIds } from "../DurableContext.ts"
import { ChildContextError, ConfigValidationError, SerdesFailedError } from "../DurableError.ts"
import { begin, fault, type Started } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import type * as Wire from "../Wire.ts"
import { OperationSubType } from "../Wire.ts"
import * as Child from "./Child.ts"

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/**
 * Why a batch completed (the official SDK's values).
 *
 * @category models
 * @since 0.1.0
 */
export type CompletionReason =
  | "ALL_COMPLETED"
  | "MIN_SUCCESSFUL_REACHED"
  | "FAILURE_TOLERANCE_EXCEEDED"
  | "CUSTOM_COMPLETION_SUCCEEDED"
  | "CUSTOM_COMPLETION_FAILED"

const completionReasons: ReadonlySet<string> = new Set<CompletionReason>([
  "ALL_COMPLETED",
  "MIN_SUCCESSFUL_REACHED",
  "FAILURE_TOLERANCE_EXCEEDED",
  "CUSTOM_COMPLETION_SUCCEEDED",
  "CUSTOM_COMPLETION_FAILED"
])

/**
 * One item of a batch: succeeded with its result, failed with its error, or
 * still running (`STARTED`) when the batch completed.
 *
 * @category models
 * @since 0.1.0
 */
export type BatchItem<A, E = never> =
  | { readonly index: number; readonly status: "SUCCEEDED"; readonly result: A }
  | { readonly index: number; readonly status: "FAILED"; readonly error: E | ChildContextError }
  | { readonly index: number; readonly status: "STARTED" }

/**
 * The outcome of a batch.
 *
 * @category models
 * @since 0.1.0
 */
export interface BatchResult<A, E = never> {
  /** The items that started, in index order. */
  readonly all: ReadonlyArray<BatchItem<A, E>>
  readonly completionReason: CompletionReason
  /** `FAILED` when an item failed (or a custom policy said so). */
  readonly status: "SUCCEEDED" | "FAILED"
  readonly successCount: number
  readonly failureCount: number
  readonly startedCount: number
  readonly totalCount: number
}

/**
 * Builds a batch result from its items and completion reason.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeResult = <A, E = never>(
  all: ReadonlyArray<BatchItem<A, E>>,
  completionReason: CompletionReason
): BatchResult<A, E> => {
  let successCount = 0
  let failureCount = 0
  let startedCount = 0
  for (const item of all) {
    if (item.status === "SUCCEEDED") successCount++
    else if (item.status === "FAILED") failureCount++
    else startedCount++
  }
  const status = completionReason === "CUSTOM_COMPLETION_FAILED"
    ? "FAILED"
    : completionReason === "CUSTOM_COMPLETION_SUCCEEDED"
    ? "SUCCEEDED"
    : failureCount > 0
    ? "FAILED"
    : "SUCCEEDED"
  return { all, completionReason, status, successCount, failureCount, startedCount, totalCount: all.length }
}

/**
 * The results of the items that succeeded, in index order.
 *
 * @category getters
 * @since 0.1.0
 */
export const results = <A, E>(result: BatchResult<A, E>): ReadonlyArray<A> =>
  result.all.flatMap((item) => item.status === "SUCCEEDED" ? [item.result] : [])

/**
 * The errors of the items that failed, in index order.
 *
 * @category getters
 * @since 0.1.0
 */
export const errors = <A, E>(result: BatchResult<A, E>): ReadonlyArray<E | ChildContextError> =>
  result.all.flatMap((item) => item.status === "FAILED" ? [item.error] : [])

/**
 * The items that succeeded, in index order (the official `succeeded()`).
 *
 * @category getters
 * @since 0.1.0
 */
export const succeeded = <A, E>(
  result: BatchResult<A, E>
): ReadonlyArray<Extract<BatchItem<A, E>, { readonly status: "SUCCEEDED" }>> =>
  result.all.filter((item): item is Extract<BatchItem<A, E>, { readonly status: "SUCCEEDED" }> =>
    item.status === "SUCCEEDED"
  )

/**
 * The items that failed, in index order (the official `failed()`).
 *
 * @category getters
 * @since 0.1.0
 */
export const failed = <A, E>(
  result: BatchResult<A, E>
): ReadonlyArray<Extract<BatchItem<A, E>, { readonly status: "FAILED" }>> =>
  result.all.filter((item): item is Extract<BatchItem<A, E>, { readonly status: "FAILED" }> => item.status === "FAILED")

/**
 * Whether an item failed (the official `hasFailure`).
 *
 * @category getters
 * @since 0.1.0
 */
export const hasFailure = <A, E>(result: BatchResult<A, E>): boolean => result.failureCount > 0

/**
 * The batch was not successful although no item failed (a custom completion
 * policy said so).
 *
 * @category errors
 * @since 0.1.0
 */
export class BatchCompletionError extends Schema.TaggedError<BatchCompletionError>()("BatchCompletionError", {
  message: Schema.String,
  completionReason: Schema.String
}) {}

/**
 * The results of a successful batch, or the first item's error (the official
 * `throwIfError`).
 *
 * @example
 * ```ts
 * const totals = yield* Durable.map("price", orders, priceOrder).pipe(Effect.flatMap(BatchResult.getOrFail))
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const getOrFail = <A, E>(
  result: BatchResult<A, E>
): Effect.Effect<ReadonlyArray<A>, E | ChildContextError | BatchCompletionError> => {
  const failed = result.all.find((item) => item.status === "FAILED")
  if (failed !== undefined && failed.status === "FAILED") return Effect.fail(failed.error)
  if (result.status === "FAILED") {
    return Effect.fail(
      new BatchCompletionError({
        completionReason: result.completionReason,
        message: `The batch completed with ${result.completionReason}`
      })
    )
  }
  return Effect.succeed(results(result))
}

// ---------------------------------------------------------------------------
// Completion policy (pure)
// ---------------------------------------------------------------------------

/**
 * What a custom completion policy sees.
 *
 * @category models
 * @since 0.1.0
 */
export interface CompletionStatus {
  readonly successCount: number
  readonly failureCount: number
  readonly completedCount: number
  readonly totalCount: number
  readonly items: ReadonlyArray<{
    readonly index: number
    readonly name: string | undefined
    readonly status: BatchItem<unknown>["status"] | undefined
  }>
}

/**
 * When a batch completes. With no policy (or an empty one) it fails fast: the
 * first failure completes it. Thresholds and a custom predicate are mutually
 * exclusive.
 *
 * @category models
 * @since 0.1.0
 */
export type Completion =
  | {
    /** Complete as soon as this many items succeeded. */
    readonly minSuccessful?: number | undefined
    /** Complete (as a failure) once more than this many items failed. */
    readonly toleratedFailureCount?: number | undefined
    /** Complete (as a failure) once more than this percentage (0–100) of the items failed. */
    readonly toleratedFailurePercentage?: number | undefined
  }
  | {
    readonly shouldComplete: (
      status: CompletionStatus
    ) => { readonly complete: false } | { readonly complete: true; readonly outcome: "SUCCEEDED" | "FAILED" }
  }

const hasThresholds = (completion: Completion | undefined) =>
  completion !== undefined && !("shouldComplete" in completion) &&
  (completion.minSuccessful !== undefined || completion.toleratedFailureCount !== undefined ||
    completion.toleratedFailurePercentage !== undefined)

/**
 * Whether more items may start.
 *
 * @category completion
 * @since 0.1.0
 */
export const shouldContinue = (completion: Completion | undefined, status: CompletionStatus): boolean => {
  if (completion !== undefined && "shouldComplete" in completion) {
    return !completion.shouldComplete(status).complete
  }
  if (!hasThresholds(completion)) return status.failureCount === 0
  const { toleratedFailureCount, toleratedFailurePercentage } = completion as Exclude<
    Completion,
    { shouldComplete: unknown }
  >
  if (toleratedFailureCount !== undefined && status.failureCount > toleratedFailureCount) return false
  if (
    toleratedFailurePercentage !== undefined &&
    (status.failureCount / status.totalCount) * 100 > toleratedFailurePercentage
  ) return false
  return true
}

/**
 * Whether the batch is complete.
 *
 * @category completion
 * @since 0.1.0
 */
export const isComplete = (completion: Completion | undefined, status: CompletionStatus): boolean => {
  if (status.completedCount === status.totalCount) return true
  if (completion !== undefined && "shouldComplete" in completion) return completion.shouldComplete(status).complete
  return completion?.minSuccessful !== undefined && status.successCount >= completion.minSuccessful
}

/**
 * Why the batch completed, as the official SDK names it.
 *
 * @category completion
 * @since 0.1.0
 */
export const completionReason = (completion: Completion | undefined, status: CompletionStatus): CompletionReason => {
  if (completion !== undefined && "shouldComplete" in completion) {
    const decision = completion.shouldComplete(status)
    if (decision.complete) return decision.outcome === "FAILED" ? "CUSTOM_COMPLETION_FAILED" : "CUSTOM_COMPLETION_SUCCEEDED"
    return "ALL_COMPLETED"
  }
  if (!hasThresholds(completion)) {
    if (status.failureCount > 0) return "FAILURE_TOLERANCE_EXCEEDED"
  } else if (!shouldContinue(completion, status)) {
    return "FAILURE_TOLERANCE_EXCEEDED"
  }
  if (status.completedCount === status.totalCount) return "ALL_COMPLETED"
  if (completion?.minSuccessful !== undefined && status.successCount >= completion.minSuccessful) {
    return "MIN_SUCCESSFUL_REACHED"
  }
  return "ALL_COMPLETED"
}

/**
 * The official summary's item statuses: one character per item up to the last
 * started one, `S` succeeded, `F` failed, `-` neither.
 *
 * @category completion
 * @since 0.1.0
 */
export const encodeItemStatuses = (all: ReadonlyArray<BatchItem<unknown, unknown>>): string => {
  const last = all.reduce((max, item) => Math.max(max, item.index), -1)
  if (last < 0) return ""
  const encoded = new Array<string>(last + 1).fill("-")
  for (const item of all) encoded[item.index] = item.status === "SUCCEEDED" ? "S" : item.status === "FAILED" ? "F" : "-"
  return encoded.join("")
}

// ---------------------------------------------------------------------------
// Wire format of batch results
// ---------------------------------------------------------------------------

/** The error classes the official SDK rebuilds by `ErrorType`; any other type comes back as a `StepError`. */
const durableErrorTypes: ReadonlySet<string> = new Set([
  "StepError",
  "CallbackError",
  "CallbackExternalError",
  "CallbackTimeoutError",
  "CallbackSubmitterError",
  "InvokeError",
  "ChildContextError",
  "WaitForConditionError",
  "PromiseCombinatorError"
])

/**
 * A failed item's error as the official SDK serializes it: the `ChildContextError`
 * the item failed with, caused by the durable error rebuilt from the item's
 * checkpoint, caused by a plain error of the checkpointed type.
 */
const toErrorJson = (error: { readonly errorType: string; readonly message: string; readonly errorData?: string }) => {
  const data = error.errorData === undefined ? {} : { ErrorData: error.errorData }
  return {
    ErrorType: "ChildContextError",
    ErrorMessage: error.message,
    ...data,
    Cause: {
      ErrorType: durableErrorTypes.has(error.errorType) ? error.errorType : "StepError",
      ErrorMessage: error.message,
      ...data,
      Cause: { ErrorType: error.errorType, ErrorMessage: error.message }
    }
  }
}

const fromErrorJson = (json: unknown): ChildContextError => {
  const object = (typeof json === "object" && json !== null ? json : {}) as Record<string, any>
  // The innermost cause carries the type the item failed with.
  let innermost = object
  while (typeof innermost.Cause === "object" && innermost.Cause !== null) innermost = innermost.Cause
  const errorData = object.ErrorData
  return new ChildContextError({
    errorType: typeof innermost.ErrorType === "string" ? innermost.ErrorType : "ChildContextError",
    message: typeof object.ErrorMessage === "string" ? object.ErrorMessage : "",
    ...(typeof errorData === "string" ? { errorData } : {})
  })
}

/**
 * The payload format of a batch result: the official SDK's JSON
 * (`{"all":[{"result":…,"index":0,"status":"SUCCEEDED"},…],"completionReason":…}`),
 * with each result in the JSON form of the item Schema. With a hand-written
 * item `Serde`, whose output need not be JSON, each result is the value itself
 * as JSON, as the official SDK writes it whatever its `itemSerdes`.
 *
 * @category serialization
 * @since 0.1.0
 */
export const resultFormat = <A, E = never>(
  itemFormat: Payload.Format<A>,
  itemError?: Payload.Codec<E>
): Payload.Serde<BatchResult<A, E>> => {
  const item = Payload.isSerde(itemFormat) ? (Payload.Json as Payload.Codec<A>) : itemFormat
  return resultSerde(item, itemError)
}

const resultSerde = <A, E>(
  item: Payload.Codec<A>,
  itemError: Payload.Codec<E> | undefined
): Payload.Serde<BatchResult<A, E>> => ({
  _tag: "Serde",
  encode: (result) =>
    Effect.gen(function*() {
      const all: Array<unknown> = []
      for (const entry of result.all) {
        if (entry.status === "SUCCEEDED") {
          const payload = yield* Payload.encode(item, entry.result)
          all.push({
            ...(payload === undefined ? {} : { result: JSON.parse(payload) }),
            index: entry.index,
            status: entry.status
          })
        } else if (entry.status === "FAILED") {
          const error = entry.error instanceof ChildContextError ? entry.error : yield* Payload.encodeError(
            itemError,
            entry.error
          ).pipe(Effect.map((wire) => ({
            errorType: wire.ErrorType ?? "Error",
            message: wire.ErrorMessage ?? "",
            ...(wire.ErrorData === undefined ? {} : { errorData: wire.ErrorData })
          })))
          all.push({ error: toErrorJson(error), index: entry.index, status: entry.status })
        } else {
          all.push({ index: entry.index, status: entry.status })
        }
      }
      return JSON.stringify({ all, completionReason: result.completionReason })
    }),
  decode: (payload) =>
    Effect.gen(function*() {
      const json = yield* Effect.try({
        try: () => (payload === undefined ? {} : JSON.parse(payload)) as { all?: Array<any>; completionReason?: string },
        catch: (cause) => new SerdesFailedError({ message: `Malformed batch result: ${String(cause)}`, cause })
      })
      const all: Array<BatchItem<A, E>> = []
      for (const entry of json.all ?? []) {
        const index = Number(entry.index)
        if (entry.status === "SUCCEEDED") {
          const result = yield* Payload.decode(item, entry.result === undefined ? undefined : JSON.stringify(entry.result))
          all.push({ index, status: "SUCCEEDED", result })
        } else if (entry.status === "FAILED") {
          const error = fromErrorJson(entry.error)
          // With an item error Schema, the typed error comes back from its data.
          const typed = yield* Payload.decodeError(
            itemError,
            { ErrorType: error.errorType, ErrorMessage: error.message, ...(error.errorData === undefined ? {} : { ErrorData: error.errorData }) },
            () => error
          )
          all.push({ index, status: "FAILED", error: typed })
        } else {
          all.push({ index, status: "STARTED" })
        }
      }
      const reason = completionReasons.has(json.completionReason ?? "")
        ? json.completionReason as CompletionReason
        : "ALL_COMPLETED"
      return makeResult(all, reason)
    })
})

const summaryOf = (
  type: "MapResult" | "ParallelResult",
  custom: ((result: BatchResult<any, any>) => string) | undefined
) =>
(result: BatchResult<any, any>): string => {
  const summary: Record<string, unknown> = {
    type,
    totalCount: result.totalCount,
    successCount: result.successCount,
    failureCount: result.failureCount,
    ...(type === "ParallelResult" ? { startedCount: result.startedCount } : {}),
    completionReason: result.completionReason,
    status: result.status,
    itemStatuses: encodeItemStatuses(result.all)
  }
  if (custom !== undefined) summary.summary = custom(result)
  return JSON.stringify(summary)
}

// ---------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------

/**
 * How items are nested: `NESTED` (default) gives each item a CONTEXT of its
 * own; `FLAT` runs items in virtual contexts, which checkpoint nothing
 * themselves (about 30% fewer operations).
 *
 * @category models
 * @since 0.1.0
 */
export type Nesting = "NESTED" | "FLAT"

/**
 * Options shared by {@link map} and {@link parallel}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<A, E = never> {
  /** How many items run at once. Unlimited by default. */
  readonly maxConcurrency?: number | undefined
  /** When the batch completes. Fails fast by default (the first failure completes it). */
  readonly completion?: Completion | undefined
  /**
   * Encodes each item's result in the item's checkpoint: a Schema, or a
   * hand-written `Payload.serde` (the official `itemSerdes`). Defaults to JSON.
   */
  readonly itemSchema?: Payload.Format<A> | undefined
  /**
   * Encodes the whole batch result in the batch's own checkpoint (the official
   * operation-level `serdes`); on replay the result is read back through it.
   * Defaults to the official SDK's JSON shape ({@link resultFormat}).
   *
   * @example
   * ```ts
   * // The results joined by commas, read back as a batch result
   * const Joined = Payload.serde<Batch.BatchResult<string>>({
   *   encode: (result) => Batch.results(result).join(","),
   *   decode: (payload) =>
   *     Batch.makeResult((payload ?? "").split(",").map((result, index) => ({ index, status: "SUCCEEDED", result })), "ALL_COMPLETED")
   * })
   * ```
   */
  readonly resultSchema?: Payload.Format<BatchResult<A, E>> | undefined
  /**
   * Encodes an item's typed failure, so that the batch result holds the same
   * typed error live and on replay. Without it a failed item holds a
   * `ChildContextError` (its error's type, message and data).
   */
  readonly itemError?: Payload.Codec<E> | undefined
  /** Added to the summary checkpointed for a result over the payload limit. */
  summary?(result: BatchResult<A, E>): string
  /** `NESTED` (default) or `FLAT`. */
  readonly nesting?: Nesting | undefined
}

interface Item<A, R> {
  readonly name: string
  readonly effect: Effect.Effect<A, unknown, R>
}

interface Kind {
  readonly container: Wire.OperationSubType
  readonly item: Wire.OperationSubType
  readonly summary: "MapResult" | "ParallelResult"
}

const validate = (options: Options<unknown, unknown>): ConfigValidationError | undefined => {
  const { completion, maxConcurrency } = options
  if (maxConcurrency !== undefined && !(maxConcurrency > 0)) {
    return new ConfigValidationError({
      message: `Invalid maxConcurrency: ${maxConcurrency}. It must be a positive number (or unset, for no limit).`
    })
  }
  if (
    completion !== undefined && "shouldComplete" in completion &&
    ("minSuccessful" in completion || "toleratedFailureCount" in completion ||
      "toleratedFailurePercentage" in completion)
  ) {
    return new ConfigValidationError({
      message: "completion.shouldComplete is mutually exclusive with minSuccessful, toleratedFailureCount and " +
        "toleratedFailurePercentage"
    })
  }
  const percentage = completion !== undefined && "toleratedFailurePercentage" in completion
    ? completion.toleratedFailurePercentage
    : undefined
  if (percentage !== undefined && !(percentage >= 0 && percentage <= 100)) {
    return new ConfigValidationError({ message: `Invalid toleratedFailurePercentage: ${percentage} (0 to 100)` })
  }
  return undefined
}

/** Runs the items of a batch inside its container context (the current `DurableContext`). */
const execute = <A, E, R>(
  kind: Kind,
  items: ReadonlyArray<Item<A, R>>,
  options: Options<A, E>
): Effect.Effect<BatchResult<A, E>, never, R | DurableContext> =>
  Effect.gen(function*() {
    const context = yield* DurableContext
    const virtual = options.nesting === "FLAT"
    const itemSchema = options.itemSchema ?? (Payload.Json as Payload.Format<A>)
    const itemError = options.itemError as Payload.Codec<unknown> | undefined
    const startItem = (item: Item<A, R>) => begin({ type: "CONTEXT", subType: kind.item, name: item.name })
    const runStarted = (started: Started, item: Item<A, R>) =>
      Child.run(started, item.effect, { success: itemSchema, error: itemError, virtual })
    const runItem = (item: Item<A, R>) => Effect.flatMap(startItem(item), (started) => runStarted(started, item))
    // Child.run rebuilds every failure from its checkpoint: a ChildContextError, or E with an item error Schema.
    const toItem = (index: number, exit: Exit.Exit<A, unknown>): BatchItem<A, E> => {
      if (Exit.isSuccess(exit)) return { index, status: "SUCCEEDED", result: exit.value }
      const error = Cause.findErrorOption(exit.cause)
      return {
        index,
        status: "FAILED",
        error: error._tag === "Some"
          ? error.value as E | ChildContextError
          : new ChildContextError({
            errorType: "ChildContextError",
            // A message, not a stack trace: it may end up in an answer's ErrorMessage.
            message: Payload.errorMessageOf(Cause.squash(exit.cause))
          })
      }
    }

    if (context.mode === "replay-succeeded") {
      // The batch completed and its result was too large to checkpoint: rebuild it
      // from the items the summary says completed, skipping the others' ids.
      const container = yield* context.services.checkpointer.get(context.parent!.id!)
      const summary = parseSummary(container?.ContextDetails?.Result)
      const all: Array<BatchItem<A, E>> = []
      for (const [index, item] of items.entries()) {
        const marker = summary.itemStatuses?.[index]
        if (marker === "S" || marker === "F") all.push(toItem(index, yield* Effect.exit(runItem(item))))
        else yield* nextIds(context)
      }
      return makeResult(all, summary.completionReason ?? "ALL_COMPLETED")
    }

    const total = items.length
    const maxConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY
    const slots: Array<BatchItem<A, E> | undefined> = new Array(total)
    const counts = yield* Ref.make({ next: 0, active: 0, completed: 0, succeeded: 0, failed: 0 })
    const done = yield* Deferred.make<BatchResult<A, E>>()
    const mutex = yield* Semaphore.make(1)
    const fibers = yield* FiberSet.make()

    // The per-item view is only built when a custom policy reads it: batches can be large.
    const status = (c: { completed: number; succeeded: number; failed: number }): CompletionStatus => ({
      successCount: c.succeeded,
      failureCount: c.failed,
      completedCount: c.completed,
      totalCount: total,
      get items() {
        return items.map((item, index) => ({ index, name: item.name, status: slots[index]?.status }))
      }
    })

    // The result is the batch as it stands when it completes: an item that is
    // still running then is STARTED in it, whatever it does afterwards.
    const complete = (c: { completed: number; succeeded: number; failed: number }) =>
      Deferred.succeed(
        done,
        makeResult(
          slots.filter((slot): slot is BatchItem<A, E> => slot !== undefined),
          completionReason(options.completion, status(c))
        )
      )

    // While the batch is not complete and the policy allows, starts as many items
    // as there is room for, in index order, as the official SDK does: at first up
    // to `maxConcurrency`, then as items complete. A group started together all
    // starts, even if one of its items completes the batch meanwhile (an item
    // that never suspends completes before the next one starts). Ids are
    // allocated here, in order, so replay finds every item at the same place.
    const startMore: Effect.Effect<void, never, R | DurableContext> = mutex.withPermits(1)(Effect.gen(function*() {
      while (!(yield* Deferred.isDone(done))) {
        const c = yield* Ref.get(counts)
        const s = status(c)
        if (isComplete(options.completion, s) || !shouldContinue(options.completion, s)) return
        const first = c.next
        const room = Math.min(maxConcurrency - c.active, total - first)
        if (room <= 0) return
        // The whole group is STARTED before any of its items runs.
        yield* Ref.set(counts, { ...c, next: first + room, active: c.active + room })
        for (let index = first; index < first + room; index++) slots[index] = { index, status: "STARTED" }
        for (let index = first; index < first + room; index++) {
          const started = yield* startItem(items[index])
          yield* FiberSet.run(fibers, Effect.gen(function*() {
            const exit = yield* Effect.exit(runStarted(started, items[index]))
            const item = toItem(index, exit)
            slots[index] = item
            const after = yield* Ref.updateAndGet(counts, (c) => ({
              ...c,
              active: c.active - 1,
              completed: c.completed + 1,
              succeeded: c.succeeded + (item.status === "SUCCEEDED" ? 1 : 0),
              failed: c.failed + (item.status === "FAILED" ? 1 : 0)
            }))
            const s = status(after)
            if (isComplete(options.completion, s) || !shouldContinue(options.completion, s)) {
              yield* complete(after)
            } else {
              yield* startMore
            }
          }))
        }
      }
    }))

    yield* startMore
    // No item started: the batch is empty, or a custom policy completed it at once.
    const initial = yield* Ref.get(counts)
    if (initial.next === 0) yield* complete(initial)
    const result = yield* Deferred.await(done)
    // Whatever still runs is no longer waited for.
    yield* FiberSet.clear(fibers)
    return result
  }).pipe(Effect.scoped)

const parseSummary = (payload: string | undefined) => {
  try {
    const json = JSON.parse(payload ?? "{}") as { completionReason?: unknown; itemStatuses?: unknown }
    return {
      completionReason: typeof json.completionReason === "string" && completionReasons.has(json.completionReason)
        ? json.completionReason as CompletionReason
        : undefined,
      itemStatuses: typeof json.itemStatuses === "string" && /^[SF-]*$/.test(json.itemStatuses)
        ? json.itemStatuses
        : undefined
    }
  } catch {
    return { completionReason: undefined, itemStatuses: undefined }
  }
}

const batch = <A, E, R>(
  kind: Kind,
  name: string,
  items: ReadonlyArray<Item<A, R>>,
  options: Options<A, E>
): Effect.Effect<BatchResult<A, E>, never, R | DurableContext> =>
  Effect.gen(function*() {
    const started = yield* begin({ type: "CONTEXT", subType: kind.container, name })
    const invalid = validate(options as Options<unknown, unknown>)
    if (invalid !== undefined) return yield* fault(started.context, invalid)
    const format = options.resultSchema ??
      resultFormat(options.itemSchema ?? (Payload.Json as Payload.Format<A>), options.itemError)
    return yield* Child.run(started, execute(kind, items, options), {
      success: format,
      subType: kind.container,
      summary: summaryOf(kind.summary, options.summary as ((result: BatchResult<any, any>) => string) | undefined)
    }).pipe(
      // The executor never fails; a failure here is the container's own checkpoint failing to decode.
      Effect.catch((error) => fault(started.context, new SerdesFailedError({ message: error.message })))
    )
  })

/**
 * Options of {@link map}.
 *
 * @category models
 * @since 0.1.0
 */
export interface MapOptions<I, A, E = never> extends Options<A, E> {
  /** Names each item's context. Defaults to `map-item-<index>`. */
  readonly itemNamer?: ((item: I, index: number) => string) | undefined
}

/**
 * Runs `f` over `items` as a durable batch.
 *
 * @example
 * ```ts
 * const result = yield* Durable.map("resize", images, (image) => Durable.step("resize", resize(image)), {
 *   maxConcurrency: 10,
 *   completion: { toleratedFailurePercentage: 5 }
 * })
 * const thumbnails = Batch.results(result)
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const map: {
  <I, A, E, R>(
    name: string,
    items: ReadonlyArray<I>,
    f: (item: I, index: number, items: ReadonlyArray<I>) => Effect.Effect<A, E, R>,
    options: MapOptions<I, A, E> & { readonly itemError: Payload.Codec<E> }
  ): Effect.Effect<BatchResult<A, E>, never, R | DurableContext>
  <I, A, E, R>(
    name: string,
    items: ReadonlyArray<I>,
    f: (item: I, index: number, items: ReadonlyArray<I>) => Effect.Effect<A, E, R>,
    options?: MapOptions<I, A>
  ): Effect.Effect<BatchResult<A>, never, R | DurableContext>
} = <I, A, E, R>(
  name: string,
  items: ReadonlyArray<I>,
  f: (item: I, index: number, items: ReadonlyArray<I>) => Effect.Effect<A, E, R>,
  options: MapOptions<I, A, any> | MapOptions<I, A> = {}
): Effect.Effect<BatchResult<A, never>, never, R | DurableContext> =>
  // The failure type is the item error Schema's when there is one (first overload), none otherwise.
  batch<A, any, R>(
    { container: OperationSubType.Map, item: OperationSubType.MapIteration, summary: "MapResult" },
    name,
    items.map((item, index) => ({
      name: options.itemNamer?.(item, index) ?? `map-item-${index}`,
      effect: Effect.suspend(() => f(item, index, items))
    })),
    options as MapOptions<I, A, any>
  ).pipe(
    Effect.withSpan("Durable.map", { attributes: { "durable.operation.name": name, "durable.items": items.length } })
  ) as Effect.Effect<BatchResult<A, never>, never, R | DurableContext>

/**
 * A branch of {@link parallel}: an effect, or an effect with a name.
 *
 * @category models
 * @since 0.1.0
 */
export type Branch<A, E, R> = Effect.Effect<A, E, R> | { readonly name?: string | undefined; readonly effect: Effect.Effect<A, E, R> }

/**
 * Runs `branches` as a durable batch.
 *
 * @example
 * ```ts
 * const result = yield* Durable.parallel("notify", [
 *   { name: "email", effect: Durable.step("email", sendEmail) },
 *   Durable.step("sms", sendSms)
 * ], { completion: { minSuccessful: 1 } })
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const parallel: {
  <const Branches extends ReadonlyArray<Branch<any, any, any>>>(
    name: string,
    branches: Branches,
    options: Options<BranchSuccess<Branches[number]>, BranchError<Branches[number]>> & {
      readonly itemError: Payload.Codec<BranchError<Branches[number]>>
    }
  ): Effect.Effect<
    BatchResult<BranchSuccess<Branches[number]>, BranchError<Branches[number]>>,
    never,
    BranchContext<Branches[number]> | DurableContext
  >
  <const Branches extends ReadonlyArray<Branch<any, any, any>>>(
    name: string,
    branches: Branches,
    options?: Options<BranchSuccess<Branches[number]>>
  ): Effect.Effect<BatchResult<BranchSuccess<Branches[number]>>, never, BranchContext<Branches[number]> | DurableContext>
} = (
  name: string,
  branches: ReadonlyArray<Branch<any, any, any>>,
  options: Options<any, any> | Options<any> = {}
): Effect.Effect<BatchResult<any, never>, never, any> =>
  batch<any, any, any>(
    { container: OperationSubType.Parallel, item: OperationSubType.ParallelBranch, summary: "ParallelResult" },
    name,
    branches.map((branch, index) => {
      const named: { readonly name?: string | undefined; readonly effect: Effect.Effect<any, any, any> } =
        Effect.isEffect(branch) ? { effect: branch } : branch as Exclude<Branch<any, any, any>, Effect.Effect<any, any, any>>
      return { name: named.name ?? `parallel-branch-${index}`, effect: named.effect }
    }),
    options as Options<any, any>
  ).pipe(
    Effect.withSpan("Durable.parallel", { attributes: { "durable.operation.name": name, "durable.items": branches.length } })
  ) as Effect.Effect<BatchResult<any, never>, never, any>

/**
 * The failure type of a branch.
 *
 * @category models
 * @since 0.1.0
 */
export type BranchError<B> = B extends Effect.Effect<any, infer E, any> ? E
  : B extends { readonly effect: Effect.Effect<any, infer E, any> } ? E
  : never

/**
 * The success type of a branch.
 *
 * @category models
 * @since 0.1.0
 */
export type BranchSuccess<B> = B extends Effect.Effect<infer A, any, any> ? A
  : B extends { readonly effect: Effect.Effect<infer A, any, any> } ? A
  : never

/**
 * The services a branch needs.
 *
 * @category models
 * @since 0.1.0
 */
export type BranchContext<B> = B extends Effect.Effect<any, any, infer R> ? R
  : B extends { readonly effect: Effect.Effect<any, any, infer R> } ? R
  : never
