/**
 * Spans that cost nothing without a tracing backend.
 */
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

/**
 * `effect` in a span, when `tracer` (the fiber's, read by the caller once for
 * many spans: an operation when it starts, the checkpoint worker when it
 * starts) is a tracing backend. The native tracer exports nothing, so without
 * a backend no span is made: a span reads the clock twice and allocates.
 */
export const tracedWith = <A, E, R>(
  tracer: Tracer.Tracer,
  effect: Effect.Effect<A, E, R>,
  name: string,
  attributes: Record<string, unknown>
): Effect.Effect<A, E, R> =>
  tracer === Tracer.nativeTracer ? effect : Effect.withSpan(effect, name, { attributes, captureStackTrace: false })

/**
 * `effect` in a span when the fiber's tracer is a tracing backend, read when
 * it runs: for the spans made once per invocation (the invocation, the
 * supervisor's loop and watchdog). Without a backend this also spares a cold
 * start compiling the span machinery before its first checkpoint.
 */
export const traced = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string,
  attributes: Record<string, unknown> = {}
): Effect.Effect<A, E, R> => Effect.withFiber((fiber) => tracedWith(fiber.getRef(Tracer.Tracer), effect, name, attributes))
