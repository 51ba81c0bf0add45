/**
 * Sleeping until a time: on a clock that can (an `AbsoluteClock`) it is the
 * clock's own; on any other it sleeps for the difference and reads the clock
 * again when it wakes, so a timer that fires early never ends it early.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as AbsoluteClock from "../src/AbsoluteClock.ts"

describe("AbsoluteClock.sleepUntil", () => {
  it.effect("ends when the clock reads the time, not before; at once for a time already past", () =>
    Effect.gen(function*() {
      const at = (yield* Clock.currentTimeMillis) + 60_000
      const fiber = yield* Effect.forkChild(AbsoluteClock.sleepUntil(at))
      yield* TestClock.adjust("59999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, at)
      // already past: no sleep at all
      yield* AbsoluteClock.sleepUntil(at - 1000)
    }))

  it.effect("a timer that fires a millisecond early sleeps again, to the time", () =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      let sleeps = 0
      const early: Clock.Clock = {
        ...clock,
        sleep: (duration) => {
          // the first timer fires a millisecond early
          sleeps += 1
          return clock.sleep(Duration.millis(Duration.toMillis(duration) - (sleeps === 1 ? 1 : 0)))
        }
      }
      const at = (yield* Clock.currentTimeMillis) + 1000
      const fiber = yield* Effect.forkChild(AbsoluteClock.sleepUntil(at).pipe(Effect.provideService(Clock.Clock, early)))
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual(sleeps, 2)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* Clock.currentTimeMillis, at)
    }))

  it.effect("uses the clock's own sleepUntil when it has one", () =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      const asked: Array<number> = []
      const absolute: AbsoluteClock.AbsoluteClock = {
        ...clock,
        sleepUntil: (at) => Effect.sync(() => asked.push(at))
      }
      assert.isTrue(AbsoluteClock.isAbsoluteClock(absolute))
      assert.isFalse(AbsoluteClock.isAbsoluteClock(clock))
      yield* AbsoluteClock.sleepUntil(123_456).pipe(Effect.provideService(Clock.Clock, absolute))
      assert.deepStrictEqual(asked, [123_456])
    }))
})
