/**
 * The supervisor: the one fiber that owns every timer and poll of an
 * invocation and makes its single termination decision.
 *
 * It sleeps on the scheduler's change signal. Whenever anything changes (an
 * operation starts executing, waits, completes; the checkpoint queue drains)
 * or a timer it armed fires, it takes a snapshot (with the start-up this
 * invocation measured, which the `cost` policy prices a re-invocation with),
 * asks the pure `Termination.decide`, and acts: it polls the service for
 * operations whose time came (which resumes them in-process when the service
 * reports them done), sleeps, or ends the invocation with PENDING.
 *
 * System failures do not wait for a decision: `fail` ends the invocation at
 * once, whatever user code is doing.
 *
 * Its watchdog (`watch`) makes sure the invocation answers before Lambda's
 * deadline even when nothing else can decide: from the event's arrival (state
 * loading included) to the answer (the final drain included), at
 * `Termination.watchdogAt` it ends the invocation with PENDING if the service
 * has something to wake the function up for, otherwise with a
 * `DeadlineApproachingError` (a failed invocation, which Lambda retries).
 * The same rule holds when a deadline cut-off suspends: PENDING is answered
 * only when something will wake the function up.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { Checkpointer } from "./Checkpointer.ts"
import { DeadlineApproachingError, type SystemFailure } from "./DurableError.ts"
import { traced } from "./internal/tracing.ts"
import type { Scheduler } from "./Scheduler.ts"
import * as Termination from "./Termination.ts"
import type * as Wire from "./Wire.ts"

/**
 * How an invocation ended before its workflow did.
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Suspended"; readonly reason: Termination.TerminationReason }
  | { readonly _tag: "Failed"; readonly reason: Termination.TerminationReason; readonly error: SystemFailure }

/**
 * The supervisor service, one per invocation.
 *
 * @category services
 * @since 0.1.0
 */
export class Supervisor extends Context.Service<Supervisor, {
  /** Ends the invocation at once because of a system failure. The first outcome wins. */
  readonly fail: (error: SystemFailure) => Effect.Effect<void>
  /** Ends the invocation with PENDING. The first outcome wins. */
  readonly suspend: (reason: Termination.TerminationReason) => Effect.Effect<void>
  /** Waits for the outcome. */
  readonly outcome: Effect.Effect<Outcome>
  /** Completes when the deadline is near: running steps give up their attempt. */
  readonly expired: Effect.Effect<void>
  /** The supervision loop; runs until the invocation ends. */
  readonly run: (checkpointer: Checkpointer["Service"]) => Effect.Effect<never>
  /**
   * The invocation-wide watchdog: at `Termination.watchdogAt` it ends the
   * invocation, PENDING if `known` (the operations as last known) has
   * something the service wakes the function up for, else failed with a
   * `DeadlineApproachingError`. Runs from the event's arrival to the answer.
   */
  readonly watch: (
    known: Effect.Effect<Iterable<Wire.Operation>>,
    settled: Effect.Effect<boolean>
  ) => Effect.Effect<void>
}>()("@effect-durable/core/Supervisor") {}

/**
 * The termination reason of a system failure.
 *
 * @category utils
 * @since 0.1.0
 */
export const reasonOf = (error: SystemFailure): Termination.TerminationReason => {
  switch (error._tag) {
    case "NonDeterministicExecutionError":
      return "NON_DETERMINISM"
    case "CheckpointFailedError":
      return "CHECKPOINT_FAILED"
    case "SerdesFailedError":
      return "SERDES_FAILED"
    case "ContextValidationError":
      return "CONTEXT_VALIDATION_ERROR"
    case "ConfigValidationError":
      return "CONFIG_VALIDATION_ERROR"
    case "InvalidEventError":
      return "CUSTOM"
    case "PayloadTooLargeError":
      return "PAYLOAD_TOO_LARGE"
    case "DeadlineApproachingError":
      return "DEADLINE_APPROACHING"
  }
}

/**
 * What the supervisor needs to know of the invocation.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly scheduler: Scheduler["Service"]
  readonly policy: Termination.Policy
  /** Epoch milliseconds at which Lambda ends the invocation. */
  readonly deadline: number
  /**
   * Epoch milliseconds at which the invocation's event arrived: its start-up
   * (`Termination.Snapshot.startupMillis`) runs from there to the scheduler's
   * first activity.
   */
  readonly startedAt: number
}

/**
 * Sleeps until the clock reads `at`. A timer may fire a millisecond before the
 * clock reads its time (Node's timers and `Date.now` round differently): then
 * it sleeps again, rather than wake the supervisor to the same decision, which
 * would leave nothing to wake it up when its time has really come.
 */
const sleepUntil = (at: number, now: number): Effect.Effect<void> =>
  now >= at
    ? Effect.void
    : Effect.andThen(Effect.sleep(at - now), Effect.flatMap(Clock.currentTimeMillis, (next) => sleepUntil(at, next)))

