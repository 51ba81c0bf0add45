/**
 * A clock that runs in real time and can jump ahead: `--skip-time` of the
 * local service.
 *
 * Time flows at the speed of the wall clock, so everything that waits a few
 * milliseconds (a supervisor's warmup, an HTTP server's batching, a user
 * clicking a button) behaves as usual; when the service has nothing to do
 * but wait for a timer, it `skipTo`s that timer's time, and every sleep that
 * falls due meanwhile ends at once, in order. A workflow that waits a day runs
 * in a moment, while the web view and the callbacks stay live.
 *
 * @example
 * ```ts
 * import { SkipClock } from "@effect-durable/local"
 *
 * const clock = SkipClock.make()
 * program.pipe(Effect.provideService(Clock.Clock, clock))
 * yield* clock.skipTo(Date.now() + 86_400_000)
 * ```
 *
 * @since 0.1.0
 */
import type { AbsoluteClock } from "@effect-durable/testing/AbsoluteClock"
import { Duration, Effect } from "effect"

/**
 * The clock, and how to move it forward.
 *
 * It sleeps until a time as well as for a duration (an `AbsoluteClock`):
 * `LocalRunner`'s drivers sleep until their execution's wake-up, so a skip can
 * never be overslept, whenever it lands.
 *
 * @category models
 * @since 0.1.0
 */
export interface SkipClock extends AbsoluteClock {
  /** Moves the clock forward to `at` (epoch ms); nothing happens if `at` is not ahead. */
  readonly skipTo: (at: number) => Effect.Effect<void>
  /** How far ahead of the wall clock it is, in ms. */
  readonly offset: () => number
}

interface Sleeper {
  readonly due: number
  readonly wake: () => void
  timer: ReturnType<typeof setTimeout> | undefined
}

/** Node's longest timer. */
const maxTimer = 2 ** 31 - 1

/**
 * A new clock, in step with the wall clock until it skips.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (): SkipClock => {
  let offset = 0
  const sleepers = new Set<Sleeper>()
  const now = () => Date.now() + offset
  // Wakes the sleeper if the clock reads its time, else sets a timer to look again: a timer that fires
  // early (Node's timers round differently from Date.now) or a skip meanwhile is read from the clock itself.
  const arm = (sleeper: Sleeper) => {
    if (sleeper.timer !== undefined) clearTimeout(sleeper.timer)
    const remaining = sleeper.due - now()
    if (remaining <= 0) {
      sleepers.delete(sleeper)
      sleeper.timer = undefined
      sleeper.wake()
      return
    }
    sleeper.timer = setTimeout(() => arm(sleeper), Math.min(remaining, maxTimer))
  }
  // `due` is computed when the sleep starts, in the same synchronous step as the sleeper is registered.
  const sleepAt = (due: () => number): Effect.Effect<void> =>
    Effect.callback<void>((resume) => {
      const sleeper: Sleeper = { due: due(), wake: () => resume(Effect.void), timer: undefined }
      sleepers.add(sleeper)
      arm(sleeper)
      return Effect.sync(() => {
        if (sleeper.timer !== undefined) clearTimeout(sleeper.timer)
        sleepers.delete(sleeper)
      })
    })
  return {
    currentTimeMillisUnsafe: now,
    currentTimeMillis: Effect.sync(now),
    currentTimeNanosUnsafe: () => BigInt(now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => process.hrtime.bigint() + BigInt(offset) * 1_000_000n,
    monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint() + BigInt(offset) * 1_000_000n),
    sleep: (duration: Duration.Duration) => sleepAt(() => now() + Duration.toMillis(duration)),
    sleepUntil: (at: number) => sleepAt(() => at),
    offset: () => offset,
    skipTo: (at) =>
      Effect.sync(() => {
        const ahead = at - now()
        if (ahead <= 0) return
        offset += ahead
        // in the order they fall due
        for (const sleeper of [...sleepers].sort((a, b) => a.due - b.due)) arm(sleeper)
      })
  }
}
