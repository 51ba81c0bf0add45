/**
 * The skipping clock: real time until it skips; a skip ends the sleeps that
 * fall due, in order, and leaves the others sleeping. (`run --skip-time` is
 * tested end to end with the CLI.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import * as SkipClock from "../src/SkipClock.ts"

describe("SkipClock", () => {
  it.live("skipping ends the sleeps that fall due, in order; the others keep sleeping", () =>
    Effect.gen(function*() {
      const clock = SkipClock.make()
      const woke: Array<string> = []
      const before = clock.currentTimeMillisUnsafe()
      const hour = yield* Effect.forkChild(
        Effect.andThen(Effect.sleep("1 hour"), Effect.sync(() => woke.push("hour"))).pipe(Effect.provideService(Clock.Clock, clock))
      )
      const minute = yield* Effect.forkChild(
        Effect.andThen(Effect.sleep("1 minute"), Effect.sync(() => woke.push("minute"))).pipe(Effect.provideService(Clock.Clock, clock))
      )
      const day = yield* Effect.forkChild(
        Effect.andThen(Effect.sleep("1 day"), Effect.sync(() => woke.push("day"))).pipe(Effect.provideService(Clock.Clock, clock))
      )
      yield* Effect.sleep("20 millis")
      assert.deepStrictEqual(woke, [])
      yield* clock.skipTo(before + 2 * 3_600_000)
      yield* Fiber.join(hour)
      yield* Fiber.join(minute)
      assert.deepStrictEqual(woke, ["minute", "hour"])
      assert.isAtLeast(clock.currentTimeMillisUnsafe() - before, 2 * 3_600_000)
      assert.isAtLeast(clock.offset(), 2 * 3_600_000 - 1000)
      // going back is not a thing: nothing happens
      yield* clock.skipTo(before)
      assert.isUndefined(day.pollUnsafe())
      yield* Fiber.interrupt(day)
    }))
})
