/**
 * The termination decision, as a pure function.
 *
 * Operations never decide to end an invocation. They report their lifecycle
 * state to the `Scheduler`; the `Supervisor` reads a {@link Snapshot} of it,
 * asks {@link decide} what to do, and acts. Keeping the decision pure means
 * every rule below is tested without a clock, a fiber or a service.
 *
 * The rules:
 *
 * 1. A safety margin before the Lambda deadline, running steps are told to
 *    give up their attempt (each checkpoints a failed attempt, so its retry
 *    policy decides when it runs again), then the invocation ends with PENDING:
 *    better a clean suspension than a timeout. Half the margin before the
 *    deadline it ends whatever still runs.
 * 2. A waiting operation whose poll time has come is polled (an empty
 *    checkpoint tells whether the service completed it).
 * 3. The invocation may end with PENDING only when the checkpoint queue is
 *    drained, nothing executes and at least one operation waits, never with
 *    nothing pending.
 * 4. Even then, it stays alive for a wake-up due within `maxInProcessWait` of
 *    the moment everything went idle, and otherwise for the `warmup`, so that
 *    short waits and quick completions resume in-process instead of costing a
 *    re-invocation. Idle time is bounded by the larger of the two.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import type { OperationType } from "./Wire.ts"

/**
 * Where an operation stands, as the scheduler tracks it.
 *
 * - `EXECUTING`: user code or the SDK is working on it; the invocation must stay.
 * - `RETRY_WAITING`: a step failed and waits for its next attempt.
 * - `IDLE_NOT_AWAITED`: started and waiting, but no fiber awaits its result yet.
 * - `IDLE_AWAITED`: waiting (a timer, a callback, an invoke) and awaited.
 * - `COMPLETED`: done; it no longer counts.
 *
 * @category models
 * @since 0.1.0
 */
export type LifecycleState = "EXECUTING" | "RETRY_WAITING" | "IDLE_NOT_AWAITED" | "IDLE_AWAITED" | "COMPLETED"

/**
 * Why an invocation ended early. The names are the official SDK's; the first
 * group suspends the invocation (PENDING), the second is a fault.
 *
 * @category models
 * @since 0.1.0
 */
export type TerminationReason =
  // suspensions
  | "RETRY_SCHEDULED"
  | "RETRY_INTERRUPTED_STEP"
  | "WAIT_SCHEDULED"
  | "CALLBACK_PENDING"
  | "OPERATION_TERMINATED"
  | "DEADLINE_APPROACHING"
  // faults
  | "CHECKPOINT_FAILED"
  | "SERDES_FAILED"
  | "CONTEXT_VALIDATION_ERROR"
  | "CONFIG_VALIDATION_ERROR"
  | "NON_DETERMINISM"
  | "PAYLOAD_TOO_LARGE"
  | "CUSTOM"

/**
 * How long the supervisor keeps an idle invocation alive, and how it polls.
 *
 * @category models
 * @since 0.1.0
 */
export interface Policy {
  /** After everything went idle, how long to wait for a wake-up before suspending. */
  readonly warmup: Duration.Duration
  /**
   * A wake-up due within this long of the moment everything went idle is waited
   * for in-process rather than through a re-invocation.
   */
  readonly maxInProcessWait: Duration.Duration
  /** How long before the Lambda deadline the invocation suspends, whatever is running. */
  readonly deadlineMargin: Duration.Duration
  /** First poll delay for an operation with no known wake-up time (a callback, an invoke). */
  readonly pollInterval: Duration.Duration
  /** Upper bound of the poll back-off. */
  readonly maxPollInterval: Duration.Duration
}

/**
 * The default policy: a 100 ms warmup, in-process waits up to 1 second (the
 * shortest wait or retry the service schedules), suspension 2 seconds before
 * the deadline, and polls every 1 s growing to 10 s, as the official SDK
 * polls.
 *
 * The design document proposed a 2-second warmup; measured (bench/RESULTS.md),
 * every suspension then bills 2 s of Lambda time, about 45 times what the
 * official SDK's 20 ms cool-down bills, for wake-ups that rarely come within
 * those 2 s. The warmup only has to absorb completions racing the decision
 * (the official SDK's issue #614), which 100 ms does; known wake-ups due within
 * a second are still resumed in-process.
 *
 * @category policies
 * @since 0.1.0
 */
export const defaultPolicy: Policy = {
  warmup: Duration.millis(100),
  maxInProcessWait: Duration.seconds(1),
  deadlineMargin: Duration.seconds(2),
  pollInterval: Duration.seconds(1),
  maxPollInterval: Duration.seconds(10)
}

/**
 * One operation as the decision sees it.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationView {
  readonly id: string
  readonly type: OperationType
  readonly subType: string | undefined
  readonly state: LifecycleState
  /** When the service is expected to change the operation by itself (a wait's end, a retry's next attempt). */
  readonly wakeAt: number | undefined
  /** When the supervisor should next ask the service about it. */
  readonly pollAt: number | undefined
}

/**
 * Everything the decision depends on.
 *
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly now: number
  /** Epoch milliseconds at which Lambda ends the invocation. */
  readonly deadline: number
  /** Since when nothing executes while something waits (undefined when that is not the case). */
  readonly idleSince: number | undefined
  /** True when no checkpoint is queued or in flight. */
  readonly checkpointsDrained: boolean
  /** True once running steps were told that the deadline is near. */
  readonly expired: boolean
  readonly operations: Iterable<OperationView>
}

