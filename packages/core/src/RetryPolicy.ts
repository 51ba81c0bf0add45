/**
 * Retry policies for durable steps.
 *
 * A retry policy is an ordinary Effect `Schedule` whose input is the step's
 * failure. Because a durable execution runs across many Lambda invocations, no
 * schedule state survives between attempts: {@link decide} rebuilds the
 * schedule from scratch for every failure, steps it once per attempt made so
 * far and keeps the last delay. Any schedule works (`Schedule.exponential`,
 * `Schedule.recurs`, `Schedule.while`, ...), as long as its delays depend only on
 * the attempt number, the failure and randomness.
 *
 * The presets and builders mirror the official SDK (`retryPresets`,
 * `createRetryStrategy`, `createLinearRetryStrategy`), with the same defaults,
 * delay formula and jitter strategies. Jitter draws from Effect's `Random`
 * service, so `Random.withSeed` makes it reproducible in tests.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { RetryPolicy } from "@effect-durable/core"
 *
 * // The official default: 6 attempts, 5 s ×2 up to 60 s, full jitter
 * RetryPolicy.standard
 * // 4 attempts, 2 s, 4 s, 8 s, no jitter, only for throttling errors
 * RetryPolicy.exponential({ maxAttempts: 4, initialDelay: "2 seconds", jitter: "NONE" }).pipe(
 *   RetryPolicy.retryIf({ tags: ["ThrottlingError"], messages: [/rate exceeded/i] })
 * )
 * // Any hand-built schedule
 * Schedule.exponential("1 second").pipe(Schedule.upTo({ times: 3 }))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { dual } from "effect/Function"
import { ConfigValidationError } from "./DurableError.ts"

// -----------------------------------------------------------------------------
// models
// -----------------------------------------------------------------------------

/**
 * A step's retry policy: a `Schedule` stepped with the step's failure.
 *
 * Each step of the schedule corresponds to one failed attempt: the delay of the
 * n-th step is the wait before attempt n + 1, and a finished schedule means "do
 * not retry". The output is ignored. A schedule that fails is treated as "do not
 * retry" (see {@link decide}), so any error type is accepted; the schedule must
 * not need services.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy.RetryPolicy<HttpError> = Schedule.spaced("10 seconds").pipe(
 *   Schedule.upTo({ times: 2 }),
 *   Schedule.setInputType<HttpError>(),
 *   Schedule.while(({ input }) => input.status >= 500)
 * )
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type RetryPolicy<E = unknown> = Schedule.Schedule<unknown, E, unknown, never>

/**
 * What to do after a failed attempt: retry after `delaySeconds` whole seconds
 * (at least 1), or stop and fail the step.
 *
 * @example
 * ```ts
 * const decision = yield* RetryPolicy.decide(RetryPolicy.standard, error, 2)
 * if (decision._tag === "Retry") checkpointRetry(decision.delaySeconds)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type RetryDecision =
  | { readonly _tag: "Retry"; readonly delaySeconds: number }
  | { readonly _tag: "Stop" }

/**
 * How a computed delay `d` is randomised, as in the official SDK's
 * `JitterStrategy`: `"NONE"` keeps `d`, `"FULL"` draws uniformly from `[0, d]`,
 * `"HALF"` draws uniformly from `[d/2, d]`. Jitter spreads the retries of many
 * executions that failed at the same moment.
 *
 * @example
 * ```ts
 * RetryPolicy.exponential({ jitter: "HALF" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Jitter = "NONE" | "FULL" | "HALF"

// -----------------------------------------------------------------------------
// decisions
// -----------------------------------------------------------------------------

/**
 * The singleton "do not retry" decision.
 *
 * @category decisions
 * @since 0.1.0
 */
export const stop: RetryDecision = { _tag: "Stop" }

/**
 * Retry after a delay, rounded to the whole seconds the wire carries:
 * the delay is first rounded to whole milliseconds (the clock's resolution, so a
 * sub-millisecond remainder such as 3 s + 1 ns does not add a second), then **up**
 * to whole seconds, with a minimum of 1 second. So 0 s and 0.3 s become 1 s, 1.2 s becomes
 * 2 s and 5 s stays 5 s. A delay that is not finite cannot be checkpointed and
 * gives {@link stop}.
 *
 * @example
 * ```ts
 * RetryPolicy.retryAfter("1200 millis") // { _tag: "Retry", delaySeconds: 2 }
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const retryAfter = (delay: Duration.Input): RetryDecision => {
  const millis = Duration.toMillis(delay)
  if (!Number.isFinite(millis)) return stop
  return { _tag: "Retry", delaySeconds: Math.max(1, Math.ceil(Math.round(millis) / 1000)) }
}

const isConfigValidationError = (u: unknown): u is ConfigValidationError => u instanceof ConfigValidationError

/**
 * Steps a fresh copy of the schedule `attempt` times and returns the last delay,
 * or `undefined` when the schedule finished (or failed) before that.
 */
