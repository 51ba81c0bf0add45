/**
 * Spans that cost nothing without a tracing backend.
 */
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

/**
 * `effect` in a span, when a tracing backend is installed. The native tracer
 * exports nothing, so without a backend no span is made: a span reads the
 * clock twice and allocates, on every operation.
 */
export const traced = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string,
  attributes: Record<string, unknown>
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
      ? effect
      : Effect.withSpan(effect, name, { attributes, captureStackTrace: false })
  )

