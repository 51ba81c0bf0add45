/**
 * `step`: runs an effect once per attempt and checkpoints its outcome.
 *
 * On the first run the effect runs, its success is encoded with the step's
 * Schema and checkpointed (SUCCEED); a failure is retried according to the
 * step's retry policy, an Effect `Schedule` (RETRY with the delay, then the
 * invocation may suspend until the service makes the step READY), or
 * checkpointed as final (FAIL). On replay a completed step returns its
 * checkpointed result without running anything.
 *
 * The value a step returns is always its decoded checkpoint, live as on
 * replay; the same holds for its failure.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import { DurableContext } from "../DurableContext.ts"
import { type SerdesFailedError, StepError, StepInterruptedError } from "../DurableError.ts"
import * as Observe from "../internal/instrumentation.ts"
import { keep } from "../internal/shapes.ts"
import { fault, orFault, type Spec, start, type Started, traced, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import * as RetryPolicy from "../RetryPolicy.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus, OperationSubType } from "../Wire.ts"

/**
 * What the code of a step can know about its attempt.
 *
 * @example
 * ```ts
 * Durable.step("fetch", Effect.gen(function*() {
 *   const { attempt } = yield* StepContext
 *   yield* Effect.log(`attempt ${attempt}`)
 * }))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class StepContext extends Context.Service<StepContext, {
  /** The 1-based number of the current attempt. */
  readonly attempt: number
  readonly name: string
  /** The operation's wire id. */
  readonly operationId: string
}>()("@effect-durable/core/StepContext") {}

/**
 * How often a step's code may run per attempt, if an invocation dies mid-step.
 *
 * - `AtLeastOncePerRetry` (default): START is sent without waiting; a step found
 *   STARTED on replay runs again.
 * - `AtMostOncePerRetry`: START is checkpointed before the code runs; a step
 *   found STARTED on replay is not run again but fails the attempt with a
 *   `StepInterruptedError`, and the retry policy decides.
 *
 * @category models
 * @since 0.1.0
 */
export type Semantics = "AtLeastOncePerRetry" | "AtMostOncePerRetry"

/**
 * Options of {@link step}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<A, E> {
  /** Encodes the result for the checkpoint. Defaults to JSON. */
  readonly success?: Payload.Format<A> | undefined
  /**
   * Encodes typed failures into the wire `ErrorData`, so that replay rebuilds
   * the same typed error. Without it a failure surfaces as a `StepError`.
   */
  readonly error?: Payload.Codec<E> | undefined
  /**
   * The retry policy: any `Schedule` fed with the failure. Defaults to
   * `RetryPolicy.standard` (6 attempts, exponential from 5 s, full jitter).
   */
  readonly retry?: RetryPolicy.RetryPolicy<E | StepError | StepInterruptedError> | undefined
  /** Defaults to `AtLeastOncePerRetry`. */
  readonly semantics?: Semantics | undefined
}

// The options of a step called without any: one object for all of them.
const noOptions: Options<any, any> = {}

/**
 * Runs `effect` as a durable step.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Durable, RetryPolicy } from "@effect-durable/core"
 *
 * class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String }) {}
 *
 * const charge = Durable.step("charge", chargeCard(order), {
 *   success: Receipt,
 *   error: Declined,
 *   retry: RetryPolicy.exponential({ maxAttempts: 3 }),
 *   semantics: "AtMostOncePerRetry"
 * })
 * // Effect<Receipt, Declined | StepError, DurableContext | ...>
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const step: {
  <A, E, R>(
    name: string,
    effect: Effect.Effect<A, E, R>,
    options: Options<A, E> & { readonly error: Payload.Codec<E> }
  ): Effect.Effect<A, E | StepError, DurableContext | Exclude<R, StepContext>>
  <A, E, R>(
    name: string,
    effect: Effect.Effect<A, E, R>,
    options?: Options<A, E>
  ): Effect.Effect<A, StepError, DurableContext | Exclude<R, StepContext>>
} = <A, E, R>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options: Options<A, E> = noOptions
): Effect.Effect<A, any, DurableContext | Exclude<R, StepContext>> => make(name, effect, options)

/**
 * A step that may be unnamed, for the steps the SDK itself creates (the
 * submitter of `waitForCallback`, unnamed as in the official SDK).
 *
 * @internal
 */