const lastDelay = Effect.fnUntraced(
  function*<E>(policy: RetryPolicy<E>, error: E, attempt: number): Effect.fn.Return<
    Duration.Duration | undefined,
    unknown
  > {
    const step = yield* Schedule.toStep(policy)
    const now = yield* Clock.currentTimeMillis
    let delay: Duration.Duration | undefined
    for (let n = 1; n <= attempt; n++) {
      const [, next] = yield* step(now, error)
      delay = next
    }
    return delay
  },
  Effect.catchCause((cause): Effect.Effect<Duration.Duration | undefined, ConfigValidationError> => {
    if (Pull.isDoneCause(cause)) return Effect.succeed(undefined)
    const invalid = cause.reasons.find(
      (reason): reason is Cause.Fail<ConfigValidationError> =>
        Cause.isFailReason(reason) && isConfigValidationError(reason.error)
    )
    if (invalid !== undefined) return Effect.fail(invalid.error)
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    return Effect.logWarning("effect-durable: the retry policy failed, so the step is not retried", cause).pipe(
      Effect.as(undefined)
    )
  })
)

/**
 * Decides whether a failed attempt is retried, and after how long.
 *
 * `attempt` is the 1-based number of the attempt that just failed. A fresh
 * step function is built from the policy (`Schedule.toStep`) and stepped
 * `attempt` times, each time with the current time from `Clock` and `error`; the
 * delay of the last step is the delay before the next attempt. Nothing is kept
 * between calls, so the answer is the same in every invocation, except for
 * jitter drawn from `Random`.
 *
 * Rules:
 *
 * - the schedule finishes before its `attempt`-th step → `Stop`;
 * - the delay is rounded as {@link retryAfter} describes (whole milliseconds,
 *   then up to whole seconds, minimum 1 s); a non-finite delay → `Stop`;
 * - the schedule fails with a {@link ConfigValidationError} (an invalid
 *   {@link exponential} / {@link linear} configuration) → that error, which
 *   fails the execution;
 * - the schedule fails with any other error, or dies → `Stop`, logged as a
 *   warning: a broken policy ends the retries instead of the invocation;
 * - interruption is propagated.
 *
 * **Gotchas**
 *
 * Every step sees the same `now` and the current failure, because earlier
 * failures and times are not stored. Time-based limits (`Schedule.upTo({
 * duration })`, `Schedule.during`) therefore never trigger; limit attempts
 * instead. An `attempt` below 1 (or not an integer) is a bug in the caller and
 * dies.
 *
 * @example
 * ```ts
 * const decision = yield* RetryPolicy.decide(RetryPolicy.presets.linear, error, 3)
 * // { _tag: "Retry", delaySeconds: 3 }
 * ```
 *
 * @category decisions
 * @since 0.1.0
 */
export const decide: <E>(
  policy: RetryPolicy<E>,
  error: E,
  attempt: number
) => Effect.Effect<RetryDecision, ConfigValidationError> = Effect.fnUntraced(
  function*<E>(
    policy: RetryPolicy<E>,
    error: E,
    attempt: number
  ): Effect.fn.Return<RetryDecision, ConfigValidationError> {
    if (!Number.isSafeInteger(attempt) || attempt < 1) {
      return yield* Effect.die(new RangeError(`RetryPolicy.decide: attempt must be an integer >= 1, got ${attempt}`))
    }
    const delay = yield* lastDelay(policy, error, attempt)
    return delay === undefined ? stop : retryAfter(delay)
  }
)

// -----------------------------------------------------------------------------
// constructors
// -----------------------------------------------------------------------------

/**
 * Options of {@link exponential}, with the defaults of the official
 * `createRetryStrategy`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ExponentialOptions {
  /** Attempts in all, the first one included; an integer >= 1. Default 3. */
  readonly maxAttempts?: number | undefined
  /** Delay before the second attempt; >= 0. Default 5 seconds. */
  readonly initialDelay?: Duration.Input | undefined
  /** Cap applied before jitter; >= 0, may be `"Infinity"`. Default 5 minutes. */
  readonly maxDelay?: Duration.Input | undefined
  /** Factor between consecutive delays; >= 1. Default 2. */
  readonly backoffRate?: number | undefined
  /** Default `"FULL"`. */
  readonly jitter?: Jitter | undefined
}

