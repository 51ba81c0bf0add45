/**
 * `waitForCondition`: polls a check durably until a strategy says the
 * condition holds.
 *
 * A STEP with subtype `WaitForCondition`. Each check receives the previous
 * state and returns the next; the strategy (an Effect `Schedule` fed with the
 * new state, or a function of the state and the attempt, as the official
 * `waitStrategy`) decides: while it continues, the state is checkpointed with a
 * RETRY and the delay it gives, and the invocation may suspend until the next
 * check; when it finishes, the state is checkpointed with SUCCEED and
 * returned. A failing check or a failing strategy fails the operation.
 *
 * Unlike the official SDK, a replay is validated like every other operation
 * (type, name and subtype at the same position).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import { DurableContext } from "../DurableContext.ts"
import { type ConfigValidationError, type SystemFailure, WaitForConditionError } from "../DurableError.ts"
import * as Observe from "../internal/instrumentation.ts"
import { begin, fault, type Started, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import * as RetryPolicy from "../RetryPolicy.ts"
import type * as Wire from "../Wire.ts"
import { OperationSubType } from "../Wire.ts"
import { StepContext } from "./Step.ts"

/**
 * Options of {@link waitForCondition}.
 *
 * @category models
 * @since 0.1.0
 */
export type Options<S> =
  & {
    /** The state the first check receives. */
    readonly initial: S
    /**
     * Encodes the state for its checkpoints: a Schema, or a hand-written
     * `Payload.serde` (the official custom `serdes`). Defaults to JSON.
     */
    readonly schema?: Payload.Format<S> | undefined
  }
  & (
    | {
      /**
       * Fed with each new state: it continues (with a delay) while the condition
       * does not hold, and finishes when it does. A strategy that fails fails the
       * operation (use it to give up after some attempts).
       */
      readonly schedule: Schedule.Schedule<unknown, S, unknown, never>
    }
    | {
      /**
       * Called after each check with the new state and the 1-based number of
       * the check, as the official SDK's `waitStrategy`: check again after
       * `delay`, or stop. A strategy that throws gives up: the operation fails
       * with a `WaitForConditionError` carrying the thrown error's message.
       */
      readonly strategy: Strategy<S>
    }
    | ({
      /** The condition: shorthand for `schedule: WaitForCondition.until(until, options)`. */
      readonly until: (state: S) => boolean
    } & UntilOptions)
  )

/**
 * Tuning of {@link until}, with the official `createWaitStrategy`'s defaults.
 *
 * @category models
 * @since 0.1.0
 */
export interface UntilOptions {
  /** Checks before giving up. Defaults to 60. */
  readonly maxAttempts?: number | undefined
  /** Delay after the first check. Defaults to 5 seconds. */
  readonly initialDelay?: Duration.Input | undefined
  /** Longest delay. Defaults to 300 seconds. */
  readonly maxDelay?: Duration.Input | undefined
  /** Growth of the delay. Defaults to 1.5. */
  readonly backoffRate?: number | undefined
}

/**
 * A strategy written as a function, as the official SDK's `waitStrategy`:
 * given the state a check returned and the check's 1-based number, either
 * check again after `delay` (any `Duration.Input`: `"30 seconds"`,
 * `{ seconds: 30 }`, a `Duration`) or stop with this state.
 *
 * @example
 * ```ts
 * const strategy: WaitForCondition.Strategy<Job> = (job, attempt) =>
 *   job.status === "DONE" ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: attempt * 10 } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Strategy<S> = (state: S, attempt: number) => StrategyDecision

/**
 * What a {@link Strategy} function returns.
 *
 * @category models
 * @since 0.1.0
 */
export type StrategyDecision =
  | { readonly shouldContinue: true; readonly delay: Duration.Input }
  | { readonly shouldContinue: false }

/**
 * What a strategy decides after a check.
 *
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "Continue"; readonly delaySeconds: number }
  | { readonly _tag: "Done" }
  | { readonly _tag: "GiveUp"; readonly error: unknown }

/**
 * Steps a fresh copy of the strategy `attempt` times with the new state, as
 * `RetryPolicy.decide` does for retries, and maps the outcome to a decision.
 *
 * @category decisions
 * @since 0.1.0
 */