export const make: {
  <A, E, R>(
    name: string | undefined,
    effect: Effect.Effect<A, E, R>,
    options: Options<A, E> & { readonly error: Payload.Codec<E> }
  ): Effect.Effect<A, E | StepError, DurableContext | Exclude<R, StepContext>>
  <A, E, R>(
    name: string | undefined,
    effect: Effect.Effect<A, E, R>,
    options?: Options<A, E>
  ): Effect.Effect<A, StepError, DurableContext | Exclude<R, StepContext>>
} = <A, E, R>(
  name: string | undefined,
  effect: Effect.Effect<A, E, R>,
  options: Options<A, E> = noOptions
): Effect.Effect<A, any, DurableContext | Exclude<R, StepContext>> => {
  // `operation(spec, body, replayed)`, with a closure that holds only the spec (the functions are module-level).
  const spec = new StepSpec(name, effect as Effect.Effect<A, E, never>, options)
  return Effect.withFiber((fiber) => start(fiber, spec, body, replayed))
}

/**
 * What a call of a step is: its kind and name (an operation's `Spec`), and
 * what it runs. One object per call, which the step's body reads: a replayed
 * step costs no closure of its own.
 */
class StepSpec<A, E> implements Spec {
  readonly name: string | undefined
  readonly effect: Effect.Effect<A, E>
  readonly options: Options<A, E>
  constructor(name: string | undefined, effect: Effect.Effect<A, E>, options: Options<A, E>) {
    this.name = name
    this.effect = effect
    this.options = options
  }
  get type(): "STEP" {
    return "STEP"
  }
  get subType(): typeof OperationSubType.Step {
    return OperationSubType.Step
  }
}

// Every step call builds one: its hidden class is kept across GCs (see `shapes.ts`).
keep(new StepSpec("", Effect.void, noOptions))

/** A step found completed: a decode, nothing else (no span, no scheduler, no `Started`). */
const replayed = <A, E>(
  spec: StepSpec<A, E>,
  context: DurableContext["Service"],
  checkpoint: Wire.Operation
): Effect.Effect<A, E | StepError> =>
  checkpoint.Status === "SUCCEEDED"
    ? orFault(
      context,
      Payload.decode(spec.options.success ?? (Payload.Json as Payload.Format<A>), checkpoint.StepDetails?.Result, spec.name)
    )
    : Effect.flatMap(rebuildError(spec.options.error, checkpoint.StepDetails?.Error), Effect.fail)

/** A step, once started: its run, or its replay when it is completed (inside a combinator). */
const body = <A, E>(started: Started, spec: StepSpec<A, E>): Effect.Effect<A, E | StepError> => {
  const checkpoint = started.checkpoint
  if (checkpoint !== undefined && isTerminalStatus(checkpoint.Status)) return replayed(spec, started.context, checkpoint)
  return traced(started, run(started, spec.effect, spec.options), "Durable.step", {
    "durable.operation.name": spec.name ?? ""
  })
}

/** The failure a step's checkpointed error stands for: the typed error its Schema rebuilds, else a `StepError`. */
const rebuildError = <E>(codec: Payload.Codec<E> | undefined, error: Wire.ErrorObject | undefined) =>
  Payload.decodeError(codec, error, (fields) => new StepError(fields))

/** What a step that runs (not replayed) knows: one object per step, shared by its attempts. */
interface Live<A, E> {
  readonly started: Started
  readonly effect: Effect.Effect<A, E>
  readonly success: Payload.Format<A>
  readonly error: Payload.Codec<E> | undefined
  readonly semantics: Semantics
  readonly policy: RetryPolicy.RetryPolicy<unknown>
}

