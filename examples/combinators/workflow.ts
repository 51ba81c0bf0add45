/**
 * combinators: a trip booking that takes the first airline quote with
 * `Durable.race`, then books the flight and the hotel together with
 * `Durable.all`. Each combination is checkpointed as a CONTEXT (subtype
 * `RunInChildContext`) named after the call: once it has completed, replay
 * returns its result and stops the effects still running.
 *
 * Gotcha (see `Combinator.ts`): an effect that runs several durable operations
 * (here: request a quote, wait for the airline, fetch the quote) goes in a
 * `Durable.child`, so that its operations get ids of their own whatever the
 * timing. A single step (the bookings) needs no child.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { type Duration, Effect, Schema } from "effect"

export const Quote = Schema.Struct({ airline: Schema.String, flight: Schema.String, priceCents: Schema.Int })

export class HotelFull extends Schema.TaggedError<HotelFull>()("HotelFull", { message: Schema.String }) {}

/** Nothing was booked: the bookings that went through were cancelled. */
export class TripNotBooked extends Schema.TaggedError<TripNotBooked>()("TripNotBooked", {
  tripId: Schema.String,
  reason: Schema.String
}) {}

export const Trip = Schema.Struct({ tripId: Schema.String, destination: Schema.String, nights: Schema.Int })

/** Stands in for an airline's quote API: request, let the airline work on it, fetch. */
const quoteFrom = (airline: string, processing: Duration.Input, priceCents: number, destination: string) =>
  Durable.child(
    `quote-${airline}`,
    Effect.gen(function*() {
      const requestId = yield* Durable.step("request-quote", Effect.succeed(`${airline}/${destination}`), {
        success: Schema.String
      })
      yield* Durable.wait("airline-processing", processing)
      return yield* Durable.step(
        "fetch-quote",
        Effect.succeed({ airline, flight: `${requestId}/1`, priceCents }),
        { success: Quote }
      )
    }),
    { success: Quote }
  )

/** Stands in for the hotel's API: no room left in Reykjavik. */
const bookHotel = (destination: string, nights: number) =>
  destination === "Reykjavik"
    ? Effect.fail(new HotelFull({ message: `no room in ${destination} for ${nights} nights` }))
    : Effect.succeed(`hotel-${destination}-${nights}n`)

export const TripBooking = Durable.workflow(
  {
    name: "trip-booking",
    input: Trip,
    output: Schema.Struct({ tripId: Schema.String, quote: Quote, flight: Schema.String, hotel: Schema.String }),
    error: TripNotBooked
  },
  Effect.fn(function*({ destination, nights, tripId }) {
    // The first airline to answer wins; the other one's quote is abandoned.
    const quote = yield* Durable.race("first-quote", [
      quoteFrom("skyways", "45 seconds", 21_000, destination),
      quoteFrom("northair", "20 seconds", 24_500, destination)
    ]).pipe(Effect.mapError((error) => new TripNotBooked({ tripId, reason: `no quote: ${error.message}` })))

    // Both bookings at once; the first failure fails the combination.
    const [flight, hotel] = yield* Durable.all("book-trip", [
      Durable.step("book-flight", Effect.succeed(`booked ${quote.flight}`), { success: Schema.String }),
      Durable.step("book-hotel", bookHotel(destination, nights), {
        success: Schema.String,
        error: HotelFull,
        retry: RetryPolicy.noRetry
      })
    ]).pipe(
      Effect.catchTag("PromiseCombinatorError", (error) =>
        // The flight may have been booked meanwhile: cancel whatever this trip holds (idempotent).
        Durable.step("cancel-bookings", Effect.log(`cancelling the bookings of ${tripId}`)).pipe(
          Effect.andThen(new TripNotBooked({ tripId, reason: `${error.errorType}: ${error.message}` }))
        ))
    )
    return { tripId, quote, flight, hotel }
  })
)