/**
 * Options of {@link linear}, with the defaults of the official
 * `createLinearRetryStrategy`.
 *
 * @category models
 * @since 0.1.0
 */
export interface LinearOptions {
  /** Attempts in all, the first one included; an integer >= 1. Default 6. */
  readonly maxAttempts?: number | undefined
  /** Delay before the second attempt; >= 0. Default 1 second. */
  readonly initialDelay?: Duration.Input | undefined
  /** Added to the delay after each further attempt; >= 0. Default 1 second. */
  readonly increment?: Duration.Input | undefined
  /** Cap applied before jitter; >= 0, may be `"Infinity"`. Default 5 minutes. */
  readonly maxDelay?: Duration.Input | undefined
  /** Default `"FULL"`, as in the official SDK. */
  readonly jitter?: Jitter | undefined
}

type Issues = Array<string>

const checkAttempts = (issues: Issues, value: number): void => {
  if (!Number.isSafeInteger(value) || value < 1) {
    issues.push(`maxAttempts must be an integer >= 1, got ${value}`)
  }
}

const checkDelay = (issues: Issues, name: string, value: Duration.Input, allowInfinity: boolean): number => {
  const decoded = Duration.fromInput(value)
  if (Option.isNone(decoded)) {
    issues.push(`${name} is not a valid duration: ${String(value)}`)
    return 0
  }
  const millis = Duration.toMillis(decoded.value)
  if (Number.isNaN(millis) || millis < 0) {
    issues.push(`${name} must not be negative, got ${Duration.format(decoded.value)}`)
  } else if (!allowInfinity && !Number.isFinite(millis)) {
    issues.push(`${name} must be finite`)
  }
  return millis
}

const checkJitter = (issues: Issues, value: string): void => {
  if (value !== "NONE" && value !== "FULL" && value !== "HALF") {
    issues.push(`jitter must be "NONE", "FULL" or "HALF", got ${JSON.stringify(value)}`)
  }
}

const invalid = (
  builder: string,
  issues: Issues
): Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError> =>
  Schedule.fromStep<unknown, Duration.Duration, never, ConfigValidationError, never, never>(
    Effect.fail(new ConfigValidationError({ message: `RetryPolicy.${builder}: ${issues.join("; ")}` }))
  )

const jittered = (millis: number, jitter: Jitter): Effect.Effect<number> => {
  switch (jitter) {
    case "NONE":
      return Effect.succeed(millis)
    case "FULL":
      return Effect.map(Random.next, (r) => millis * r)
    case "HALF":
      return Effect.map(Random.next, (r) => millis / 2 + (millis / 2) * r)
  }
}

/**
 * The official SDK's strategy: after failed attempt `n` (while `n <
 * maxAttempts`) wait `jitter(min(baseDelay(n), maxDelay))`.
 */
type BackoffStep = Pull.Pull<[Duration.Duration, Duration.Duration], never, Duration.Duration>

const backoff = (options: {
  readonly maxAttempts: number
  readonly baseDelay: (attempt: number) => number
  readonly maxDelayMillis: number
  readonly jitter: Jitter
}): Schedule.Schedule<Duration.Duration> =>
  Schedule.fromStepWithMetadata(Effect.succeed(
    (meta: Schedule.InputMetadata<unknown>): BackoffStep => {
      if (meta.attempt >= options.maxAttempts) return Cause.done(Duration.zero)
      const capped = Math.min(options.baseDelay(meta.attempt), options.maxDelayMillis)
      return Effect.map(jittered(capped, options.jitter), (millis) => {
        const delay = Duration.millis(millis)
        return [delay, delay]
      })
    }
  ))

