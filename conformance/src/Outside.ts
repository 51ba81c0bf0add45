/**
 * State outside the function, for handlers whose behaviour depends on what
 * happened in earlier invocations in ways the durable history does not record
 * (the reference handlers keep such counts in a DynamoDB table): e.g. crash
 * the first time a step runs, not the second.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"

/**
 * Counters that live as long as one run of a requirement.
 *
 * @category services
 * @since 0.1.0
 */
export class Outside extends Context.Service<Outside, {
  /** Adds one to the counter `key` and returns its new value (1 the first time). */
  readonly increment: (key: string) => Effect.Effect<number>
}>()("@effect-durable/conformance/Outside") {}

/**
 * Fresh counters.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Outside> = Layer.sync(Outside, () => {
  const counts = new Map<string, number>()
  return {
    increment: (key) =>
      Effect.sync(() => {
        const next = (counts.get(key) ?? 0) + 1
        counts.set(key, next)
        return next
      })
  }
})

/**
 * True the first time it runs in a run of a requirement, false afterwards.
 *
 * @category services
 * @since 0.1.0
 */
export const firstTime = (key: string): Effect.Effect<boolean, never, Outside> =>
  Effect.map(Effect.flatMap(Outside, (outside) => outside.increment(key)), (n) => n === 1)
