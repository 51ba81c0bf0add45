/**
 * Sleeping until a time on the clock, rather than for a duration.
 *
 * A driver that reads the clock, computes `at - now` and then sleeps for that
 * long sleeps too long when the clock jumps ahead between the two: the sleep
 * starts from the new time. A clock that skips (the local service's
 * `--skip-time`) makes that a real race: a wait of one day, measured just
 * before a skip of one day, ended two days later. A clock that can sleep until
 * a time implements {@link AbsoluteClock}, and {@link sleepUntil} uses it; on
 * any other clock (the real one, `TestClock`) it sleeps for the difference and
 * reads the clock again when it wakes, until the clock reads `at` (a timer may
 * fire a millisecond before `Date.now` reads its time).
 *
 * @example
 * ```ts
 * import { AbsoluteClock } from "@effect-durable/testing"
 *
 * const wakeup = yield* emulator.nextWakeup(arn)
 * yield* AbsoluteClock.sleepUntil(wakeup) // never past it, whatever the clock does meanwhile
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"

/**
 * A `Clock` that can also sleep until a time it reads (epoch ms): a jump of
 * the clock past `at` ends the sleep, whenever it happens.
 *
 * @category models
 * @since 0.1.0
 */
export interface AbsoluteClock extends Clock.Clock {
  readonly sleepUntil: (at: number) => Effect.Effect<void>
}

/**
 * Whether a clock can sleep until a time.
 *
 * @category guards
 * @since 0.1.0
 */
export const isAbsoluteClock = (clock: Clock.Clock): clock is AbsoluteClock =>
  typeof (clock as Partial<AbsoluteClock>).sleepUntil === "function"

/**
 * Sleeps until the `Clock` in context reads `at` (epoch ms): at once if it
 * already does.
 *
 * @category sleeping
 * @since 0.1.0
 */
export const sleepUntil = (at: number): Effect.Effect<void> =>
  Clock.clockWith((clock) => {
    if (isAbsoluteClock(clock)) return clock.sleepUntil(at)
    const loop: Effect.Effect<void> = Effect.suspend(() => {
      const now = clock.currentTimeMillisUnsafe()
      return now >= at ? Effect.void : Effect.andThen(clock.sleep(Duration.millis(at - now)), loop)
    })
    return loop
  })