const run = <A, E>(
  started: Started,
  effect: Effect.Effect<A, E>,
  options: Options<A, E>
): Effect.Effect<A, E | StepError> => {
  const live: Live<A, E> = {
    started,
    effect,
    success: options.success ?? (Payload.Json as Payload.Format<A>),
    error: options.error,
    semantics: options.semantics ?? "AtLeastOncePerRetry",
    policy: (options.retry ?? RetryPolicy.standard) as RetryPolicy.RetryPolicy<unknown>
  }
  return Effect.gen(() => attempts(live))
}

/**
 * A running step's attempts, until one succeeds or the last one fails. A
 * module-level generator rather than a closure per step: V8 keeps optimized
 * code only while a function object using it lives, and a closure per step
 * would leave this loop to be compiled again after every full GC.
 */
function* attempts<A, E>(live: Live<A, E>) {
  const { started } = live
  const { checkpointer, scheduler } = started.context.services
  while (true) {
    const current = checkpointer.lookup(started.id)
    const status = current?.Status
    if (status === "SUCCEEDED") return yield* succeedWith(live, current!.StepDetails?.Result)
    if (status !== undefined && isTerminalStatus(status)) return yield* failWith(live, current!.StepDetails?.Error)
    if (status === "PENDING") {
      // A retry is scheduled: wait until the service makes the step READY.
      yield* scheduler.await(started, {
        state: "RETRY_WAITING",
        wakeAt: current!.StepDetails?.NextAttemptTimestamp?.getTime(),
        current,
        until: isNotPending
      })
      continue
    }
    // Absent or READY: a new attempt. STARTED: an attempt was cut short; AtLeastOncePerRetry runs it again.
    const outcome = status === "STARTED" && live.semantics === "AtMostOncePerRetry"
      ? yield* interrupted(live, current!)
      : yield* attempt(live, current)
    if (outcome?._tag === "Succeeded") return yield* succeedWith(live, outcome.payload)
    if (outcome?._tag === "Failed") return yield* failWith(live, outcome.error)
  }
}

const isNotPending = (operation: Wire.Operation) => operation.Status !== "PENDING"

const failWith = <A, E>(live: Live<A, E>, error: Wire.ErrorObject | undefined) =>
  Effect.flatMap(
    rebuildError(live.error, error),
    (rebuilt) => live.started.context.services.scheduler.complete(live.started.id).pipe(Effect.andThen(Effect.fail(rebuilt)))
  )

const succeedWith = <A, E>(live: Live<A, E>, payload: string | undefined) =>
  Effect.tap(
    orFault(live.started.context, Payload.decode(live.success, payload, live.started.name)),
    live.started.context.services.scheduler.complete(live.started.id)
  )

/**
 * Records a failed attempt: RETRY with a delay, or FAIL. A defect is written
 * with its own type (`TypeError`, ...), as the official SDK writes a thrown
 * error, and reaches the retry policy as a `StepError`. Returns the error
 * written with FAIL, or `undefined` after a RETRY.
 */
const failedAttempt = <A, E>(live: Live<A, E>, failure: unknown, attempt: number, defect?: unknown) =>
  Effect.gen(function*() {
    const { started } = live
    const { checkpointer } = started.context.services
    const written = defect === undefined
      ? Payload.encodeError(live.error as Payload.Codec<unknown> | undefined, failure, started.name)
      : Payload.encodeError(undefined, defect, started.name)
    const encoded = yield* written
      .pipe(
        Effect.tap((error) => Payload.checkSize(JSON.stringify(error), started.label, Payload.maxErrorBytes)),
        Effect.catch((error) => fault(started.context, error))
      )
    const decision = yield* RetryPolicy.decide(live.policy, failure, attempt).pipe(
      Effect.catch((error) => fault(started.context, error))
    )
    if (decision._tag === "Retry") {
      yield* checkpointer.checkpoint(
        update(started, "RETRY", { Error: encoded, StepOptions: { NextAttemptDelaySeconds: decision.delaySeconds } })
      )
      return undefined
    }
    // Pipelined like a SUCCEED: the failure reaches the workflow while the FAIL travels.
    yield* checkpointer.enqueue(update(started, "FAIL", { Error: encoded }))
    return encoded
  })

