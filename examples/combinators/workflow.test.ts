/**
 * combinators on the emulator under TestClock: the faster airline wins the
 * race (its quote child completes, the other is left where it was), both
 * bookings are combined with `all`, a crash after any checkpoint changes
 * nothing, and a full hotel fails `all`, which cancels the bookings.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { TripBooking, TripNotBooked } from "./workflow.ts"

/** The top-level operations: type, subtype, name, status. */
const topLevel = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.filter((op) => op.Type !== "EXECUTION" && op.ParentId === undefined).map((op) => [
    op.Type,
    op.SubType,
    op.Name,
    op.Status
  ])

const trip = { tripId: "t-9", destination: "Lisbon", nights: 3 }

describe("combinators", () => {
  it.effect("takes the first quote, then books flight and hotel together", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(TripBooking, trip)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, {
          tripId: "t-9",
          quote: { airline: "northair", flight: "northair/Lisbon/1", priceCents: 24_500 },
          flight: "booked northair/Lisbon/1",
          hotel: "hotel-Lisbon-3n"
        })
      }
      // Each combination is a CONTEXT of its own, next to (not above) the effects it combines. The
      // slower airline's quote was abandoned where it was: its child context stays STARTED.
      assert.deepStrictEqual(topLevel(result.operations), [
        ["CONTEXT", "RunInChildContext", "first-quote", "SUCCEEDED"],
        ["CONTEXT", "RunInChildContext", "quote-skyways", "STARTED"],
        ["CONTEXT", "RunInChildContext", "quote-northair", "SUCCEEDED"],
        ["CONTEXT", "RunInChildContext", "book-trip", "SUCCEEDED"],
        ["STEP", "Step", "book-flight", "SUCCEEDED"],
        ["STEP", "Step", "book-hotel", "SUCCEEDED"]
      ])
      // The race's result is checkpointed: replay reads it instead of racing again.
      const race = result.operations.find((op) => op.Name === "first-quote")
      assert.strictEqual(JSON.parse(race?.ContextDetails?.Result ?? "null").airline, "northair")
      // Both airlines' waits outlast the in-process horizon: suspended until northair's 20 s were up.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a crash after any checkpoint gives the same result and the same operations", () =>
    Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(TripBooking, trip)
      const layout = (ops: ReadonlyArray<Wire.Operation>) =>
        ops.filter((op) => op.Type !== "EXECUTION").map((op) => [op.Id, op.ParentId, op.Name, op.Status])
      for (let k = 1; k <= clean.checkpointCalls; k++) {
        const crashed = yield* LocalRunner.runUnderTestClock(TripBooking, trip, { crashAfterCheckpoints: [k] })
        assert.include(crashed.invocations.map((i) => i.outcome), "crashed", `crash after checkpoint ${k}`)
        assert.strictEqual(crashed.status, "SUCCEEDED", `crash after checkpoint ${k}`)
        if (crashed.status === "SUCCEEDED" && clean.status === "SUCCEEDED") {
          assert.deepStrictEqual(crashed.output, clean.output, `crash after checkpoint ${k}`)
        }
        assert.deepStrictEqual(layout(crashed.operations), layout(clean.operations), `crash after checkpoint ${k}`)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a full hotel fails book-trip: the bookings are cancelled and the trip is not booked", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(TripBooking, { ...trip, destination: "Reykjavik" })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "TripNotBooked")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(TripNotBooked))(result.error.ErrorData)
        assert.strictEqual(error.reason, "HotelFull: no room in Reykjavik for 3 nights")
      }
      const status = (name: string) => result.operations.find((op) => op.Name === name)?.Status
      assert.strictEqual(status("book-hotel"), "FAILED")
      assert.strictEqual(status("book-trip"), "FAILED")
      assert.strictEqual(status("cancel-bookings"), "SUCCEEDED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
