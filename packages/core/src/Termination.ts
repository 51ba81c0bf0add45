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
 * 4. Even then, the policy (see {@link PolicyName}) decides how long it
 *    stays alive first: at least the `warmup`, and up to its
 *    horizon ({@link horizonMillis}) when a known wake-up comes within it, and
 *    for its rent ({@link rentMillis}) when the wake-up is unknown (a callback,
 *    an invoke). The default policy, `cost`, sets the horizon at the
 *    break-even time of `CostModel`, so that it stays alive only where that is
 *    cheaper than a re-invocation, and rents a random share of it.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as CostModel from "./CostModel.ts"
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
 * The named termination policies. Each decides how long an idle invocation
 * (nothing executes, something waits) stays alive for a wake-up before it
 * suspends; everything else (the deadline, polls, never suspending with
 * nothing pending) is common to all.
 *
 * - `cost` (the default): stays only when waiting is cheaper than being
 *   re-invoked, by {@link CostModel}: a known wake-up (a wait's end, a retry)
 *   is waited for when it comes sooner than the break-even time (the request
 *   fee plus this invocation's own start-up, in milliseconds alive); for an
 *   unknown one (a callback, an invoke) it stays for a share of the break-even
 *   time drawn for the execution and the operation ({@link rentMillis}),
 *   looks once more, then suspends: the randomized rent-or-buy rule. Whenever
 *   the answer comes, its expected cost over executions is at most
 *   e/(e−1) ≈ 1.58 times the best decision made knowing the answer in advance
 *   (plus the time a poll takes to notice it); once every earlier answer of
 *   the execution came later than the break-even time, the share is drawn
 *   within half of it: 1.27 times if the next answer is late too, at most 2.54
 *   whenever it comes. One execution is not bounded by a ratio (an answer
 *   just after a short rent pays a re-invocation the best decision avoids),
 *   only in money: an idle period never costs more than the break-even time
 *   plus a re-invocation. `rent: "deterministic"` rents the whole break-even
 *   time: at most twice the best decision in every execution.
 * - `latency`: fewest invocations and shortest completion: it stays alive for
 *   any wake-up due before the Lambda deadline (or within `maxInProcessWait`),
 *   polling callbacks and invokes after 20 ms at first, each interval 2 % longer
 *   than the last, up to once a second (see {@link latency}). Every idle
 *   millisecond is billed.
 * - `eager`: suspends as soon as nothing runs, after a 20 ms cool-down, as the
 *   official SDK does.
 *
 * @category policies
 * @since 0.1.0
 */
export type PolicyName = "cost" | "latency" | "eager"

/**
 * A termination policy, resolved: what `decide` reads.
 *
 * @category models
 * @since 0.1.0
 */
export interface Policy {
  readonly name: PolicyName
  /**
   * The shortest time an idle invocation stays alive before it suspends, so
   * that work about to start shows up first (a fiber between two operations,
   * async work between them in user code), and completions racing the
   * decision are absorbed (the official SDK's cool-down).
   */
  readonly warmup: Duration.Duration
  /**
   * The longest an idle invocation stays alive for a wake-up. `latency` and
   * `eager` stay exactly this long (for a known wake-up, when it comes within
   * it); `cost` stays at most this long, whatever the break-even time.
   */
  readonly maxInProcessWait: Duration.Duration
  /** How long before the Lambda deadline the invocation suspends, whatever is running. */
  readonly deadlineMargin: Duration.Duration
  /** First poll delay for an operation with no known wake-up time (a callback, an invoke). */
  readonly pollInterval: Duration.Duration
  /** Upper bound of the poll back-off. */
  readonly maxPollInterval: Duration.Duration
  /**
   * How the poll interval grows with each unanswered poll: `undefined` (the
   * official SDK's schedule) adds `pollInterval` every time; a rate `r`
   * multiplies the interval by `r`, so that it stays proportional to the time
   * already waited (see {@link nextPollAt}).
   */
  readonly pollBackoffRate?: number | undefined
  /**
   * How long `cost` rents (stays alive) for an unknown wake-up: `"randomized"`
   * (its default), a share of the break-even time drawn for the execution and
   * the operation (see {@link rentMillis}); `"deterministic"`, the whole
   * break-even time. Other policies ignore it.
   */
  readonly rent?: "randomized" | "deterministic" | undefined
  /** The prices `cost` weighs; the function's own memory size and architecture unless overridden. */
  readonly costModel: CostModel.CostModel
}

/**
 * A policy as a user writes it: a name, or a name and overrides, with
 * durations in any form Effect accepts (`"250 millis"`, `Duration.seconds(2)`,
 * a number of milliseconds). Fields left out take the named policy's
 * defaults; the name defaults to `cost`.
 *
 * @example
 * ```ts
 * LambdaHandler.make(workflow, { policy: "latency" })
 * LambdaHandler.make(workflow, { policy: { name: "latency", maxInProcessWait: "30 seconds" } })
 * LambdaHandler.make(workflow, { policy: { costModel: { memoryMB: 2048, architecture: "arm64" } } })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type PolicyInput =
  | PolicyName
  | {
    readonly name?: PolicyName | undefined
    readonly warmup?: Duration.Input | undefined
    readonly maxInProcessWait?: Duration.Input | undefined
    readonly deadlineMargin?: Duration.Input | undefined
    readonly pollInterval?: Duration.Input | undefined
    readonly maxPollInterval?: Duration.Input | undefined
    readonly pollBackoffRate?: number | undefined
    readonly rent?: "randomized" | "deterministic" | undefined
    /** Overrides of the cost model (memory size, architecture, prices); the rest comes from the function. */
    readonly costModel?: Parameters<typeof CostModel.make>[0] | undefined
  }

const common = {
  deadlineMargin: Duration.seconds(2),
  costModel: CostModel.make()
}

/**
 * The `cost` policy with its defaults (and the default cost model: 128 MB,
 * x86_64; `Invocation.handle` uses the function's own): no warmup, and the
 * official SDK's polls (every 1 s, growing to 10 s) for callbacks and invokes
 * while something else runs.
 *
 * No warmup, because nothing needs it: the supervisor decides only once the
 * fibers a change woke up have run and the checkpoint queue has drained, so
 * work about to start is seen (the whole test suite, 447 tests, behaves the
 * same with a warmup of 0 as with 2 ms or the former 100 ms, and in the
 * termination benchmark no idle period ever ended with new work rather than
 * a wake-up); a known wake-up (a wait, a retry) has no completion to race;
 * and an unknown one is waited for during its rent, with a last look at the
 * service. Every millisecond of warmup is billed on every suspension.
 *
 * The rent is randomized: a share of the break-even time drawn per
 * execution and operation ({@link rentMillis}). Against callbacks answered
 * later than the break-even time (the usual case: a person, another system)
 * renting the whole of it pays twice the best decision every time; the
 * random share pays 1.58 times on average over executions, whenever the
 * answers come (`rent: "deterministic"` for the per-execution bound of 2).
 *
 * @category policies
 * @since 0.1.0
 */
export const cost: Policy = {
  ...common,
  name: "cost",
  warmup: Duration.zero,
  maxInProcessWait: Duration.infinity,
  pollInterval: Duration.seconds(1),
  maxPollInterval: Duration.seconds(10),
  rent: "randomized"
}

/**
 * The `latency` policy with its defaults: it stays alive for every wake-up
 * due before the deadline (2 s before it), and polls callbacks and invokes
 * first after 20 ms, then each interval 2 % longer than the last, up to once a
 * second: an answer is seen within 2 % of the time it took plus 20 ms (and a
 * round trip), while the polls slow down as the wait goes on: 35 in the first
 * second, 4 a second at 10 s, 208 in the first minute, then one a second
 * (60 a minute) from 50 s on; 1,046 over a 15-minute invocation, where a
 * fixed 100 ms would send 8,980 (the official SDK polls once a second at
 * first, then every 10 s). The price: every idle millisecond is billed.
 *
 * @category policies
 * @since 0.1.0
 */
export const latency: Policy = {
  ...common,
  name: "latency",
  warmup: Duration.zero,
  maxInProcessWait: Duration.infinity,
  pollInterval: Duration.millis(20),
  maxPollInterval: Duration.seconds(1),
  pollBackoffRate: 1.02
}

/**
 * The `eager` policy with its defaults: it suspends 20 ms (the official SDK's
 * cool-down) after nothing runs, unless a wake-up comes within them.
 *
 * @category policies
 * @since 0.1.0
 */
export const eager: Policy = {
  ...common,
  name: "eager",
  warmup: Duration.millis(20),
  maxInProcessWait: Duration.zero,
  pollInterval: Duration.seconds(1),
  maxPollInterval: Duration.seconds(10)
}

/**
 * The default policy: {@link cost}.
 *
 * @category policies
 * @since 0.1.0
 */
export const defaultPolicy: Policy = cost

/**
 * The named policies, with their defaults.
 *
 * @category policies
 * @since 0.1.0
 */
export const policies: { readonly [N in PolicyName]: Policy } = { cost, latency, eager }

const duration = (input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration =>
  input === undefined ? fallback : Duration.fromInputUnsafe(input)

/**
 * Resolves what the user wrote into a policy: the named policy's defaults,
 * the user's overrides, and `costModel` (the function's own, see
 * `CostModel.fromEnvironment`) under the user's cost model overrides.
 *
 * @example
 * ```ts
 * Termination.resolve({ name: "eager", warmup: "50 millis" })
 * // { name: "eager", warmup: Duration.millis(50), maxInProcessWait: Duration.zero, ... }
 * ```
 *
 * @category policies
 * @since 0.1.0
 */
export const resolve = (input: PolicyInput | undefined, costModel: CostModel.CostModel = common.costModel): Policy => {
  const options = typeof input === "string" ? { name: input } : input ?? {}
  const base = policies[options.name ?? "cost"]
  return {
    name: base.name,
    warmup: duration(options.warmup, base.warmup),
    maxInProcessWait: duration(options.maxInProcessWait, base.maxInProcessWait),
    deadlineMargin: duration(options.deadlineMargin, base.deadlineMargin),
    pollInterval: duration(options.pollInterval, base.pollInterval),
    maxPollInterval: duration(options.maxPollInterval, base.maxPollInterval),
    pollBackoffRate: options.pollBackoffRate ?? base.pollBackoffRate,
    rent: options.rent ?? base.rent,
    costModel: options.costModel === undefined ? costModel : CostModel.make({
      memoryMB: options.costModel.memoryMB ?? costModel.memoryMB,
      architecture: options.costModel.architecture ?? costModel.architecture,
      prices: {
        request: options.costModel.prices?.request ?? costModel.prices.request,
        gbSecond: { ...costModel.prices.gbSecond, ...definedOnly(options.costModel.prices?.gbSecond) }
      }
    })
  }
}

const definedOnly = <A extends object>(record: A | undefined): Partial<A> =>
  record === undefined
    ? {}
    : Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<A>

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
  /** When the supervisor last asked the service about it without news (undefined: never). */
  readonly polledAt?: number | undefined
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
  /**
   * How long this invocation took to start: from the event's arrival to its
   * first new operation (state loading and replay included). A re-invocation
   * is expected to take as long.
   */
  readonly startupMillis: number
  /**
   * How long a checkpoint call takes (the last one): a last look at the
   * service is sent this early, so that its answer is back by the horizon.
   */
  readonly roundTripMillis: number
  /**
   * The execution's ARN: with the operations' ids, the seed of the `cost`
   * policy's randomized rent ({@link rentMillis}), so that the same execution
   * decides the same way on every run.
   */
  readonly executionArn?: string | undefined
  /**
   * The shortest time an earlier callback or chained invoke of this execution
   * took to be answered ({@link shortestAnswerMillis}): the `cost` policy's
   * prediction of the next answer (see {@link rentMillis}).
   */
  readonly shortestAnswerMillis?: number | undefined
  readonly operations: Iterable<OperationView>
  /**
   * How many operations execute besides the `EXECUTING` ones listed in
   * `operations`: the scheduler counts executing operations instead of listing
   * them, so that a decision costs nothing per operation at work.
   */
  readonly executing?: number | undefined
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
 * How long an idle invocation may stay alive for a wake-up under `policy`, in
 * milliseconds: for `cost`, the break-even time (`CostModel.breakEvenMillis`
 * with the invocation's own start-up), capped by `maxInProcessWait`; for the
 * other policies, `maxInProcessWait`.
 *
 * @example
 * ```ts
 * // 512 MB, x86_64, an invocation that took 80 ms to replay its history
 * Termination.horizonMillis(Termination.resolve({ costModel: { memoryMB: 512 } }), 80) // 104
 * Termination.horizonMillis(Termination.latency, 80) // Infinity
 * ```
 *
 * @category decision
 * @since 0.1.0
 */
export const horizonMillis = (policy: Policy, startupMillis: number): number => {
  const cap = Duration.toMillis(policy.maxInProcessWait)
  // Whole milliseconds (Lambda bills by the millisecond), so that deadlines computed from it compare exactly.
  return policy.name === "cost" ? Math.min(Math.ceil(CostModel.breakEvenMillis(policy.costModel, startupMillis)), cap) : cap
}

/**
 * A number in [0, 1) drawn from `key`: 32-bit FNV-1a over its UTF-16 code
 * units, then MurmurHash3's finalizer, so that keys differing in one character
 * draw unrelated numbers. The same key always draws the same number.
 */
const uniformOf = (key: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return ((h ^ (h >>> 16)) >>> 0) / 0x1_0000_0000
}

/**
 * The share of the break-even time the `cost` policy rents for an unknown
 * wake-up, drawn from `key`: a number in [0, 1] with density e^x / (e − 1),
 * by inverting its distribution function on a uniform number drawn from the
 * key's hash (with `upTo` < 1, the same density on [0, upTo]). This is the optimal randomized rent-or-buy rule (Karlin,
 * Manasse, McGeoch and Owicki, 1990): whenever the wake-up comes, the
 * expected cost is at most e/(e−1) ≈ 1.58 times the best decision made
 * knowing it in advance, against 2 for the deterministic rule (renting the
 * whole break-even time); the mean share is 1/(e−1) ≈ 0.58. The guarantee is
 * an expectation over executions: one draw may rent a little and miss an
 * answer that comes just after (a re-invocation the best decision avoids),
 * where the deterministic rule stays within twice the best in every
 * execution. Either way an idle period costs at most the break-even time plus
 * a re-invocation.
 *
 * @example
 * ```ts
 * Termination.rentShare("arn:aws:lambda:...:execution/1\nc") // the same number in [0, 1] on every run
 * ```
 *
 * @category decision
 * @since 0.1.0
 */
export const rentShare = (key: string, upTo = 1): number => Math.log(1 + uniformOf(key) * Math.expm1(upTo))

/**
 * How much of the break-even time the `cost` policy trusts a prediction that
 * the answer comes late: when every earlier answer of the execution came
 * later than the break-even time, the rent is drawn on [0, ½ break-even time]
 * (see {@link rentMillis}).
 *
 * @category constants
 * @since 0.1.0
 */
export const predictionTrust = 0.5

/**
 * How long an idle invocation stays alive for unknown wake-ups (callbacks,
 * invokes; `ids` are theirs) before it suspends, in whole milliseconds: the
 * `horizon` (see {@link horizonMillis}), or under `cost` with the
 * `"randomized"` rent, its {@link rentShare} drawn from the execution's ARN
 * and the ids.
 *
 * `shortestAnswer` (the shortest time an earlier callback or invoke of the
 * execution took to be answered, see {@link shortestAnswerMillis}) is a
 * prediction: when even that came later than the horizon, the next answer is
 * expected late too, and the rent is drawn on [0, λ·horizon] instead, with
 * λ = {@link predictionTrust} (the rent-or-buy rule with a prediction of
 * Purohit, Svitkina and Kumar, 2018): in expectation λ/(1 − e^−λ) ≈ 1.27
 * times the best decision when the answer does come late, and at most
 * 1/(1 − e^−λ) ≈ 2.54 times whenever it comes (against 1.58 in both cases
 * without the prediction). An execution whose answers came sooner, or that has
 * none yet, rents on the whole horizon.
 *
 * Pure: the same execution waiting for the same operations rents the same
 * time on every run, under `TestClock` as in Lambda, while the draw varies
 * from one execution to the next, which is what the expected-cost guarantees
 * average over.
 *
 * @category decision
 * @since 0.1.0
 */
export const rentMillis = (
  policy: Policy,
  horizon: number,
  executionArn: string | undefined,
  ids: ReadonlyArray<string>,
  shortestAnswer?: number | undefined
): number => {
  if (policy.name !== "cost" || policy.rent === "deterministic" || !Number.isFinite(horizon)) return horizon
  const key = `${executionArn ?? ""}\n${[...ids].sort().join("\n")}`
  const late = shortestAnswer !== undefined && shortestAnswer >= horizon
  return Math.floor(horizon * rentShare(key, late ? predictionTrust : 1))
}

/**
 * The shortest time a callback or a chained invoke of the execution took to
 * be answered (from its start to its end, whatever the outcome), or
 * `undefined` when none has been: the `cost` policy's prediction of how soon
 * the next answer comes ({@link rentMillis}).
 *
 * @category decision
 * @since 0.1.0
 */
export const shortestAnswerMillis = (
  operations: Iterable<{
    readonly Type: OperationType
    readonly StartTimestamp?: Date | undefined
    readonly EndTimestamp?: Date | undefined
  }>
): number | undefined => {
  let shortest: number | undefined
  for (const op of operations) {
    if ((op.Type !== "CALLBACK" && op.Type !== "CHAINED_INVOKE") || op.StartTimestamp === undefined) continue
    if (op.EndTimestamp === undefined) continue
    const millis = Math.max(0, op.EndTimestamp.getTime() - op.StartTimestamp.getTime())
    if (shortest === undefined || millis < shortest) shortest = millis
  }
  return shortest
}

/**
 * The termination decision.
 *
 * @example
 * ```ts
 * Termination.decide({
 *   now: 0, deadline: 900_000, idleSince: 0, checkpointsDrained: true, expired: false, startupMillis: 5, roundTripMillis: 10,
 *   operations: [{ id: "a", type: "WAIT", subType: "Wait", state: "IDLE_AWAITED", wakeAt: 3_600_000, pollAt: 3_600_000 }]
 * }, Termination.cost)
 * // { _tag: "Suspend", reason: "WAIT_SCHEDULED" }: an hour alive costs more than a re-invocation
 * ```
 *
 * @category decision
 * @since 0.1.0
 */
export const decide = (snapshot: Snapshot, policy: Policy): Decision => {
  const { now } = snapshot
  let executing = (snapshot.executing ?? 0) > 0
  let waiting = false
  const unknown: Array<string> = []
  let nextWake: number | undefined
  let nextPoll: number | undefined
  const due: Array<string> = []
  for (const op of snapshot.operations) {
    if (op.state === "EXECUTING") executing = true
    else if (isWaiting(op.state)) {
      waiting = true
      if (op.wakeAt === undefined) unknown.push(op.id)
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

  // 3. Suspend only when drained, nothing executes and something waits, once the
  //    policy's horizon has passed: the warmup, or longer for a wake-up the policy
  //    stays alive for (a known one due within the horizon, or an unknown one).
  if (waiting && !executing && snapshot.checkpointsDrained) {
    const idleSince = snapshot.idleSince ?? now
    const horizon = horizonMillis(policy, snapshot.startupMillis)
    const warm = idleSince + Duration.toMillis(policy.warmup)
    const end = Math.min(idleSince + horizon, cutoff)
    const staysForKnown = nextWake !== undefined && nextWake - idleSince <= horizon && nextWake < cutoff
    // A callback or an invoke is waited for while the rent lasts, with a last look at
    // the service timed to be back by its end: an answer that came meanwhile resumes
    // the operation in-process; without news, it no longer keeps the invocation alive.
    // A rent no longer than a round trip leaves no time for an answer: no look, no stay.
    const rent = unknown.length > 0
      ? rentMillis(policy, horizon, snapshot.executionArn, unknown, snapshot.shortestAnswerMillis)
      : 0
    const rentEnd = Math.min(idleSince + rent, cutoff)
    const lookAt = Math.max(warm, rentEnd - snapshot.roundTripMillis)
    const look: Array<string> = []
    if (rent > snapshot.roundTripMillis) {
      for (const op of snapshot.operations) {
        if (isWaiting(op.state) && op.wakeAt === undefined && (op.polledAt === undefined || op.polledAt < lookAt)) {
          look.push(op.id)
        }
      }
    }
    if (look.length > 0 && now >= lookAt) return { _tag: "Poll", ids: look }
    const hold = Math.max(warm, staysForKnown ? end : -Infinity, look.length > 0 ? rentEnd : -Infinity)
    if (now < hold) {
      const next = earliest(earliest(nextPoll, look.length > 0 ? lookAt : undefined), hold)!
      return { _tag: "Sleep", until: Math.min(next, cutoff) }
    }
    return { _tag: "Suspend", reason: suspendReason(snapshot.operations) }
  }

  // 4. Otherwise keep going: sleep until the next poll or the deadline cutoff.
  return { _tag: "Sleep", until: executing || waiting ? Math.min(earliest(nextPoll, cutoff)!, cutoff) : undefined }
}

/**
 * Since when the invocation has been idle (nothing executes, something waits,
 * no checkpoint queued): the last activity, if it is idle now; `undefined`
 * otherwise. `executing` counts executing operations not listed in
 * `operations` (see `Snapshot.executing`).
 *
 * @category decision
 * @since 0.1.0
 */
export const idleSince = (
  lastActivity: number,
  operations: ReadonlyArray<OperationView>,
  checkpointsDrained: boolean,
  executing = 0
): number | undefined =>
  checkpointsDrained && executing === 0 && operations.some((op) => isWaiting(op.state)) &&
    !operations.some((op) => op.state === "EXECUTING")
    ? lastActivity
    : undefined

/**
 * When to poll an operation again after `polls` unanswered polls: the poll
 * interval times the number of polls (the official SDK's back-off), or, with
 * a `pollBackoffRate` r, times r^(polls − 1); capped at `maxPollInterval`.
 *
 * @example
 * ```ts
 * Termination.nextPollAt(0, 3, Termination.cost) // 3_000
 * Termination.nextPollAt(0, 36, Termination.latency) // 40: about 1 s waited, 2 % of it
 * ```
 *
 * @category decision
 * @since 0.1.0
 */
export const nextPollAt = (now: number, polls: number, policy: Policy): number => {
  const n = Math.max(1, polls)
  const factor = policy.pollBackoffRate === undefined ? n : policy.pollBackoffRate ** (n - 1)
  return now + Math.min(Math.round(Duration.toMillis(policy.pollInterval) * factor), Duration.toMillis(policy.maxPollInterval))
}

/**
 * Whether the service will wake the function up for this operation if the
 * invocation ends with PENDING: a WAIT that runs (its end), a STEP waiting for
 * its next attempt (the retry timer), a CALLBACK or a CHAINED_INVOKE that runs
 * (their completion or timeout). An operation merely STARTED by the function
 * (a step attempt, a child context) wakes nothing up: PENDING on it alone
 * would leave the execution waiting for nothing.
 *
 * @category deadline
 * @since 0.1.0
 */
export const wakesUp = (operation: { readonly Type: OperationType; readonly Status: string }): boolean => {
  switch (operation.Type) {
    case "WAIT":
    case "CALLBACK":
    case "CHAINED_INVOKE":
      return operation.Status === "STARTED"
    case "STEP":
      return operation.Status === "PENDING"
    default:
      return false
  }
}

/**
 * How an invocation that cannot finish ends: with PENDING when the service
 * has something to wake the function up for (see {@link wakesUp}), otherwise
 * as a failed invocation, which Lambda retries. Never a timeout, never PENDING
 * with nothing to wake up for (the service refuses it, or waits forever).
 *
 * What the function knows of the service is only as fresh as its last answer:
 * while a checkpoint call is unanswered (`settled` false), the service may
 * have applied it and reported changes the function never saw (a callback
 * that completed meanwhile), so nothing it knows can vouch for a wake-up. It
 * fails, and the retried invocation starts from what the service really holds.
 *
 * @example
 * ```ts
 * Termination.endWithout([{ Type: "WAIT", Status: "STARTED" }]) // "Suspend"
 * Termination.endWithout([{ Type: "CONTEXT", Status: "STARTED" }]) // "Fail"
 * Termination.endWithout([{ Type: "WAIT", Status: "STARTED" }], false) // "Fail": a call is unanswered
 * ```
 *
 * @category deadline
 * @since 0.1.0
 */
export const endWithout = (
  operations: Iterable<{ readonly Type: OperationType; readonly Status: string }>,
  settled = true
): "Suspend" | "Fail" => {
  if (!settled) return "Fail"
  for (const operation of operations) if (wakesUp(operation)) return "Suspend"
  return "Fail"
}

/**
 * When the invocation-wide watchdog answers, whatever is still running or in
 * flight: a quarter of the deadline margin before the deadline (500 ms by
 * default), after the supervisor's own cut-offs (the margin, then half of it),
 * so that it only acts when they could not (a checkpoint call or a state read
 * that never returns, a final drain that hangs). Half of what is left is kept
 * for closing the invocation's scope (see {@link closeBy}).
 *
 * @category deadline
 * @since 0.1.0
 */
export const watchdogAt = (deadline: number, policy: Policy): number =>
  deadline - Duration.toMillis(policy.deadlineMargin) / 4

/**
 * The latest time to wait for the invocation's fibers to be interrupted and its
 * finalizers to run after the answer is known: an eighth of the margin before
 * the deadline. Past it, the answer is given anyway and the rest of the
 * clean-up goes on in the background.
 *
 * @category deadline
 * @since 0.1.0
 */
export const closeBy = (deadline: number, policy: Policy): number =>
  deadline - Duration.toMillis(policy.deadlineMargin) / 8