export const decide = <S>(
  strategy: Schedule.Schedule<unknown, S, unknown, never>,
  state: S,
  attempt: number
): Effect.Effect<Decision> =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(strategy)
    const now = yield* Clock.currentTimeMillis
    let decision: Decision = { _tag: "Done" }
    for (let n = 1; n <= attempt; n++) {
      const [, delay] = yield* step(now, state)
      const retry = RetryPolicy.retryAfter(delay)
      decision = retry._tag === "Retry" ? { _tag: "Continue", delaySeconds: retry.delaySeconds } : { _tag: "Done" }
    }
    return decision
  }).pipe(
    Effect.catchCause((cause): Effect.Effect<Decision> => {
      if (Pull.isDoneCause(cause)) return Effect.succeed({ _tag: "Done" })
      if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      return Effect.succeed({ _tag: "GiveUp", error: Cause.squash(cause) })
    })
  )

/**
 * Calls a {@link Strategy} function and maps what it returns to a decision: a
 * throw, or a delay that is not a finite duration, gives up.
 *
 * @category decisions
 * @since 0.1.0
 */
export const decideWith = <S>(strategy: Strategy<S>, state: S, attempt: number): Decision => {
  let returned: StrategyDecision
  try {
    returned = strategy(state, attempt)
  } catch (error) {
    return { _tag: "GiveUp", error }
  }
  if (!returned.shouldContinue) return { _tag: "Done" }
  const delay = Duration.fromInput(returned.delay)
  if (delay._tag === "None" || !Duration.isFinite(delay.value)) {
    return {
      _tag: "GiveUp",
      error: new WaitForConditionError({
        errorType: "WaitForConditionError",
        message: `The wait strategy returned an invalid delay: ${String(returned.delay)}`
      })
    }
  }
  const retry = RetryPolicy.retryAfter(delay.value)
  return retry._tag === "Retry" ? { _tag: "Continue", delaySeconds: retry.delaySeconds } : { _tag: "Done" }
}

/**
 * A ready-made strategy: poll with exponential back-off until `until(state)`
 * holds, giving up after `maxAttempts` checks (the official
 * `createWaitStrategy`'s defaults: 60 attempts, 5 s initial delay, ×1.5, up
 * to 300 s).
 *
 * @example
 * ```ts
 * const job = yield* Durable.waitForCondition("job-done", (job) => fetchJob(job.id), {
 *   initial: { id, status: "PENDING" },
 *   schedule: WaitForCondition.until((job) => job.status === "DONE", { maxAttempts: 20 })
 * })
 * ```
 *
 * @category strategies
 * @since 0.1.0
 */
export const until = <S>(
  condition: (state: S) => boolean,
  options: UntilOptions = {}
): Schedule.Schedule<unknown, S, WaitForConditionError | ConfigValidationError, never> => {
  const maxAttempts = options.maxAttempts ?? 60
  return RetryPolicy.exponential({
    maxAttempts: Number.MAX_SAFE_INTEGER,
    initialDelay: options.initialDelay ?? "5 seconds",
    maxDelay: options.maxDelay ?? "300 seconds",
    backoffRate: options.backoffRate ?? 1.5,
    jitter: "NONE"
  }).pipe(
    Schedule.setInputType<S>(),
    Schedule.while(({ attempt, input }) =>
      condition(input)
        ? Effect.succeed(false)
        : attempt >= maxAttempts
        ? Effect.fail(
          new WaitForConditionError({
            errorType: "WaitForConditionError",
            message: `The condition did not hold after ${maxAttempts} checks`
          })
        )
        : Effect.succeed(true)
    )
  )
}

