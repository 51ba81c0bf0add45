/**
 * What the map and parallel handlers return from a batch result: the fields a
 * requirement's projection names.
 */
import type { Batch } from "@effect-durable/core"

type Result = Batch.BatchResult<unknown, unknown>

/**
 * The named fields of a batch result.
 *
 * @example
 * ```ts
 * Durable.map("items", items, f).pipe(Effect.map(project("completionReason", "successCount")))
 * ```
 */
export const project = <K extends keyof Result>(...keys: ReadonlyArray<K>) => (result: Result): Pick<Result, K> =>
  Object.fromEntries(keys.map((key) => [key, result[key]])) as Pick<Result, K>

/** The projection most completion-policy requirements return. */
export const outcome = project("completionReason", "status", "successCount", "failureCount", "totalCount")
