/**
 * `child`: runs an effect in a child context (the official
 * `runInChildContext`).
 *
 * A CONTEXT operation groups the operations of its effect: they get ids
 * `<parent>-1`, `<parent>-2`, ... and the context as their parent, so that
 * concurrent branches never race for ids. The context's result is
 * checkpointed when it completes; on replay a completed context returns it
 * without running its effect again, and the service prunes its children from
 * the state.
 *
 * A result over the service's payload limit is not checkpointed: the context
 * records a summary and `ReplayChildren`, the service keeps its children, and
 * replay re-runs the effect with every operation served from its checkpoint to
 * rebuild the result.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { DurableContext, makeChild } from "../DurableContext.ts"
import { ChildContextError } from "../DurableError.ts"
import * as Observe from "../internal/instrumentation.ts"
import { fault, operation, orFault, type Started, traced, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import type * as Wire from "../Wire.ts"
import { OperationSubType } from "../Wire.ts"

/**
 * Options of {@link child}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<A, E> {
  /** Encodes the result. Defaults to JSON. */
  readonly success?: Payload.Format<A> | undefined
  /** Encodes typed failures, rebuilt on replay. Without it a failure surfaces as a `ChildContextError`. */
  readonly error?: Payload.Codec<E> | undefined
  /** The SubType written on the wire. Defaults to `RunInChildContext`. */
  readonly subType?: string | undefined
  /** The payload written instead of a result over the size limit (defaults to an empty string). */
  readonly summary?: ((value: A) => string) | undefined
}

/**
 * Runs `effect` in a child context.
 *
 * @example
 * ```ts
 * const shipped = yield* Durable.child("ship", Effect.gen(function*() {
 *   const label = yield* Durable.step("label", printLabel(order))
 *   yield* Durable.wait("pickup", "2 hours")
 *   return yield* Durable.step("handover", handOver(label))
 * }))
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const child: {
  <A, E, R>(
    name: string,
    effect: Effect.Effect<A, E, R>,
    options: Options<A, E> & { readonly error: Payload.Codec<E> }
  ): Effect.Effect<A, E | ChildContextError, R | DurableContext>
  <A, E, R>(
    name: string,
    effect: Effect.Effect<A, E, R>,
    options?: Options<A, E>
  ): Effect.Effect<A, ChildContextError, R | DurableContext>
} = <A, E, R>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options: Options<A, E> = {}
): Effect.Effect<A, any, R | DurableContext> =>
  operation({
    type: "CONTEXT",
    subType: (options.subType ?? OperationSubType.RunInChildContext) as Wire.OperationSubType,
    name
  }, (started) =>
    replayed(started, options) ??
      traced(started, run(started, effect, options), "Durable.child", { "durable.operation.name": name }))

/**
 * The outcome of a context completed in an earlier invocation, straight from
 * its checkpoint; `undefined` when the context must run (it has no outcome yet,
 * or its result is rebuilt from its children).
 */
const replayed = <A, E>(
  started: Started,
  options: Options<A, E>
): Effect.Effect<A, E | ChildContextError> | undefined => {
  const checkpoint = started.checkpoint
  if (checkpoint === undefined || checkpoint.Status === "STARTED") return undefined
  if (checkpoint.Status === "SUCCEEDED") {
    if (checkpoint.ContextDetails?.ReplayChildren === true) return undefined
    return orFault(
      started.context,
      Payload.decode(options.success ?? (Payload.Json as Payload.Format<A>), checkpoint.ContextDetails?.Result, started.name)
    )
  }
  return Effect.flatMap(
    Payload.decodeError(options.error, checkpoint.ContextDetails?.Error, (fields) => new ChildContextError(fields)),
    Effect.fail
  )
}

/**
 * Runs an already started CONTEXT operation: replays it from its checkpoint,
 * or executes `effect` in the child context and checkpoints the outcome.
 * `virtual` contexts (FLAT batches) checkpoint nothing and parent their
 * children to the enclosing context.
 *
 * @internal
 */
export const run = <A, E, R>(
  started: Started,
  effect: Effect.Effect<A, E, R>,
  options: Options<A, E> & { readonly virtual?: boolean | undefined } = {}
): Effect.Effect<A, E | ChildContextError, R> =>
  Effect.gen(function*() {
    const { checkpointer } = started.context.services
    const { meta } = started
    const success = options.success ?? (Payload.Json as Payload.Format<A>)
    const checkpoint = started.checkpoint
    const virtual = options.virtual === true

    const rebuildError = (error: Wire.ErrorObject | undefined) =>
      Effect.flatMap(
        Payload.decodeError(options.error, error, (fields) => new ChildContextError(fields)),
        Effect.fail
      )

    const runIn = (mode: "execute" | "replay-succeeded") => {
      const running = Effect.exit(Effect.provideService(
        effect,
        DurableContext,
        makeChild(started.context, { rawId: started.rawId, parentId: virtual ? started.parentId : meta.id }, mode)
      ))
      const dispatch = started.context.services.instrumentation
      return dispatch === undefined ? running : Observe.fn(dispatch, started, running, Observe.exitOutcome)
    }

    const outcome = replayed(started, options)
    if (outcome !== undefined) return yield* outcome
    if (checkpoint?.Status === "SUCCEEDED") {
      // The result was too large to checkpoint: rebuild it from the children.
      const exit = yield* runIn("replay-succeeded")
      if (Exit.isFailure(exit)) return yield* Effect.failCause(exit.cause)
      const [, value] = yield* Payload.roundTrip(success, exit.value, meta.name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
      return value
    }
    if (checkpoint === undefined && !virtual) yield* checkpointer.enqueue(update(started, "START"))
    const exit = yield* runIn("execute")
    if (!virtual) yield* checkpointer.markFinished(meta.id)

    if (Exit.isSuccess(exit)) {
      const payload = yield* Payload.encode(success, exit.value, meta.name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
      if (!virtual) {
        const tooLarge = Payload.byteLength(payload) > Payload.maxBytes
        const summary = tooLarge ? (options.summary?.(exit.value) ?? "") : payload
        yield* checkpointer.enqueue(
          update(started, "SUCCEED", {
            ...(summary === undefined ? {} : { Payload: summary }),
            ...(tooLarge ? { ContextOptions: { ReplayChildren: true } } : {})
          })
        )
      }
      return yield* Payload.decode(success, payload, meta.name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
    }
    if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
    const failure = Cause.findErrorOption(exit.cause)
    const error = failure._tag === "Some" ? failure.value : Cause.squash(exit.cause)
    const encoded = yield* Payload.encodeError(options.error as Payload.Codec<unknown> | undefined, error, meta.name)
      .pipe(Effect.catch((error) => fault(started.context, error)))
    if (!virtual) yield* checkpointer.enqueue(update(started, "FAIL", { Error: encoded }))
    return yield* rebuildError(encoded)
  })