/**
 * Runs one attempt and checkpoints its outcome; `undefined` means "look at the
 * checkpoint again". A plain generator, delegated to by `run`'s (`yield*`): an
 * attempt is part of every step that runs, and it costs no Effect of its own.
 */
function* attempt<A, E>(live: Live<A, E>, current: Wire.Operation | undefined) {
  const { started } = live
  const { checkpointer, scheduler, supervisor } = started.context.services
  const number = (current?.StepDetails?.Attempt ?? 0) + 1
  yield* scheduler.executing(started)
  // No side effect before what precedes it is durable: the step's code runs once every
  // update causally ahead of it is acknowledged (every outcome queued before its turn,
  // `Checkpointer.acknowledged`). AtMostOncePerRetry counts its own START among them
  // (it travels with the previous step's SUCCEED); AtLeastOncePerRetry's START travels
  // with its own SUCCEED.
  const fresh = current === undefined || current.Status === "READY"
  if (live.semantics === "AtMostOncePerRetry") {
    if (fresh) yield* checkpointer.checkpoint(update(started, "START"))
    else yield* checkpointer.acknowledged
  } else {
    yield* checkpointer.acknowledged
    if (fresh) yield* checkpointer.enqueue(update(started, "START"))
  }
  const running = untilExpired(
    Effect.withFiber((fiber) => {
      // The attempt's own fiber (see `untilExpired`): its context is set, never restored.
      fiber.setContext(attemptContext(fiber.context, started, number))
      return live.effect
    }),
    // Near the Lambda deadline the attempt gives up (its finalizers run) and counts as failed.
    () =>
      Effect.andThen(
        supervisor.expired,
        Effect.suspend(() =>
          Effect.fail(
            new StepInterruptedError({
              operationName: started.label,
              message: `Attempt ${number} of step "${started.label}" was interrupted: the invocation reached its deadline.`
            })
          )
        )
      )
  )
  const dispatch = started.context.services.instrumentation
  const exit = yield* (dispatch === undefined
    ? running
    : Observe.attempt(dispatch, started, number, running, Observe.exitOutcome, live.semantics))
  if (Exit.isSuccess(exit)) {
    const payload = yield* orFault(started.context, encodeResult(live, exit.value))
    // Pipelined: the workflow goes on while the SUCCEED travels (with what comes next).
    yield* checkpointer.enqueue(update(started, "SUCCEED", payload === undefined ? {} : { Payload: payload }))
    return { _tag: "Succeeded", payload } as const
  }
  if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
  const failure = Cause.findErrorOption(exit.cause)
  const defect = failure._tag === "Some" ? undefined : Cause.squash(exit.cause)
  const error = failure._tag === "Some" ? failure.value : defectError(defect)
  const final = yield* failedAttempt(live, error, number, defect)
  return final === undefined ? undefined : { _tag: "Failed", error: final } as const
}

/**
 * A step's result as its payload, size-checked. With JSON (the default) the
 * encode is an `Exit` and so is the check: `orFault` then reads the outcome
 * at once, where a `flatMap` and a `catch` cost a step two more Effects.
 */
const encodeResult = <A, E>(live: Live<A, E>, value: A) => {
  const encoded = Payload.encode(live.success, value, live.started.name)
  if (Exit.isExit(encoded)) {
    const exit = encoded as Exit.Exit<string | undefined, SerdesFailedError>
    if (Exit.isSuccess(exit)) return Payload.checkSize(exit.value, live.started.label)
  }
  return Effect.flatMap(encoded, (payload) => Payload.checkSize(payload, live.started.label))
}