/**
 * Polls `check` until the strategy finishes, and returns the last state.
 *
 * @example
 * ```ts
 * const status = yield* Durable.waitForCondition("export-ready", () => getExportStatus(exportId), {
 *   initial: "PENDING",
 *   until: (status) => status === "READY",
 *   maxAttempts: 20
 * })
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const waitForCondition = <S, E, R>(
  name: string,
  check: (state: S) => Effect.Effect<S, E, R>,
  options: Options<S>
): Effect.Effect<S, WaitForConditionError, DurableContext | Exclude<R, StepContext>> =>
  Effect.gen(function*() {
    const started = yield* begin({ type: "STEP", subType: OperationSubType.WaitForCondition, name })
    return yield* run(started, check as (state: S) => Effect.Effect<S, E>, options)
  }).pipe(Effect.withSpan("Durable.waitForCondition", { attributes: { "durable.operation.name": name } }))

const run = <S, E>(
  started: Started,
  check: (state: S) => Effect.Effect<S, E>,
  options: Options<S>
): Effect.Effect<S, WaitForConditionError> => {
  const { checkpointer, scheduler } = started.context.services
  const { meta } = started
  const codec = options.schema ?? (Payload.Json as Payload.Format<S>)
  const decideNext = (state: S, attempt: number): Effect.Effect<Decision> =>
    "strategy" in options
      ? Effect.sync(() => decideWith(options.strategy, state, attempt))
      : decide("schedule" in options ? options.schedule : until(options.until, options), state, attempt)
  const orFault = <A, X extends SystemFailure>(effect: Effect.Effect<A, X>) =>
    Effect.catch(effect, (error) => fault(started.context, error))

  const failWith = (error: Wire.ErrorObject | undefined) =>
    Effect.flatMap(
      Payload.decodeError<never, WaitForConditionError>(undefined, error, (fields) => new WaitForConditionError(fields)),
      (rebuilt) => scheduler.complete(meta.id).pipe(Effect.andThen(Effect.fail(rebuilt)))
    )

  return Effect.gen(function*() {
    while (true) {
      const current = yield* checkpointer.get(meta.id)
      switch (current?.Status) {
        case "SUCCEEDED": {
          const state = yield* orFault(Payload.decode(codec, current.StepDetails?.Result, meta.name))
          yield* scheduler.complete(meta.id)
          return state
        }
        case "FAILED":
        case "CANCELLED":
        case "TIMED_OUT":
        case "STOPPED":
          return yield* failWith(current.StepDetails?.Error)
        case "PENDING": {
          yield* scheduler.await(meta, {
            state: "RETRY_WAITING",
            wakeAt: current.StepDetails?.NextAttemptTimestamp?.getTime(),
            current,
            until: (operation) => operation.Status !== "PENDING"
          })
          break
        }
        default: {
          const attempt = (current?.StepDetails?.Attempt ?? 0) + 1
          const previous = current?.StepDetails?.Result === undefined
            ? options.initial
            : yield* orFault(Payload.decode(codec, current.StepDetails.Result, meta.name))
          yield* scheduler.executing(meta)
          // The check is a step's code: it runs once what is causally ahead of it is acknowledged.
          yield* checkpointer.acknowledged
          if (current === undefined || current.Status === "READY") yield* checkpointer.enqueue(update(started, "START"))
          const checking = check(previous).pipe(
            Effect.provideService(StepContext, { attempt, name: started.label, operationId: meta.id }),
            Effect.provideService(DurableContext, { ...started.context, location: "step" }),
            Effect.annotateLogs({ operationId: meta.id, operationName: started.label, attempt }),
            // Near the Lambda deadline the check gives up (its finalizers run)...
            Effect.map((state) => ({ _tag: "Checked", state }) as const),
            Effect.raceFirst(Effect.as(started.context.services.supervisor.expired, { _tag: "Expired" } as const)),
            Effect.exit
          )
          const dispatch = started.context.services.instrumentation
          const exit = yield* (dispatch === undefined
            ? checking
            : Observe.attempt(dispatch, started, attempt, checking, Observe.exitOutcome))
          if (Exit.isSuccess(exit) && exit.value._tag === "Expired") {
            // ...and is checked again, from the same state, in the next invocation.
            const payload = yield* orFault(Payload.encode(codec, previous, meta.name))
            yield* checkpointer.checkpoint(update(started, "RETRY", {
              ...(payload === undefined ? {} : { Payload: payload }),
              StepOptions: { NextAttemptDelaySeconds: 1 }
            }))
            continue
          }
          if (Exit.isFailure(exit)) {
            if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
            const failure = Cause.findErrorOption(exit.cause)
            const error = yield* orFault(
              Payload.encodeError(undefined, failure._tag === "Some" ? failure.value : Cause.squash(exit.cause))
            )
            yield* checkpointer.checkpoint(update(started, "FAIL", { Error: error }))
            return yield* failWith(error)
          }
          const state = (exit.value as { readonly state: S }).state
          const payload = yield* orFault(
            Payload.encode(codec, state, meta.name).pipe(
              Effect.flatMap((payload) => Payload.checkSize(payload, started.label))
            )
          )
          const decision = yield* decideNext(state, attempt)
          switch (decision._tag) {
            case "Done": {
              yield* checkpointer.checkpoint(update(started, "SUCCEED", payload === undefined ? {} : { Payload: payload }))
              yield* scheduler.complete(meta.id)
              return yield* orFault(Payload.decode(codec, payload, meta.name))
            }
            case "Continue": {
              yield* checkpointer.checkpoint(update(started, "RETRY", {
                ...(payload === undefined ? {} : { Payload: payload }),
                StepOptions: { NextAttemptDelaySeconds: decision.delaySeconds }
              }))
              break
            }
            case "GiveUp": {
              const error = yield* orFault(Payload.encodeError(undefined, decision.error))
              yield* checkpointer.checkpoint(update(started, "FAIL", { Error: error }))
              return yield* failWith(error)
            }
          }
        }
      }
    }
  })
}