/**
 * Exponential backoff, like the official `createRetryStrategy`: after failed
 * attempt `n` (while `n < maxAttempts`) the step waits
 * `jitter(min(initialDelay · backoffRate^(n-1), maxDelay))`, rounded up to whole
 * seconds (minimum 1 s).
 *
 * Defaults: `maxAttempts` 3, `initialDelay` 5 s, `maxDelay` 5 min,
 * `backoffRate` 2, `jitter` `"FULL"`. Invalid options (`maxAttempts` not an
 * integer >= 1, a negative, infinite or unparsable delay, `backoffRate` < 1, an
 * unknown jitter) give a policy that fails with a {@link ConfigValidationError}
 * when {@link decide} consults it.
 *
 * @example
 * ```ts
 * // 2 s, 4 s, 8 s, 16 s, then stop
 * RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "2 seconds", jitter: "NONE" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const exponential = (
  options: ExponentialOptions = {}
): Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError> => {
  const { backoffRate = 2, jitter = "FULL", maxAttempts = 3 } = options
  const issues: Issues = []
  checkAttempts(issues, maxAttempts)
  const initial = checkDelay(issues, "initialDelay", options.initialDelay ?? "5 seconds", false)
  const maxDelayMillis = checkDelay(issues, "maxDelay", options.maxDelay ?? "5 minutes", true)
  if (!(backoffRate >= 1 && Number.isFinite(backoffRate))) {
    issues.push(`backoffRate must be a finite number >= 1, got ${backoffRate}`)
  }
  checkJitter(issues, jitter)
  if (issues.length > 0) return invalid("exponential", issues)
  return backoff({
    maxAttempts,
    baseDelay: (attempt) => initial * Math.pow(backoffRate, attempt - 1),
    maxDelayMillis,
    jitter
  })
}

/**
 * Linearly growing delays, like the official `createLinearRetryStrategy`: after
 * failed attempt `n` (while `n < maxAttempts`) the step waits
 * `jitter(min(initialDelay + increment · (n-1), maxDelay))`, rounded up to whole
 * seconds (minimum 1 s).
 *
 * Defaults: `maxAttempts` 6, `initialDelay` 1 s, `increment` 1 s, `maxDelay`
 * 5 min, `jitter` `"FULL"` (as in the official SDK; pass `"NONE"` for exact
 * delays, or use {@link presets}`.linear`). Invalid options give a policy that
 * fails with a {@link ConfigValidationError} when {@link decide} consults it.
 *
 * @example
 * ```ts
 * // 10 s, 40 s, 70 s, then stop
 * RetryPolicy.linear({ maxAttempts: 4, initialDelay: "10 seconds", increment: "30 seconds", jitter: "NONE" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const linear = (
  options: LinearOptions = {}
): Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError> => {
  const { jitter = "FULL", maxAttempts = 6 } = options
  const issues: Issues = []
  checkAttempts(issues, maxAttempts)
  const initial = checkDelay(issues, "initialDelay", options.initialDelay ?? "1 second", false)
  const increment = checkDelay(issues, "increment", options.increment ?? "1 second", false)
  const maxDelayMillis = checkDelay(issues, "maxDelay", options.maxDelay ?? "5 minutes", true)
  checkJitter(issues, jitter)
  if (issues.length > 0) return invalid("linear", issues)
  return backoff({
    maxAttempts,
    baseDelay: (attempt) => initial + increment * (attempt - 1),
    maxDelayMillis,
    jitter
  })
}

/**
 * The official SDK's `retryPresets`:
 *
 * - `default`: 6 attempts in all (5 retries), 5 s initial delay, ×2 backoff,
 *   60 s maximum, full jitter. This is the policy of a step that sets none.
 * - `linear`: 6 attempts, 1 s, 2 s, 3 s, 4 s, 5 s, no jitter.
 * - `noRetry`: a single attempt.
 *
 * @example
 * ```ts
 * Durable.step("send-email", send, { retry: RetryPolicy.presets.linear })
 * ```
 *
 * @category presets
 * @since 0.1.0
 */
export const presets: {
  readonly default: Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError>
  readonly linear: Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError>
  readonly noRetry: Schedule.Schedule<Duration.Duration, unknown, ConfigValidationError>
} = {
  default: exponential({
    maxAttempts: 6,
    initialDelay: "5 seconds",
    maxDelay: "60 seconds",
    backoffRate: 2,
    jitter: "FULL"
  }),
  linear: linear({ maxAttempts: 6, initialDelay: "1 second", increment: "1 second", jitter: "NONE" }),
  noRetry: exponential({ maxAttempts: 1, jitter: "NONE" })
}

/**
 * The default retry policy, equal to the official `retryPresets.default` (and
 * {@link presets}`.default`): 6 attempts in all, delays of up to 5 s, 10 s,
 * 20 s, 40 s, 60 s with full jitter.
 *
 * @example
 * ```ts
 * RetryPolicy.standard.pipe(RetryPolicy.retryIf({ tags: ["TimeoutError"] }))
 * ```
 *
 * @category presets
 * @since 0.1.0
 */
export const standard = presets.default

/**
 * A single attempt: a failure fails the step at once. Equal to the official
 * `retryPresets.noRetry` (and {@link presets}`.noRetry`).
 *
 * @example
 * ```ts
 * Durable.step("charge-card", charge, { retry: RetryPolicy.noRetry })
 * ```
 *
 * @category presets
 * @since 0.1.0
 */