/**
 * What the supervisor should do now.
 *
 * - `Suspend`: end the invocation with PENDING.
 * - `Poll`: send an empty checkpoint for the operations whose poll time came.
 * - `Sleep`: nothing to do until `until` (or until the scheduler changes).
 * - `Expire`: the deadline is near; tell running steps to give up their attempt.
 *
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "Suspend"; readonly reason: TerminationReason }
  | { readonly _tag: "Expire" }
  | { readonly _tag: "Poll"; readonly ids: ReadonlyArray<string> }
  | { readonly _tag: "Sleep"; readonly until: number | undefined }

const isWaiting = (state: LifecycleState): boolean =>
  state === "RETRY_WAITING" || state === "IDLE_AWAITED" || state === "IDLE_NOT_AWAITED"

/**
 * Why the invocation suspends, in the official SDK's priority order: a step
 * waiting for a retry, then a wait, then anything else (a callback, an invoke).
 *
 * @category decision
 * @since 0.1.0
 */
export const suspendReason = (operations: Iterable<OperationView>): TerminationReason => {
  let reason: TerminationReason = "CALLBACK_PENDING"
  for (const op of operations) {
    if (op.state === "RETRY_WAITING") return "RETRY_SCHEDULED"
    if (isWaiting(op.state) && op.type === "WAIT") reason = "WAIT_SCHEDULED"
  }
  return reason
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b)

/**
 * The termination decision.
 *
 * @example
 * ```ts
 * Termination.decide({
 *   now: 0, deadline: 900_000, idleSince: 0, checkpointsDrained: true, expired: false,
 *   operations: [{ id: "a", type: "WAIT", subType: "Wait", state: "IDLE_AWAITED", wakeAt: 3_600_000, pollAt: 3_600_000 }]
 * }, Termination.defaultPolicy)
 * // { _tag: "Sleep", until: 100 }: the warmup runs first, then it suspends with WAIT_SCHEDULED
 * ```
 *
 * @category decision
 * @since 0.1.0
 */
export const decide = (snapshot: Snapshot, policy: Policy): Decision => {
  const { now } = snapshot
  let executing = false
  let waiting = false
  let nextWake: number | undefined
  let nextPoll: number | undefined
  const due: Array<string> = []
  for (const op of snapshot.operations) {
    if (op.state === "EXECUTING") executing = true
    else if (isWaiting(op.state)) {
      waiting = true
      nextWake = earliest(nextWake, op.wakeAt)
      if (op.pollAt !== undefined && op.pollAt <= now) due.push(op.id)
      else nextPoll = earliest(nextPoll, op.pollAt)
    }
  }

  // 1. The deadline wins over everything, as long as something is pending.
  const margin = Duration.toMillis(policy.deadlineMargin)
  const cutoff = snapshot.deadline - margin
  if (now >= cutoff && (executing || waiting)) {
    if (executing && !snapshot.expired) return { _tag: "Expire" }
    const hardCutoff = snapshot.deadline - margin / 2
    if (!executing && snapshot.checkpointsDrained) {
      return { _tag: "Suspend", reason: suspendReason(snapshot.operations) }
    }
    if (now >= hardCutoff) return { _tag: "Suspend", reason: "DEADLINE_APPROACHING" }
    return { _tag: "Sleep", until: hardCutoff }
  }

  // 2. Ask the service about operations whose time came.
  if (due.length > 0) return { _tag: "Poll", ids: due }

  // 3. Suspend only when drained, nothing executes and something waits.
  if (waiting && !executing && snapshot.checkpointsDrained) {
    const idleSince = snapshot.idleSince ?? now
    const staysForWakeUp = nextWake !== undefined &&
      nextWake - idleSince <= Duration.toMillis(policy.maxInProcessWait) && nextWake < cutoff
    if (!staysForWakeUp) {
      const warmupEnd = idleSince + Duration.toMillis(policy.warmup)
      if (now >= warmupEnd) return { _tag: "Suspend", reason: suspendReason(snapshot.operations) }
      return { _tag: "Sleep", until: Math.min(earliest(nextPoll, warmupEnd)!, cutoff) }
    }
  }

  // 4. Otherwise keep going: sleep until the next poll or the deadline cutoff.
  return { _tag: "Sleep", until: executing || waiting ? Math.min(earliest(nextPoll, cutoff)!, cutoff) : undefined }
}

/**
 * Since when the invocation has been idle (nothing executes, something waits,
 * no checkpoint queued): the last activity, if it is idle now; `undefined`
 * otherwise.
 *
 * @category decision
 * @since 0.1.0
 */
export const idleSince = (
  lastActivity: number,
  operations: ReadonlyArray<OperationView>,
  checkpointsDrained: boolean
): number | undefined =>
  checkpointsDrained && operations.some((op) => isWaiting(op.state)) &&
    !operations.some((op) => op.state === "EXECUTING")
    ? lastActivity
    : undefined

/**
 * When to poll an operation again after `polls` unanswered polls: the poll
 * interval times the number of polls, capped at `maxPollInterval`.
 *
 * @category decision
 * @since 0.1.0
 */
export const nextPollAt = (now: number, polls: number, policy: Policy): number =>
  now + Math.min(Duration.toMillis(policy.pollInterval) * Math.max(1, polls), Duration.toMillis(policy.maxPollInterval))
