/**
 * `all`, `allSettled`, `any`, `race`: combine durable effects, and checkpoint
 * the combined outcome as the official SDK's `ctx.promise.*` do.
 *
 * The effects run concurrently in the current context, started in order, so
 * their first operations get the ids they would get one after the other. The
 * combination itself is then recorded as a CONTEXT (subtype
 * `RunInChildContext`) named after the combinator call: on replay, a
 * completed combination returns its checkpoint at once and the effects still
 * running are interrupted, which the official SDK cannot do.
 *
 * **Gotcha**: operations that an effect runs after its first one get their ids
 * when they run, so their order across effects depends on timing. An effect
 * that runs several durable operations belongs in a `Durable.child`, which
 * gives its operations ids of their own.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import { DurableContext } from "../DurableContext.ts"
import { begin, fault, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import type * as Wire from "../Wire.ts"
import { OperationSubType } from "../Wire.ts"

/**
 * A combination failed: the failure of the effect that decided it (for `all`
 * and `race`), or of every effect (for `any`: an `AggregateError`). Its tag is
 * the official SDK's `ErrorType`, so a history reads the same in both SDKs.
 *
 * @category errors
 * @since 0.1.0
 */
export class PromiseCombinatorError extends Schema.TaggedError<PromiseCombinatorError>()("PromiseCombinatorError", {
  message: Schema.String,
  errorType: Schema.String,
  errorData: Schema.optionalKey(Schema.String)
}) {}

/**
 * The outcome of one effect of {@link allSettled}, in the shape of a settled
 * JavaScript promise (the shape the official SDK checkpoints).
 *
 * @category models
 * @since 0.1.0
 */
export type Settled<A> =
  | { readonly status: "fulfilled"; readonly value: A }
  | { readonly status: "rejected"; readonly reason: { readonly name: string; readonly message: string } }

type Decide<A> = (
  exits: ReadonlyArray<Exit.Exit<unknown, unknown> | undefined>
) => { readonly _tag: "Pending" } | { readonly _tag: "Done"; readonly exit: Exit.Exit<A, unknown> }

const combine = <A, R>(
  name: string,
  effects: ReadonlyArray<Effect.Effect<unknown, unknown, R>>,
  decide: Decide<A>
): Effect.Effect<A, PromiseCombinatorError, R | DurableContext> =>
  Effect.gen(function*() {
    // Start every effect in order: each allocates the id of its first operation and
    // yields, then the combination allocates its own; only then do the effects go on
    // (as promise continuations would), or stop if the combination already completed.
    const context = yield* DurableContext
    const deferred = DurableContext.of({ ...context, yieldAfterId: true })
    const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
    for (const effect of effects) {
      fibers.push(
        yield* Effect.forkChild(Effect.provideService(effect, DurableContext, deferred), { startImmediately: true })
      )
    }
    const started = yield* begin({ type: "CONTEXT", subType: OperationSubType.RunInChildContext, name })
    const { checkpointer } = started.context.services
    const rebuild = (error: Wire.ErrorObject | undefined) =>
      Effect.flatMap(
        Payload.decodeError<never, PromiseCombinatorError>(undefined, error, (fields) => new PromiseCombinatorError(fields)),
        Effect.fail
      )

    const checkpoint = started.checkpoint
    if (checkpoint?.Status === "SUCCEEDED") {
      yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
      return yield* Payload.decode(Payload.Json as Payload.Codec<A>, checkpoint.ContextDetails?.Result, name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
    }
    if (checkpoint !== undefined && checkpoint.Status !== "STARTED") {
      yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
      return yield* rebuild(checkpoint.ContextDetails?.Error)
    }

    if (checkpoint === undefined) yield* checkpointer.enqueue(update(started, "START"))
    const exits: Array<Exit.Exit<unknown, unknown> | undefined> = fibers.map(() => undefined)
    const done = yield* Deferred.make<Exit.Exit<A, unknown>>()
    const check = Effect.suspend(() => {
      const decision = decide(exits)
      return decision._tag === "Done" ? Deferred.succeed(done, decision.exit) : Effect.void
    })
    yield* check
    yield* Effect.forEach(fibers, (fiber, index) =>
      Effect.forkChild(Effect.flatMap(Fiber.await(fiber), (exit) => {
        exits[index] = exit
        return check
      })), { discard: true })
    const exit = yield* Deferred.await(done)
    yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })

    if (Exit.isSuccess(exit)) {
      const payload = yield* Payload.encode(Payload.Json, exit.value, name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
      yield* checkpointer.enqueue(update(started, "SUCCEED", payload === undefined ? {} : { Payload: payload }))
      return yield* Payload.decode(Payload.Json as Payload.Codec<A>, payload, name).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
    }
    if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
    const failure = Cause.findErrorOption(exit.cause)
    const encoded = yield* Payload.encodeError(undefined, failure._tag === "Some" ? failure.value : Cause.squash(exit.cause))
      .pipe(Effect.catch((error) => fault(started.context, error)))
    yield* checkpointer.enqueue(update(started, "FAIL", { Error: encoded }))
    return yield* rebuild(encoded)
  }).pipe(Effect.withSpan("Durable.combinator", { attributes: { "durable.operation.name": name } }))