/**
 * `effect` raced against `expired`, as `Effect.raceFirst` races them: the
 * first to end wins, and the other is interrupted (its finalizers run) before
 * the result is returned. `effect` runs at once in a fiber of its own, which
 * the deadline can interrupt without interrupting the workflow. Code that
 * does not wait (a computation, a value read or generated) has ended when
 * the fork returns, before anything could interrupt it: its exit is taken as
 * it is, without a race (whose machinery and second fiber were most of what an
 * attempt cost once an idle wait had evicted the CPU's caches). Code that
 * waits is raced from there (through a fiber that joins it: one more than
 * `raceFirst` alone, next to a wait); `expired` is built only then. The
 * outcome is returned as an `Exit`.
 */
const untilExpired = <A, E, E2>(
  effect: Effect.Effect<A, E>,
  expired: () => Effect.Effect<never, E2>
): Effect.Effect<Exit.Exit<A, E | E2>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      Effect.forkDetach(effect, { startImmediately: true }),
      (fiber) => {
        const exit = fiber.pollUnsafe()
        return exit !== undefined
          ? Effect.succeed(exit)
          : Effect.exit(restore(Effect.raceFirst(Fiber.join(fiber), expired())).pipe(
            Effect.onExit(() => Fiber.interrupt(fiber))
          ))
      }
    )
  )

/**
 * The context of an attempt's code: its `StepContext`, a `DurableContext` that
 * refuses durable operations, and the attempt's log annotations. Set once in
 * the attempt's own fiber, which ends with the attempt: nothing to restore
 * (two `provideService` and an `annotateLogs` switched and restored it three
 * times).
 */
const attemptContext = (context: Context.Context<never>, started: Started, number: number): Context.Context<never> =>
  context.pipe(
    Context.add(StepContext, { attempt: number, name: started.label, operationId: started.id }),
    Context.add(DurableContext, { ...started.context, location: "step" }),
    Context.add(References.CurrentLogAnnotations, attemptAnnotations(context, started, number))
  )

/**
 * The fiber's log annotations with the operation's and the attempt's added.
 * Copied key by key as a spread copies them (own enumerable keys, `__proto__`
 * as a plain key), not spread: V8 gives each spread of an object whose shape
 * it did not see before (the invocation's annotations are a new object per
 * invocation) a hidden class of its own, three per attempt with the keys
 * added, where a copy key by key reuses one chain of them.
 */
const attemptAnnotations = (context: Context.Context<never>, started: Started, attempt: number) => {
  const current = Context.get(context, References.CurrentLogAnnotations) as Record<PropertyKey, unknown>
  const annotations: Record<PropertyKey, unknown> = {}
  const keys = Object.keys(current)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (key === "__proto__") {
      Object.defineProperty(annotations, key, { value: current[key], writable: true, enumerable: true, configurable: true })
    } else {
      annotations[key] = current[key]
    }
  }
  for (const symbol of Object.getOwnPropertySymbols(current)) {
    if (Object.prototype.propertyIsEnumerable.call(current, symbol)) annotations[symbol] = current[symbol]
  }
  annotations.operationId = started.id
  annotations.operationName = started.label
  annotations.attempt = attempt
  return annotations
}

/**
 * An AtMostOncePerRetry step found STARTED: the attempt may have run, so it is
 * not run again; it counts as failed with a `StepInterruptedError`.
 */
const interrupted = <A, E>(live: Live<A, E>, current: Wire.Operation) =>
  Effect.gen(function*() {
    const { started } = live
    yield* started.context.services.scheduler.executing(started)
    const number = (current.StepDetails?.Attempt ?? 0) + 1
    const final = yield* failedAttempt(
      live,
      new StepInterruptedError({
        operationName: started.label,
        message: `Step "${started.label}" was interrupted during attempt ${number} and is AtMostOncePerRetry: ` +
          "it is not run again within the same attempt."
      }),
      number
    )
    return final === undefined ? undefined : { _tag: "Failed", error: final } as const
  })

/** A defect (`Effect.die`, a thrown exception) reaches the retry policy as a `StepError`. */
const defectError = (defect: unknown): StepError =>
  new StepError({ errorType: Payload.errorTypeOf(defect), message: Payload.errorMessageOf(defect) })