export const noRetry = presets.noRetry

// -----------------------------------------------------------------------------
// filtering
// -----------------------------------------------------------------------------

/**
 * Retries only the failures that satisfy `predicate`; any other failure stops at
 * once, even if attempts remain.
 *
 * @example
 * ```ts
 * RetryPolicy.standard.pipe(RetryPolicy.whileError((e: HttpError) => e.status >= 500))
 * ```
 *
 * @category filtering
 * @since 0.1.0
 */
export const whileError: {
  <E>(
    predicate: (error: E) => boolean
  ): <Output, Error, Env>(self: Schedule.Schedule<Output, E, Error, Env>) => Schedule.Schedule<Output, E, Error, Env>
  <Output, E, Error, Env>(
    self: Schedule.Schedule<Output, E, Error, Env>,
    predicate: (error: E) => boolean
  ): Schedule.Schedule<Output, E, Error, Env>
} = dual(
  2,
  <Output, E, Error, Env>(
    self: Schedule.Schedule<Output, E, Error, Env>,
    predicate: (error: E) => boolean
  ): Schedule.Schedule<Output, E, Error, Env> => Schedule.while(self, ({ input }) => predicate(input))
)

/**
 * Which failures are retryable, like the official `retryableErrors` and
 * `retryableErrorTypes`. A failure is retryable when it matches **any** entry:
 *
 * - `messages`: its `message` (or the failure itself, if it is a string)
 *   contains the string, or matches the `RegExp`;
 * - `tags`: its `_tag` is one of these (Effect's tagged errors);
 * - `types`: it is an `instanceof` one of these classes.
 *
 * With no entry at all, every failure is retryable.
 *
 * @category models
 * @since 0.1.0
 */
export interface ErrorFilter {
  readonly messages?: ReadonlyArray<string | RegExp> | undefined
  readonly tags?: ReadonlyArray<string> | undefined
  readonly types?: ReadonlyArray<abstract new(...args: ReadonlyArray<any>) => unknown> | undefined
}

const messageOf = (error: unknown): string | undefined => {
  if (typeof error === "string") return error
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message
  }
  return undefined
}

const tagOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined

/**
 * The predicate of an {@link ErrorFilter}: `true` when the failure matches any
 * message pattern, tag or class (or when the filter is empty).
 *
 * @example
 * ```ts
 * const isTransient = RetryPolicy.matchesError({ messages: ["ECONNRESET"], tags: ["ThrottlingError"] })
 * isTransient(new Error("read ECONNRESET")) // true
 * ```
 *
 * @category filtering
 * @since 0.1.0
 */
export const matchesError = (filter: ErrorFilter): (error: unknown) => boolean => {
  const messages = filter.messages ?? []
  const tags = filter.tags ?? []
  const types = filter.types ?? []
  if (messages.length === 0 && tags.length === 0 && types.length === 0) return () => true
  return (error) => {
    const message = messageOf(error)
    if (message !== undefined) {
      // `search` ignores `lastIndex`, so a global RegExp gives the same answer every time
      for (const pattern of messages) {
        if (typeof pattern === "string" ? message.includes(pattern) : message.search(pattern) >= 0) return true
      }
    }
    const tag = tagOf(error)
    if (typeof tag === "string" && tags.includes(tag)) return true
    return types.some((type) => error instanceof type)
  }
}

/**
 * Retries only the failures that match the {@link ErrorFilter} (message
 * patterns, tags and classes, OR-ed), like the official `retryableErrors` /
 * `retryableErrorTypes` options; any other failure stops at once.
 *
 * @example
 * ```ts
 * RetryPolicy.exponential({ maxAttempts: 5 }).pipe(
 *   RetryPolicy.retryIf({ messages: [/timed? ?out/i], types: [TypeError], tags: ["ThrottlingError"] })
 * )
 * ```
 *
 * @category filtering
 * @since 0.1.0
 */
export const retryIf: {
  (
    filter: ErrorFilter
  ): <Output, E, Error, Env>(self: Schedule.Schedule<Output, E, Error, Env>) => Schedule.Schedule<Output, E, Error, Env>
  <Output, E, Error, Env>(
    self: Schedule.Schedule<Output, E, Error, Env>,
    filter: ErrorFilter
  ): Schedule.Schedule<Output, E, Error, Env>
} = dual(
  2,
  <Output, E, Error, Env>(
    self: Schedule.Schedule<Output, E, Error, Env>,
    filter: ErrorFilter
  ): Schedule.Schedule<Output, E, Error, Env> => whileError(self, matchesError(filter))
)
