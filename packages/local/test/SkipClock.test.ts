/**
 * The skipping clock: real time until it skips; a skip ends the sleeps that
 * fall due, in order, and leaves the others sleeping. A sleep until a time is
 * never overslept, whenever a skip lands: not by a driver that measured its
 * sleep just before one, not by `--skip-time`'s service, which never skips
 * while an invocation runs. (`run --skip-time` is tested end to end with the
 * CLI.)
 */
import { Durable } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Schema } from "effect"
import * as DevService from "../src/DevService.ts"
import * as SkipClock from "../src/SkipClock.ts"

const day = 86_400_000

const Nap = Durable.workflow({ name: "nap", output: Schema.String }, () =>
  Effect.gen(function*() {
    yield* Durable.wait("a-day", "1 day")
    return yield* Durable.step("after", Effect.succeed("rested"))
  }))

/** A step that works 300 ms on the clock, and says how long the clock says it took. */
const Busy = Durable.workflow({ name: "busy", output: Schema.Number }, () =>
  Durable.step(
    "work",
    Effect.gen(function*() {
      const from = yield* Clock.currentTimeMillis
      yield* Effect.sleep("300 millis")
      return (yield* Clock.currentTimeMillis) - from
    }),
    { success: Schema.Number }
  ))

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

  it.live("a sleep until a time ends at a skip past it, and at once when it starts after one", () =>
    Effect.gen(function*() {
      const clock = SkipClock.make()
      const at = clock.currentTimeMillisUnsafe() + day
      const sleeping = yield* Effect.forkChild(clock.sleepUntil(at))
      yield* Effect.sleep("20 millis")
      assert.isUndefined(sleeping.pollUnsafe())
      yield* clock.skipTo(at)
      yield* Fiber.join(sleeping)
      // a time the clock already passed: a relative sleep measured before the skip would take another day
      yield* clock.sleepUntil(at).pipe(Effect.timeout("1 second"))
      yield* clock.sleepUntil(at - day).pipe(Effect.timeout("1 second"))
    }))

  it.live("a driver that measured its sleep just before a skip wakes at its wake-up, not an interval later", () =>
    Effect.gen(function*() {
      const clock = SkipClock.make()
      const begun = clock.currentTimeMillisUnsafe()
      // The skip lands exactly where the race was: after the driver read the clock and the wake-up, before it
      // slept. Measuring `wakeup - now` there and sleeping that long would sleep a second day.
      const result = yield* LocalRunner.run(Nap, undefined, {
        policy: { name: "eager", warmup: 0, maxInProcessWait: 0 },
        onEvent: (event) => event._tag === "Sleeping" && event.until !== undefined ? clock.skipTo(event.until) : Effect.void
      }).pipe(
        Effect.provide(Emulator.Emulator.layer),
        Effect.provideService(Clock.Clock, clock),
        Effect.timeout("10 seconds")
      )
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
      const [first, second] = result.invocations
      assert.isAtLeast(second!.startedAt - first!.startedAt, day)
      assert.isBelow(second!.startedAt - first!.startedAt, day + 60_000)
      assert.isBelow(clock.currentTimeMillisUnsafe() - begun, day + 60_000)
    }))

  it.live("--skip-time: no skip while an invocation runs; a day's wait ends a day later", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const nap = yield* emulator.start({ name: "nap", executionName: "nap" })
      const busy = yield* emulator.start({ name: "busy", executionName: "busy" })
      const ended = (arn: string) =>
        Effect.gen(function*() {
          while (true) {
            const execution = yield* emulator.execution(arn)
            if (execution.status !== "RUNNING") return execution
            yield* Effect.sleep("20 millis")
          }
        })
      const napped = yield* ended(nap)
      const worked = yield* ended(busy)
      assert.strictEqual(napped.status, "SUCCEEDED")
      assert.strictEqual(worked.status, "SUCCEEDED")
      // the step's 300 ms were not skipped over, though the other execution waited a day meanwhile
      assert.isBelow(Number(worked.result), 60_000)
      const wait = napped.operations.find((o) => o.Name === "a-day")!
      const scheduled = wait.WaitDetails!.ScheduledEndTimestamp!.getTime()
      assert.isAtLeast(wait.EndTimestamp!.getTime(), scheduled)
      assert.isBelow(wait.EndTimestamp!.getTime() - scheduled, 60_000)
    }).pipe(
      Effect.provide(
        DevService.layer({ functions: { nap: Nap, busy: Busy }, port: 0, skipTime: true }).pipe(
          Layer.provideMerge(Emulator.Emulator.layer)
        )
      ),
      Effect.timeout("20 seconds")
    ))
})
