/**
 * A clock that skips the service's idle time: real time plus an offset that
 * only moves forward while no invocation runs.
 *
 * Between invocations nothing of the function is alive, so the benchmark may
 * jump to the service's next wake-up instead of sleeping until it; while an
 * invocation runs, the clock is the real clock (offset fixed), so every
 * millisecond the function is alive is measured, not modeled.
 *
 * Both SDKs read it: effect-durable (and the emulator) through Effect's
 * `Clock` service ({@link clock}); the official SDK through `Date.now`, which
 * {@link install} replaces for the whole process (its timers compute their
 * delays from `Date.now()` and the service's timestamps; `setTimeout` keeps
 * running in real time, as both clocks do while an invocation runs).
 */
import { type Clock, Duration, Effect } from "effect"
import { performance } from "node:perf_hooks"

const realDateNow = Date.now.bind(Date)
let offset = 0
let installed = false

/** Real epoch milliseconds, sub-millisecond (performance.now based). */
export const realNow = (): number => performance.timeOrigin + performance.now()

/** The skipped clock, sub-millisecond. */
export const now = (): number => realNow() + offset

/** Epoch milliseconds on the skipped clock, whole (as `Date.now` returns them). */
export const nowMillis = (): number => Math.floor(now())

/** How far the clock has skipped so far. */
export const skipped = (): number => offset

/** Jumps forward to `at` (epoch ms on the skipped clock). Only call it while no invocation runs. */
export const skipTo = (at: number): void => {
  const ahead = at - now()
  if (ahead > 0) offset += ahead
}

/** Makes `Date.now` read the skipped clock, for the whole process. */
export const install = (): void => {
  if (installed) return
  installed = true
  offset = 0
  Date.now = () => Math.floor(realDateNow() + offset)
}

const sleepMillis = (millis: number): Effect.Effect<void> =>
  millis <= 0 || !Number.isFinite(millis)
    ? (millis <= 0 ? Effect.yieldNow : Effect.never)
    : Effect.callback<void>((resume) => {
      const handle = setTimeout(() => resume(Effect.void), Math.min(millis, 2 ** 31 - 1))
      return Effect.sync(() => clearTimeout(handle))
    })

/** Effect's `Clock` on the skipped clock; sleeps are real timers. */
export const clock: Clock.Clock = {
  currentTimeMillisUnsafe: nowMillis,
  currentTimeMillis: Effect.sync(nowMillis),
  currentTimeNanosUnsafe: () => BigInt(Math.round(now() * 1_000_000)),
  currentTimeNanos: Effect.sync(() => BigInt(Math.round(now() * 1_000_000))),
  monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
  monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
  sleep: (duration) => sleepMillis(Duration.toMillis(duration))
}