type Success<T> = T extends Effect.Effect<infer A, any, any> ? A : never
type Services<T> = T extends Effect.Effect<any, any, infer R> ? R : never

/**
 * All results, in order; fails as soon as one effect fails.
 *
 * @example
 * ```ts
 * const [user, orders] = yield* Durable.all("load", [Durable.step("user", getUser), Durable.step("orders", getOrders)])
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const all = <const Effects extends ReadonlyArray<Effect.Effect<any, any, any>>>(
  name: string,
  effects: Effects
): Effect.Effect<{ -readonly [K in keyof Effects]: Success<Effects[K]> }, PromiseCombinatorError, Services<Effects[number]> | DurableContext> =>
  combine(name, effects, (exits) => {
    const failed = exits.find((exit) => exit !== undefined && Exit.isFailure(exit))
    if (failed !== undefined) return { _tag: "Done", exit: failed as Exit.Exit<any, unknown> }
    if (exits.some((exit) => exit === undefined)) return { _tag: "Pending" }
    return { _tag: "Done", exit: Exit.succeed(exits.map((exit) => (exit as Exit.Success<unknown>).value) as any) }
  })

/**
 * Every outcome, in order, once all effects completed; never fails.
 *
 * @category operations
 * @since 0.1.0
 */
export const allSettled = <const Effects extends ReadonlyArray<Effect.Effect<any, any, any>>>(
  name: string,
  effects: Effects
): Effect.Effect<
  { -readonly [K in keyof Effects]: Settled<Success<Effects[K]>> },
  PromiseCombinatorError,
  Services<Effects[number]> | DurableContext
> =>
  combine(name, effects, (exits) => {
    if (exits.some((exit) => exit === undefined)) return { _tag: "Pending" }
    return {
      _tag: "Done",
      exit: Exit.succeed(exits.map((exit): Settled<unknown> => {
        if (Exit.isSuccess(exit!)) return { status: "fulfilled", value: exit.value }
        const failure = Cause.findErrorOption(exit!.cause)
        const error = failure._tag === "Some" ? failure.value : Cause.squash(exit!.cause)
        return { status: "rejected", reason: { message: Payload.errorMessageOf(error), name: Payload.errorTypeOf(error) } }
      }) as any)
    }
  })

/**
 * The first success; fails only when every effect failed.
 *
 * @category operations
 * @since 0.1.0
 */
export const any = <const Effects extends ReadonlyArray<Effect.Effect<any, any, any>>>(
  name: string,
  effects: Effects
): Effect.Effect<Success<Effects[number]>, PromiseCombinatorError, Services<Effects[number]> | DurableContext> =>
  combine(name, effects, (exits) => {
    const succeeded = exits.find((exit) => exit !== undefined && Exit.isSuccess(exit))
    if (succeeded !== undefined) return { _tag: "Done", exit: succeeded as Exit.Exit<any, unknown> }
    if (exits.some((exit) => exit === undefined)) return { _tag: "Pending" }
    // Every effect failed: the official SDK's AggregateError (Promise.any's).
    const errors = exits.map((exit) => {
      const failure = Cause.findErrorOption((exit as Exit.Failure<unknown, unknown>).cause)
      return failure._tag === "Some" ? failure.value : Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)
    })
    return { _tag: "Done", exit: Exit.fail(new AggregateError(errors, "All promises were rejected")) }
  })

/**
 * The first outcome, success or failure.
 *
 * @category operations
 * @since 0.1.0
 */
export const race = <const Effects extends ReadonlyArray<Effect.Effect<any, any, any>>>(
  name: string,
  effects: Effects
): Effect.Effect<Success<Effects[number]>, PromiseCombinatorError, Services<Effects[number]> | DurableContext> =>
  combine(name, effects, (exits) => {
    const first = exits.find((exit) => exit !== undefined)
    return first === undefined ? { _tag: "Pending" } : { _tag: "Done", exit: first as Exit.Exit<any, unknown> }
  })