/**
 * Builds the supervisor of one invocation.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const { deadline, policy, scheduler, startedAt } = options
  const outcome = yield* Deferred.make<Outcome>()
  const expired = yield* Deferred.make<void>()

  const fail = (error: SystemFailure) =>
    Deferred.succeed(outcome, { _tag: "Failed", reason: reasonOf(error), error }).pipe(Effect.asVoid)
  const suspend = (reason: Termination.TerminationReason) =>
    Deferred.succeed(outcome, { _tag: "Suspended", reason }).pipe(Effect.asVoid)

  const run = (checkpointer: Checkpointer["Service"]): Effect.Effect<never> =>
    Effect.gen(function*() {
      // One timer at a time: re-armed only when the time to wake up at changes (most
      // decisions keep it: "until the deadline cutoff", "until this wait's end").
      let alarm: { readonly at: number; readonly fiber: Fiber.Fiber<void> } | undefined
      const armAt = Effect.fnUntraced(function*(at: number | undefined, now: number) {
        if (alarm?.at === at) return
        if (alarm !== undefined) yield* Fiber.interrupt(alarm.fiber)
        alarm = at === undefined
          ? undefined
          : {
            at,
            // Started at once, so that its timer is set from `now`, before anything else runs.
            fiber: yield* Effect.forkChild(Effect.andThen(sleepUntil(at, now), scheduler.wake), {
              startImmediately: true
            })
          }
      })
      // The execution's shortest answer so far (`Termination.shortestAnswerMillis`), read from its
      // history once per invocation, the first time an operation waits for one.
      let answered: { readonly millis: number | undefined } | undefined
      const shortestAnswer = (waiting: ReadonlyArray<Termination.OperationView>) =>
        answered !== undefined || !waiting.some((op) => op.wakeAt === undefined)
          ? Effect.succeed(answered?.millis)
          : Effect.map(checkpointer.operations, (all) => (answered = { millis: Termination.shortestAnswerMillis(all) }).millis)
      while (true) {
        // Let the fibers the last change woke up run first: a burst of changes (a
        // checkpoint response resuming many operations) is decided on once.
        yield* Effect.yieldNow
        // Taken before reading the state: any change after the read completes it.
        const changed = yield* scheduler.changed
        const now = yield* Clock.currentTimeMillis
        const { executing, waiting: operations } = yield* scheduler.snapshot
        const checkpointsDrained = yield* checkpointer.drained
        const idleSince = Termination.idleSince(
          yield* scheduler.lastActivity,
          operations,
          checkpointsDrained,
          executing
        )
        const startupMillis = ((yield* scheduler.firstActivity) ?? now) - startedAt
        const decision = Termination.decide(
          {
            now,
            deadline,
            idleSince,
            checkpointsDrained,
            startupMillis,
            roundTripMillis: yield* checkpointer.roundTrip,
            executionArn: checkpointer.arn,
            shortestAnswerMillis: yield* shortestAnswer(operations),
            operations,
            executing,
            expired: yield* Deferred.isDone(expired)
          },
          policy
        )
        switch (decision._tag) {
          case "Expire": {
            yield* Deferred.succeed(expired, undefined)
            break
          }
          case "Suspend": {
            yield* endOrSuspend(decision.reason, checkpointer.operations, checkpointer.drained, "its deadline cut-off")
            return yield* Effect.never
          }
          case "Poll": {
            yield* checkpointer.poll
            yield* scheduler.polled(decision.ids)
            break
          }
          case "Sleep": {
            yield* armAt(decision.until, now)
            yield* Deferred.await(changed)
          }
        }
      }
    }).pipe(
      // Supervised: a defect of the loop ends the invocation (as a defect) rather than leaving it undecided.
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Deferred.die(outcome, Cause.squash(cause))
      ),
      Effect.andThen(Effect.never),
      (self) => traced(self, "Supervisor.run")
    )

  /**
   * Suspends if the service has something to wake the function up for, and
   * otherwise fails the invocation: PENDING with nothing to wake up for would
   * be refused, or leave the execution waiting forever.
   */
  const endOrSuspend = Effect.fnUntraced(function*(
    reason: Termination.TerminationReason,
    known: Effect.Effect<Iterable<Wire.Operation>>,
    settled: Effect.Effect<boolean>,
    when: string
  ) {
    const answered = yield* settled
    if (Termination.endWithout(yield* known, answered) === "Suspend") return yield* suspend(reason)
    yield* fail(
      new DeadlineApproachingError({
        message: `The invocation reached ${when} before it could answer (a checkpoint call, a state read, the ` +
          "final drain or an operation still in progress), and " +
          (answered
            ? "the service has nothing to wake the function up for"
            : "a checkpoint call is unanswered, so what the service holds is unknown") +
          ": it fails so that Lambda retries it, rather than time out"
      })
    )
  })

  const watch = (known: Effect.Effect<Iterable<Wire.Operation>>, settled: Effect.Effect<boolean>): Effect.Effect<void> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* Effect.sleep(Math.max(0, Termination.watchdogAt(deadline, policy) - now))
      yield* Effect.logWarning("effect-durable: no answer yet, with Lambda's deadline near: the watchdog ends the invocation")
      yield* endOrSuspend("DEADLINE_APPROACHING", known, settled, "the last moment to answer before Lambda's deadline")
    }).pipe((self) => traced(self, "Supervisor.watch"))

  return Supervisor.of({
    fail,
    suspend,
    outcome: Deferred.await(outcome),
    expired: Deferred.await(expired),
    run,
    watch
  })
})
