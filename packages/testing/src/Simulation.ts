/**
 * Deterministic simulation testing of a workflow: runs it on the `Emulator`
 * under a `TestClock` of its own, many times, each time with a schedule of
 * faults drawn from a seed, and checks invariants after every run.
 *
 * The faults are what the service, the network and Lambda do to a durable
 * function: the invocation dies before or after a checkpoint call (a crash); a
 * checkpoint call fails with each error class, hangs, is slow, returns garbage,
 * loses its response or carries a stale token; a callback's answer comes
 * early (during the invocation), late, twice, or after its timeout; the service
 * re-invokes late; Lambda's deadline comes early.
 *
 * The invariants, checked after every run:
 *
 * - `at-most-once`: the code of an `AtMostOncePerRetry` step ran at most once
 *   per attempt (observed through `Instrumentation`'s attempts);
 * - `result`: the result equals the fault-free run's, or is a documented
 *   failure (a checkpoint the service rejected for the execution fails it; a
 *   step attempt cut short, by an early deadline or by an invocation that
 *   ended while an `AtMostOncePerRetry` step ran, is a failed attempt, which
 *   may exhaust its retries);
 * - `state`: the service's final state (the operations it would return:
 *   ids, types, names, statuses and checkpointed results) equals the
 *   fault-free run's, so what later code saw of each completed operation is
 *   what was checkpointed;
 * - `left-open`: no operation is left STARTED, PENDING or READY after the
 *   execution ends (except where the fault-free run leaves it so, or inside a
 *   completed context);
 * - `pending-with-nothing-pending`: no invocation answers PENDING when the
 *   service has nothing that would wake the function up;
 * - `deadline`: every invocation answers before its deadline;
 * - `history`: the emulator's history is a valid sequence of the service's
 *   transitions;
 * - `run`: the run itself ends (no stuck execution, no endless failures).
 *
 * A failing run is reported with its seed and schedule, shrunk to the
 * smallest schedule that still breaks the same invariant; rerunning with the
 * seed reproduces it exactly (everything runs on a fresh emulator and a fresh
 * `TestClock`).
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Simulation } from "@effect-durable/testing"
 *
 * it.effect("survives any crash", () => Simulation.exhaustive(OrderWorkflow, { orderId: "o-1" }))
 * it.effect("survives random faults", () => Simulation.random(OrderWorkflow, { orderId: "o-1" }, { runs: 100, seed: 7 }))
 * ```
 *
 * @since 0.1.0
 */
import { CheckpointClientError, classify } from "@effect-durable/core/CheckpointClient"
import * as Instrumentation from "@effect-durable/core/Instrumentation"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Duration, Effect, Exit, Layer, type LogLevel, Option, References, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Emulator, type Event, type Execution } from "./Emulator.ts"
import { describeCause } from "./internal/cause.ts"
import * as Ops from "./internal/operations.ts"
import * as Random from "./internal/random.ts"
import * as LocalRunner from "./LocalRunner.ts"

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

/**
 * The error classes a checkpoint call can fail with, as the service and the
 * network produce them: `throttled` (429), `server-error` (500), `network`
 * (no response) and `invalid-token` fail the invocation (Lambda retries it);
 * `invalid-parameter` (another 400) and `kms` (502) fail the execution.
 *
 * @category faults
 * @since 0.1.0
 */
export const ErrorClass = Schema.Literals([
  "throttled",
  "server-error",
  "network",
  "invalid-token",
  "invalid-parameter",
  "kms"
])
/** @since 0.1.0 */
export type ErrorClass = typeof ErrorClass.Type

/**
 * What a garbled checkpoint response looks like (the service applied the
 * call): no `CheckpointToken`, no `NewExecutionState`, `null`, an operation
 * moved back to STARTED, or a transport that dies with an object whose
 * getters throw.
 *
 * @category faults
 * @since 0.1.0
 */
export const GarbageKind = Schema.Literals(["no-token", "no-state", "null", "moved-back", "defect"])
/** @since 0.1.0 */
export type GarbageKind = typeof GarbageKind.Type

/**
 * One fault. Checkpoint calls are counted over the run, 1-based, failed and
 * retried ones included (`LocalRunner.CheckpointCall.attempt`); callbacks in
 * the order the service started them; invocations 1-based.
 *
 * @category faults
 * @since 0.1.0
 */
export const Fault = Schema.Union([
  /** The invocation dies before the call reaches the service. */
  Schema.TaggedStruct("CrashBefore", { call: Schema.Int }),
  /** The service applies the call; the invocation dies before it hears back. */
  Schema.TaggedStruct("CrashAfter", { call: Schema.Int }),
  /** The call fails (`times` calls in a row) without reaching the service. */
  Schema.TaggedStruct("CallFails", { call: Schema.Int, error: ErrorClass, times: Schema.Int }),
  /** The call never returns; `applied`: the service applied it. */
  Schema.TaggedStruct("CallHangs", { call: Schema.Int, applied: Schema.Boolean }),
  /** The call returns `millis` late. */
  Schema.TaggedStruct("CallSlow", { call: Schema.Int, millis: Schema.Int }),
  /** The service applies the call and the response arrives garbled. */
  Schema.TaggedStruct("Garbage", { call: Schema.Int, kind: GarbageKind }),
  /**
   * The service applies the call and the response is lost (a network error): the retry, with the same
   * `ClientToken` and the now consumed checkpoint token, must get the same answer, applied once.
   */
  Schema.TaggedStruct("ResponseLost", { call: Schema.Int }),
  /** The call carries the token of the previous call: the service refuses it. */
  Schema.TaggedStruct("StaleToken", { call: Schema.Int }),
  /** The callback's answer comes as soon as the callback started, during the invocation. */
  Schema.TaggedStruct("CallbackEarly", { callback: Schema.Int }),
  /** The callback's answer comes `millis` later than declared (still before its timeout). */
  Schema.TaggedStruct("CallbackLate", { callback: Schema.Int, millis: Schema.Int }),
  /** The callback's answer comes twice, `gapMillis` apart. */
  Schema.TaggedStruct("CallbackTwice", { callback: Schema.Int, gapMillis: Schema.Int }),
  /** The callback's answer comes after its timeout (the service refuses it). */
  Schema.TaggedStruct("CallbackAfterTimeout", { callback: Schema.Int }),
  /** The service invokes again `millis` later than due after this invocation. */
  Schema.TaggedStruct("ReinvokeLate", { invocation: Schema.Int, millis: Schema.Int }),
  /** Lambda gives this invocation only `millis`. */
  Schema.TaggedStruct("DeadlineEarly", { invocation: Schema.Int, millis: Schema.Int })
])
/** @since 0.1.0 */
export type Fault = typeof Fault.Type

/**
 * The kinds of faults.
 *
 * @category faults
 * @since 0.1.0
 */
export type FaultKind = Fault["_tag"]

/**
 * Every kind of fault.
 *
 * @category faults
 * @since 0.1.0
 */
export const faultKinds: ReadonlyArray<FaultKind> = [
  "CrashBefore",
  "CrashAfter",
  "CallFails",
  "CallHangs",
  "CallSlow",
  "Garbage",
  "ResponseLost",
  "StaleToken",
  "CallbackEarly",
  "CallbackLate",
  "CallbackTwice",
  "CallbackAfterTimeout",
  "ReinvokeLate",
  "DeadlineEarly"
]

/**
 * A schedule: the faults of one run.
 *
 * @category faults
 * @since 0.1.0
 */
export const Schedule = Schema.Array(Fault)
/** @since 0.1.0 */
export type Schedule = typeof Schedule.Type

const showSchedule = (schedule: Schedule): string => JSON.stringify(schedule)

const errorOf = (error: ErrorClass): CheckpointClientError => {
  const [statusCode, errorName, message] = (() => {
    switch (error) {
      case "throttled":
        return [429, "TooManyRequestsException", "Rate exceeded"] as const
      case "server-error":
        return [500, "ServiceException", "Internal service error"] as const
      case "network":
        return [undefined, "TimeoutError", "socket hang up"] as const
      case "invalid-token":
        return [400, "InvalidParameterValueException", "Invalid checkpoint token"] as const
      case "invalid-parameter":
        return [400, "InvalidParameterValueException", "Invalid update"] as const
      case "kms":
        return [502, "KMSAccessDeniedException", "KMS access denied"] as const
    }
  })()
  return new CheckpointClientError({
    message: `${message} (simulated)`,
    scope: classify({ statusCode, name: errorName, message }),
    ...(statusCode === undefined ? {} : { statusCode }),
    errorName
  })
}

/**
 * A garbled response. `known` holds the operations this invocation already saw end: moving one of them back is
 * a lie the function can tell (moving back an operation it never saw end is not: it would look like news).
 */
const garble = (
  kind: GarbageKind,
  response: Wire.CheckpointResponse,
  known: ReadonlySet<string>
): Effect.Effect<Wire.CheckpointResponse> => {
  switch (kind) {
    case "no-token":
      return Effect.succeed(
        response.NewExecutionState === undefined ? {} : { NewExecutionState: response.NewExecutionState }
      )
    case "no-state":
      return Effect.succeed(response.CheckpointToken === undefined ? {} : { CheckpointToken: response.CheckpointToken })
    case "null":
      return Effect.succeed(null as unknown as Wire.CheckpointResponse)
    case "moved-back": {
      const operations = response.NewExecutionState?.Operations ?? []
      const index = operations.findIndex((o) =>
        o.Type !== "EXECUTION" && Wire.isTerminalStatus(o.Status) && known.has(o.Id)
      )
      if (index < 0) return Effect.succeed(response)
      const moved = operations.map((o, i) => i === index ? { ...o, Status: "STARTED" as const } : o)
      return Effect.succeed({ ...response, NewExecutionState: { ...response.NewExecutionState, Operations: moved } })
    }
    case "defect":
      return Effect.die({
        get message(): string {
          throw new Error("a getter that throws")
        }
      })
  }
}

/** What a run needs to know to inject a schedule, and what it records. */
interface Injection {
  readonly faults: LocalRunner.Faults
  /** The faults that happened, in order. */
  readonly fired: Array<Fault>
  /** The ids of the callbacks whose answer came after their timeout. */
  readonly unanswered: Set<string>
  /** Checkpoint calls made, callbacks started (with their timeouts), invocations. */
  readonly shape: Shape
}

/** What a run looked like: the ranges faults are drawn in. */
interface Shape {
  calls: number
  invocations: number
  readonly callbacks: Array<{ readonly id: string; readonly timeoutMillis: number | undefined }>
}

const inject = (schedule: Schedule, unansweredIds: ReadonlySet<string> = new Set()): Injection => {
  const byCall = new Map<number, Fault>()
  const byCallback = new Map<number, Fault>()
  const reinvokes = new Map<number, Fault & { readonly _tag: "ReinvokeLate" }>()
  const deadlines = new Map<number, Fault & { readonly _tag: "DeadlineEarly" }>()
  for (const fault of schedule) {
    switch (fault._tag) {
      case "CallFails":
        for (let n = 0; n < Math.max(1, fault.times); n++) {
          if (!byCall.has(fault.call + n)) byCall.set(fault.call + n, fault)
        }
        break
      case "CrashBefore":
      case "CrashAfter":
      case "CallHangs":
      case "CallSlow":
      case "Garbage":
      case "ResponseLost":
      case "StaleToken":
        if (!byCall.has(fault.call)) byCall.set(fault.call, fault)
        break
      case "CallbackEarly":
      case "CallbackLate":
      case "CallbackTwice":
      case "CallbackAfterTimeout":
        if (!byCallback.has(fault.callback)) byCallback.set(fault.callback, fault)
        break
      case "ReinvokeLate":
        reinvokes.set(fault.invocation, fault)
        break
      case "DeadlineEarly":
        deadlines.set(fault.invocation, fault)
        break
    }
  }
  const fired: Array<Fault> = []
  const fire = (fault: Fault) => {
    if (!fired.includes(fault)) fired.push(fault)
  }
  const unanswered = new Set<string>()
  const shape: Shape = { calls: 0, invocations: 0, callbacks: [] }
  const tokens = new Map<number, string>()
  // The operations each invocation saw end in a response.
  const ended = new Map<number, Set<string>>()
  const endedIn = (invocation: number) => {
    let set = ended.get(invocation)
    if (set === undefined) ended.set(invocation, set = new Set())
    return set
  }
  const see = (invocation: number) => (response: Wire.CheckpointResponse) =>
    Effect.sync(() => {
      for (const operation of response?.NewExecutionState?.Operations ?? []) {
        if (Wire.isTerminalStatus(operation.Status)) endedIn(invocation).add(operation.Id)
      }
      return response
    })

  const faults: LocalRunner.Faults = {
    checkpoint: (call) => {
      shape.calls = Math.max(shape.calls, call.attempt)
      shape.invocations = Math.max(shape.invocations, call.invocation)
      const previous = tokens.get(call.invocation)
      tokens.set(call.invocation, call.request.CheckpointToken)
      const fault = byCall.get(call.attempt)
      if (fault === undefined) return Effect.flatMap(call.send(), see(call.invocation))
      fire(fault)
      switch (fault._tag) {
        case "CrashBefore":
          return call.crash(`crashed before checkpoint call ${call.attempt} (simulated)`)
        case "CrashAfter":
          return Effect.andThen(call.send(), call.crash(`crashed after checkpoint call ${call.attempt} (simulated)`))
        case "CallFails":
          return Effect.fail(errorOf(fault.error))
        case "CallHangs":
          return fault.applied ? Effect.andThen(call.send(), Effect.never) : Effect.never
        case "CallSlow":
          return Effect.delay(call.send(), Duration.millis(fault.millis))
        case "Garbage":
          return Effect.flatMap(call.send(), (response) => garble(fault.kind, response, endedIn(call.invocation)))
        case "ResponseLost":
          return Effect.andThen(call.send(), Effect.fail(errorOf("network")))
        case "StaleToken":
          return call.send({ ...call.request, CheckpointToken: previous ?? `${call.request.CheckpointToken}-stale` })
        default:
          return call.send()
      }
    },
    invocationTimeout: (n) => {
      shape.invocations = Math.max(shape.invocations, n)
      const fault = deadlines.get(n)
      if (fault === undefined) return undefined
      fire(fault)
      return Duration.millis(fault.millis)
    },
    reinvokeDelay: (n) => {
      const fault = reinvokes.get(n)
      if (fault === undefined) return undefined
      fire(fault)
      return Duration.millis(fault.millis)
    },
    deliveries: (delivery) => {
      if (delivery.kind !== "callback") return [delivery.after]
      const timeoutSeconds = delivery.update.CallbackOptions?.TimeoutSeconds
      const timeoutMillis = timeoutSeconds === undefined || timeoutSeconds <= 0 ? undefined : timeoutSeconds * 1000
      shape.callbacks.push({ id: delivery.update.Id, timeoutMillis })
      if (unansweredIds.has(delivery.update.Id)) return []
      const after = Duration.toMillis(delivery.after)
      const fault = byCallback.get(shape.callbacks.length)
      if (fault === undefined) return [after]
      // Before the timeout, with a second to spare (answers at the timeout's instant race it).
      const beforeTimeout = (millis: number) =>
        timeoutMillis === undefined ? millis : Math.max(0, Math.min(millis, timeoutMillis - 1000))
      switch (fault._tag) {
        case "CallbackEarly":
          fire(fault)
          return [0]
        case "CallbackLate":
          fire(fault)
          return [beforeTimeout(after + fault.millis)]
        case "CallbackTwice":
          fire(fault)
          return [after, after + fault.gapMillis]
        case "CallbackAfterTimeout":
          if (timeoutMillis === undefined) return [after]
          fire(fault)
          unanswered.add(delivery.update.Id)
          return [timeoutMillis + 1000]
        default:
          return [after]
      }
    }
  }
  return { faults, fired, unanswered, shape }
}

// ---------------------------------------------------------------------------
// Attempts
// ---------------------------------------------------------------------------

/**
 * The `at-most-once` invariant, as a pure function of the attempts a run
 * started (what `Instrumentation`'s `onAttemptStart` is told): the code of an
 * `AtMostOncePerRetry` step runs at most once per attempt, whatever happened
 * to the invocations. Returns one message per attempt that ran more than once.
 *
 * @example
 * ```ts
 * Simulation.checkAttempts([
 *   { id: "a1", name: "charge", attempt: 1, semantics: "AtMostOncePerRetry" },
 *   { id: "a1", name: "charge", attempt: 1, semantics: "AtMostOncePerRetry" }
 * ]) // ["the code of step a1 \"charge\" ran 2 times in attempt 1"]
 * ```
 *
 * @category invariants
 * @since 0.1.0
 */
export const checkAttempts = (
  attempts: ReadonlyArray<Pick<Instrumentation.AttemptInfo, "id" | "name" | "attempt" | "semantics">>
): ReadonlyArray<string> => {
  const runs = new Map<string, { readonly label: string; readonly attempt: number; count: number }>()
  for (const attempt of attempts) {
    if (attempt.semantics !== "AtMostOncePerRetry") continue
    const key = `${attempt.id}#${attempt.attempt}`
    const seen = runs.get(key)
    if (seen === undefined) {
      runs.set(key, { label: `${attempt.id}${attempt.name === undefined ? "" : ` "${attempt.name}"`}`, attempt: attempt.attempt, count: 1 })
    } else seen.count += 1
  }
  return [...runs.values()].filter((r) => r.count > 1).map((r) =>
    `the code of step ${r.label} ran ${r.count} times in attempt ${r.attempt}`
  )
}

/**
 * The instrumentation of a run: the context's own plugins (if any), and a
 * plugin that records the attempts.
 */
const recordAttempts = (attempts: Array<Instrumentation.AttemptInfo>) =>
  Effect.map(Effect.serviceOption(Instrumentation.Instrumentation), (existing): Instrumentation.Dispatch => {
    const ours = Instrumentation.make({ onAttemptStart: (attempt) => Effect.sync(() => void attempts.push(attempt)) })
    if (Option.isNone(existing)) return ours
    const theirs = existing.value
    const both: Record<string, (info: never) => Effect.Effect<void>> = {}
    for (const hook of Object.keys(ours) as Array<keyof Instrumentation.Dispatch>) {
      both[hook] = (info: never) => Effect.andThen(ours[hook](info), theirs[hook](info))
    }
    return both as unknown as Instrumentation.Dispatch
  })

// ---------------------------------------------------------------------------
// Options and reports
// ---------------------------------------------------------------------------

/**
 * Options of {@link exhaustive}, {@link random} and {@link replay}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<R = never, L = never> {
  /**
   * Services of the workflow built afresh for every run (fakes of the outside
   * world that keep state, an inbox): what it provides is not required from
   * the context.
   */
  readonly layer?: Layer.Layer<L> | undefined
  /** How callbacks are answered (see `LocalRunner.Options.callbacks`). The simulation moves the answers in time. */
  readonly callbacks?: LocalRunner.Options<R>["callbacks"]
  /** What answers chained invokes (see `LocalRunner.Options.functions`). */
  readonly functions?: LocalRunner.Options<R>["functions"]
  /** Termination policy overrides. */
  readonly policy?: Partial<Termination.Policy> | undefined
  /** How long Lambda gives an invocation when no fault says otherwise. Defaults to 15 minutes. */
  readonly invocationTimeout?: Duration.Input | undefined
  /** The kinds of faults drawn by {@link random}. Defaults to every kind. */
  readonly faults?: ReadonlyArray<FaultKind> | undefined
  /** At most this many faults in one run of {@link random}. Defaults to 3. */
  readonly maxFaults?: number | undefined
  /**
   * What of a run must equal the fault-free run's:
   *
   * - `"all"` (the default): the result (`result`), the final state: statuses
   *   and checkpointed results (`state`), and what is left open (`left-open`);
   * - `"result"`: the result only, for a workflow whose steps legitimately
   *   return something else each time (random ids, the time);
   * - `"none"`: nothing, for a workflow whose outcome depends on timing, such
   *   as a race (faults change which branch wins, and where the losers are
   *   left): the other invariants still hold.
   */
  readonly compare?: "all" | "result" | "none" | undefined
  /** The least severe log records the workflow writes that are kept. Defaults to `"None"`: runs are silent. */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /** At most this many runs spent shrinking one failing schedule. Defaults to 60. */
  readonly maxShrinkRuns?: number | undefined
}

/**
 * Options of {@link random}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RandomOptions<R = never, L = never> extends Options<R, L> {
  /** How many runs (each with its own schedule). */
  readonly runs: number
  /** The seed of the first run (the others' are derived from it). Defaults to one derived from the workflow's name. */
  readonly seed?: number | undefined
}

/**
 * The invariants checked after every run.
 *
 * @category models
 * @since 0.1.0
 */
export type Invariant =
  | "at-most-once"
  | "result"
  | "state"
  | "left-open"
  | "pending-with-nothing-pending"
  | "deadline"
  | "history"
  | "run"

/**
 * One broken invariant.
 *
 * @category models
 * @since 0.1.0
 */
export interface Violation {
  readonly invariant: Invariant
  readonly message: string
}

/**
 * One run: its schedule, the faults that happened, and what broke.
 *
 * @category models
 * @since 0.1.0
 */
export interface Run {
  /** The seed the schedule was drawn from (`undefined` for an explicit schedule). */
  readonly seed: number | undefined
  readonly schedule: Schedule
  /** The faults of the schedule that happened, in order. */
  readonly fired: ReadonlyArray<Fault>
  readonly violations: ReadonlyArray<Violation>
  /** How the run ended: the execution's status, or the run's error. */
  readonly outcome: string
  readonly invocations: number
  /** Attempts of steps' code (and `waitForCondition` checks) the run started. */
  readonly attempts: number
}

/**
 * A run that broke an invariant, with its schedule shrunk.
 *
 * @category models
 * @since 0.1.0
 */
export interface Failure {
  /** 0-based index of the run in the series. */
  readonly index: number
  readonly run: Run
  /** The smallest schedule found that still breaks one of the same invariants, and what it breaks. */
  readonly shrunk: Run
}

/**
 * What a simulation did.
 *
 * @category models
 * @since 0.1.0
 */
export interface Report {
  readonly workflow: string
  readonly runs: number
  /** Faults that happened, over all runs. */
  readonly faults: number
  /** Faults that happened, by kind. */
  readonly byKind: Readonly<Record<string, number>>
  readonly failures: ReadonlyArray<Failure>
}

/**
 * Some runs broke an invariant. The message gives, for each, its seed, its
 * schedule and the shrunk schedule, and how to reproduce it.
 *
 * @category errors
 * @since 0.1.0
 */
export class SimulationError extends Schema.TaggedError<SimulationError>()("SimulationError", {
  message: Schema.String,
  workflow: Schema.String,
  /** The seeds of the failing runs. */
  seeds: Schema.Array(Schema.Number),
  /** What the simulation did, when it got as far as running faults. */
  report: Schema.optionalKey(Schema.declare((u): u is Report => typeof u === "object" && u !== null))
}) {}

// ---------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------

interface Observed {
  readonly exit: Exit.Exit<LocalRunner.Result<unknown>, LocalRunner.RunError | LocalRunner.HorizonExceededError>
  readonly execution: Execution
  readonly injection: Injection
  /** The attempts of steps (and checks) the run started. */
  readonly attempts: ReadonlyArray<Instrumentation.AttemptInfo>
}

const execute = <W extends Workflow.Any, R, L>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  schedule: Schedule,
  options: Options<R, L>,
  unanswered?: ReadonlySet<string>
): Effect.Effect<Observed, never, Needs<W, R, L>> => {
  const injection = inject(schedule, unanswered)
  const attempts: Array<Instrumentation.AttemptInfo> = []
  return Effect.gen(function*() {
    const emulator = yield* Emulator
    const exit = yield* Effect.exit(LocalRunner.runUnderTestClock(workflow, input, {
      callbacks: options.callbacks,
      functions: options.functions,
      policy: options.policy,
      invocationTimeout: options.invocationTimeout,
      // Every fault may fail an invocation (a failing call as many as it fails): room for all of them.
      maxConsecutiveFailures: schedule.reduce((n, f) => n + (f._tag === "CallFails" ? Math.max(1, f.times) : 1), 3),
      maxInvocations: 200,
      faults: injection.faults
    }))
    const [execution] = yield* emulator.executions
    return { exit, execution: execution!, injection, attempts } satisfies Observed
  }).pipe(
    Effect.provideServiceEffect(Instrumentation.Instrumentation, recordAttempts(attempts)),
    Effect.provideService(References.MinimumLogLevel, options.logLevel ?? "None"),
    Effect.provide([Emulator.layer, TestClock.layer(), options.layer ?? Layer.empty])
  ) as Effect.Effect<Observed, never, Needs<W, R, L>>
}

/** What a simulation of `W` needs from the context: its services, less what the per-run layer provides. */
type Needs<W, R, L> = Exclude<Workflow.Services<W> | LocalRunner.ServicesOf<R>, L>

const outcomeOf = (observed: Observed): string =>
  Exit.isSuccess(observed.exit) ? observed.execution.status : describeCause(observed.exit.cause)


// ---------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------

const isOpen = (operation: Wire.Operation): boolean =>
  operation.Type !== "EXECUTION" &&
  (operation.Status === "STARTED" || operation.Status === "PENDING" || operation.Status === "READY")

/** The operations the service would return as state: no descendant of a completed context. */
const serviceState = (execution: Execution): ReadonlyArray<Wire.Operation> =>
  Ops.prune(new Map(execution.operations.map((o) => [o.Id, o])))

const resultOf = (operation: Wire.Operation): string | undefined =>
  operation.StepDetails?.Result ?? operation.ContextDetails?.Result ?? operation.CallbackDetails?.Result ??
    operation.ChainedInvokeDetails?.Result

const identity = (operation: Wire.Operation): string =>
  JSON.stringify([
    operation.Type === "EXECUTION" ? "" : operation.Id,
    operation.ParentId ?? null,
    operation.Type,
    operation.SubType ?? null,
    operation.Name ?? null
  ])

const sameOutcome = (a: Execution, b: Execution): boolean =>
  a.status === b.status && a.result === b.result &&
  JSON.stringify([a.error?.ErrorType, a.error?.ErrorMessage, a.error?.ErrorData]) ===
    JSON.stringify([b.error?.ErrorType, b.error?.ErrorMessage, b.error?.ErrorData])

const showOutcome = (execution: Execution): string =>
  execution.status === "SUCCEEDED"
    ? `SUCCEEDED ${execution.result ?? ""}`
    : `${execution.status} ${execution.error?.ErrorType ?? ""}: ${execution.error?.ErrorMessage ?? ""}`

/**
 * Whether a result that differs from the fault-free run's is a documented
 * failure of the faults that happened.
 */
const documented = (execution: Execution, fired: ReadonlyArray<Fault>): boolean => {
  if (execution.status !== "FAILED") return false
  const error = execution.error ?? {}
  const executionScoped = fired.some((f) =>
    f._tag === "CallFails" && (f.error === "invalid-parameter" || f.error === "kms")
  )
  if (executionScoped && error.ErrorType === "CheckpointFailedError") return true
  // An attempt cut short (by the deadline, or by an invocation that ended while an AtMostOncePerRetry step
  // was STARTED) is a failed attempt, which may exhaust the step's retries.
  return fired.length > 0 && /interrupt/i.test(`${error.ErrorType} ${error.ErrorMessage} ${error.ErrorData ?? ""}`)
}

const allowed: Record<string, ReadonlyArray<string>> = {
  STEP: ["STARTED", "PENDING", "READY", "SUCCEEDED", "FAILED"],
  WAIT: ["STARTED", "SUCCEEDED", "CANCELLED"],
  CALLBACK: ["STARTED", "SUCCEEDED", "FAILED", "TIMED_OUT"],
  CHAINED_INVOKE: ["STARTED", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"],
  CONTEXT: ["STARTED", "SUCCEEDED", "FAILED"],
  EXECUTION: ["STARTED", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"]
}

/** The transitions the service makes, per operation type: from a status, the statuses it may move to. */
const transitions: Record<string, Record<string, ReadonlyArray<string>>> = {
  STEP: {
    STARTED: ["PENDING", "SUCCEEDED", "FAILED"],
    PENDING: ["READY", "STARTED", "SUCCEEDED", "FAILED"],
    READY: ["STARTED", "PENDING", "SUCCEEDED", "FAILED"]
  },
  WAIT: { STARTED: ["SUCCEEDED", "CANCELLED"] },
  CALLBACK: { STARTED: ["SUCCEEDED", "FAILED", "TIMED_OUT"] },
  CHAINED_INVOKE: { STARTED: ["SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"] },
  CONTEXT: { STARTED: ["SUCCEEDED", "FAILED"] },
  EXECUTION: { STARTED: ["SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"] }
}

/**
 * Checks that a history is a valid sequence of the service's transitions:
 * invocations one at a time, each started once and ended once; checkpoints
 * only during an invocation and before the end; every operation keeps its
 * identity and moves only along its type's transitions (no change after a
 * terminal status, a step's attempts never go down). Pure.
 *
 * @category invariants
 * @since 0.1.0
 */
export const checkHistory = (history: ReadonlyArray<Event>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const operations = new Map<string, Wire.Operation>()
  let open: number | undefined
  let ended = false
  let last = -Infinity
  const see = (operation: Wire.Operation, where: string) => {
    const previous = operations.get(operation.Id)
    const label = `${operation.Type} ${operation.Id}${operation.Name === undefined ? "" : ` "${operation.Name}"`}`
    if (!(allowed[operation.Type] ?? []).includes(operation.Status)) {
      problems.push(`${where}: ${label} has status ${operation.Status}, which a ${operation.Type} never has`)
    }
    if (previous !== undefined) {
      if (identity(previous) !== identity(operation)) problems.push(`${where}: ${label} changed its identity`)
      if (previous.Status !== operation.Status) {
        const next = transitions[operation.Type]?.[previous.Status] ?? []
        if (!next.includes(operation.Status)) {
          problems.push(`${where}: ${label} moved from ${previous.Status} to ${operation.Status}`)
        }
      }
      const attempts = [previous.StepDetails?.Attempt ?? 0, operation.StepDetails?.Attempt ?? 0]
      if (attempts[1]! < attempts[0]!) problems.push(`${where}: ${label}'s attempt went from ${attempts[0]} to ${attempts[1]}`)
    }
    operations.set(operation.Id, operation)
  }
  for (const [index, event] of history.entries()) {
    const where = `event ${index + 1} (${event._tag})`
    if (event.at < last) problems.push(`${where}: time went back`)
    last = event.at
    switch (event._tag) {
      case "ExecutionStarted":
        if (index !== 0) problems.push(`${where}: not the first event`)
        break
      case "InvocationStarted":
        if (ended) problems.push(`${where}: the execution had ended`)
        open = event.invocation
        break
      case "Checkpointed":
        if (ended) problems.push(`${where}: the execution had ended`)
        if (open === undefined || event.invocation !== open) {
          problems.push(`${where}: no invocation ${event.invocation} was running`)
        }
        for (const operation of event.operations) see(operation, where)
        break
      case "OperationsUpdated":
        if (ended) problems.push(`${where}: the execution had ended`)
        for (const operation of event.operations) see(operation, where)
        break
      case "InvocationCompleted":
      case "InvocationAbandoned":
        if (event.invocation !== open) problems.push(`${where}: invocation ${event.invocation} was not running`)
        open = undefined
        break
      case "ExecutionCompleted":
        if (ended) problems.push(`${where}: the execution ended twice`)
        ended = true
        break
      case "CheckpointRejected":
        break
    }
  }
  return problems
}

interface Reference {
  readonly execution: Execution
  readonly shape: Shape
}

const check = (observed: Observed, reference: Reference | undefined, options: Options<any, any>): Array<Violation> => {
  const violations: Array<Violation> = []
  const { execution, injection } = observed
  const add = (invariant: Invariant, message: string) => violations.push({ invariant, message })

  for (const event of execution.history) {
    if (event._tag === "InvocationCompleted" && event.error !== undefined) {
      add(
        event.output.Status === "PENDING" ? "pending-with-nothing-pending" : "run",
        `invocation ${event.invocation} answered ${event.output.Status} and the service refused it: ${event.error}`
      )
    }
    if (event._tag === "InvocationAbandoned" && /timed out/i.test(event.reason)) {
      add("deadline", `invocation ${event.invocation} did not answer before its deadline: ${event.reason}`)
    }
  }
  for (const problem of checkHistory(execution.history)) add("history", problem)
  for (const problem of checkAttempts(observed.attempts)) add("at-most-once", problem)

  if (Exit.isFailure(observed.exit)) {
    const refused = violations.some((v) => v.invariant === "pending-with-nothing-pending" || v.invariant === "run")
    if (!refused) add("run", `the run failed: ${describeCause(observed.exit.cause)}`)
    return violations
  }
  if (execution.status === "RUNNING") {
    add("run", "the run ended with the execution still RUNNING")
    return violations
  }

  const compare = options.compare ?? "all"
  if (reference !== undefined && compare !== "none") {
    const expected = reference.execution
    const same = sameOutcome(execution, expected)
    if (!same && !documented(execution, injection.fired)) {
      add("result", `ended ${showOutcome(execution)}; the fault-free run ended ${showOutcome(expected)}`)
    }
    // Only a run that ended as the reference did has the reference's state to compare with.
    if (same && compare === "all") {
      const theirs = new Map(serviceState(expected).map((o) => [identity(o), o]))
      const ours = serviceState(execution)
      {
        for (const operation of ours) {
          const other = theirs.get(identity(operation))
          const label = `${operation.Type} ${operation.Id}${operation.Name === undefined ? "" : ` "${operation.Name}"`}`
          if (other === undefined) add("state", `${label} is not in the fault-free run's state`)
          else if (other.Status !== operation.Status) {
            add("state", `${label} ended ${operation.Status}; in the fault-free run ${other.Status}`)
          } else if (resultOf(other) !== resultOf(operation)) {
            add("state", `${label} checkpointed ${resultOf(operation)}; in the fault-free run ${resultOf(other)}`)
          }
          theirs.delete(identity(operation))
        }
        for (const missing of theirs.values()) {
          add("state", `${missing.Type} ${missing.Id} "${missing.Name ?? ""}" of the fault-free run's state is missing`)
        }
      }
      const openInReference = new Set(serviceState(expected).filter(isOpen).map(identity))
      for (const operation of ours.filter(isOpen)) {
        if (!openInReference.has(identity(operation))) {
          add("left-open", `${operation.Type} ${operation.Id} "${operation.Name ?? ""}" is still ${operation.Status}`)
        }
      }
    }
  }
  return violations
}

// ---------------------------------------------------------------------------
// Series
// ---------------------------------------------------------------------------

/** Runs the fault-free reference (of a scenario: callbacks left unanswered). */
const referenceOf = <W extends Workflow.Any, R, L>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: Options<R, L>,
  unanswered: ReadonlySet<string> = new Set()
) =>
  Effect.gen(function*() {
    const observed = yield* execute(workflow, input, [], options, unanswered)
    const violations = check(observed, undefined, options)
    if (violations.length > 0 || Exit.isFailure(observed.exit)) {
      const message = violations.map((v) => `${v.invariant}: ${v.message}`).join("; ")
      return yield* new SimulationError({
        message: `The fault-free run of "${workflow.name}"${
          unanswered.size > 0 ? ` (with ${unanswered.size} callback(s) unanswered)` : ""
        } already fails: ${message}`,
        workflow: workflow.name,
        seeds: []
      })
    }
    return { execution: observed.execution, shape: observed.injection.shape } satisfies Reference
  })

/** A simulation's state across runs: the references of the scenarios seen so far. */
const makeSession = <W extends Workflow.Any, R, L>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: Options<R, L>,
  reference: Reference
) => {
  const scenarios = new Map<string, Reference>([["", reference]])
  const runSchedule = (schedule: Schedule, seed: number | undefined) =>
    Effect.gen(function*() {
      const observed = yield* execute(workflow, input, schedule, options)
      const key = [...observed.injection.unanswered].sort().join(",")
      let expected = scenarios.get(key)
      if (expected === undefined) {
        expected = yield* referenceOf(workflow, input, options, observed.injection.unanswered)
        scenarios.set(key, expected)
      }
      const run: Run = {
        seed,
        schedule,
        fired: observed.injection.fired,
        violations: check(observed, expected, options),
        outcome: outcomeOf(observed),
        invocations: observed.execution.invocations,
        attempts: observed.attempts.length
      }
      return run
    })

  /** Removes faults, then simplifies them, while one of the same invariants still breaks. */
  const shrink = (failing: Run) =>
    Effect.gen(function*() {
      const broken = new Set(failing.violations.map((v) => v.invariant))
      const breaks = (run: Run) => run.violations.some((v) => broken.has(v.invariant))
      let budget = options.maxShrinkRuns ?? 60
      let best = failing
      // Only the faults that happened matter.
      const fired = failing.schedule.filter((f) => failing.fired.includes(f))
      if (fired.length < failing.schedule.length && budget > 0) {
        budget--
        const candidate = yield* runSchedule(fired, undefined)
        if (breaks(candidate)) best = candidate
      }
      let progress = true
      while (progress && budget > 0) {
        progress = false
        for (let i = 0; i < best.schedule.length && budget > 0; i++) {
          const candidates = [
            best.schedule.filter((_, j) => j !== i),
            ...simpler(best.schedule[i]!).map((f) => best.schedule.map((g, j) => (j === i ? f : g)))
          ]
          for (const schedule of candidates) {
            if (budget <= 0) break
            budget--
            const candidate = yield* runSchedule(schedule, undefined)
            if (breaks(candidate)) {
              best = candidate
              progress = true
              break
            }
          }
          if (progress) break
        }
      }
      return best
    })

  return { runSchedule, shrink }
}

/** Simpler versions of a fault, to try while shrinking. */
const simpler = (fault: Fault): ReadonlyArray<Fault> => {
  switch (fault._tag) {
    case "CallFails":
      return fault.times > 1 ? [{ ...fault, times: 1 }] : []
    case "CallSlow":
    case "CallbackLate":
    case "ReinvokeLate":
      return fault.millis > 1000 ? [{ ...fault, millis: Math.floor(fault.millis / 10) }] : []
    case "CallbackTwice":
      return fault.gapMillis > 0 ? [{ ...fault, gapMillis: 0 }] : []
    default:
      return []
  }
}

const drawFault = (rng: Random.Random, shape: Shape, kinds: ReadonlyArray<FaultKind>): Fault | undefined => {
  const callbacksWithTimeout = shape.callbacks.flatMap((c, i) => (c.timeoutMillis === undefined ? [] : [i + 1]))
  const applicable = kinds.filter((kind) =>
    kind.startsWith("Callback")
      ? shape.callbacks.length > 0 && (kind !== "CallbackAfterTimeout" || callbacksWithTimeout.length > 0)
      : true
  )
  if (applicable.length === 0) return undefined
  const call = () => rng.int(1, Math.max(1, shape.calls + 2))
  const callback = () => rng.int(1, shape.callbacks.length)
  const invocation = () => rng.int(1, Math.max(1, shape.invocations + 1))
  const kind = rng.pick(applicable)
  switch (kind) {
    case "CrashBefore":
    case "CrashAfter":
    case "ResponseLost":
    case "StaleToken":
      return { _tag: kind, call: call() }
    case "CallFails":
      return {
        _tag: kind,
        call: call(),
        error: rng.pick(ErrorClass.literals),
        times: rng.chance(0.2) ? rng.int(2, 6) : 1
      }
    case "CallHangs":
      return { _tag: kind, call: call(), applied: rng.chance(0.5) }
    case "CallSlow":
      return { _tag: kind, call: call(), millis: rng.pick([50, 500, 2_000, 30_000, 600_000, 1_200_000]) }
    case "Garbage":
      return { _tag: kind, call: call(), kind: rng.pick(GarbageKind.literals) }
    case "CallbackEarly":
      return { _tag: kind, callback: callback() }
    case "CallbackLate":
      return { _tag: kind, callback: callback(), millis: rng.pick([1_000, 60_000, 3_600_000, 86_400_000]) }
    case "CallbackTwice":
      return { _tag: kind, callback: callback(), gapMillis: rng.pick([0, 1_000, 3_600_000]) }
    case "CallbackAfterTimeout":
      return { _tag: kind, callback: rng.pick(callbacksWithTimeout) }
    case "ReinvokeLate":
      return { _tag: kind, invocation: invocation(), millis: rng.pick([1_000, 60_000, 3_600_000]) }
    case "DeadlineEarly":
      return { _tag: kind, invocation: invocation(), millis: rng.pick([2_500, 5_000, 30_000, 120_000]) }
  }
}

/**
 * The schedule of the run with this seed: 1 to `maxFaults` faults, drawn in
 * the ranges of the fault-free run (its checkpoint calls, invocations and
 * callbacks). Pure: the same seed and shape give the same schedule.
 *
 * @category faults
 * @since 0.1.0
 */
export const draw = (
  seed: number,
  shape: { readonly calls: number; readonly invocations: number; readonly callbacks: ReadonlyArray<{ readonly timeoutMillis: number | undefined }> },
  options: { readonly faults?: ReadonlyArray<FaultKind> | undefined; readonly maxFaults?: number | undefined } = {}
): Schedule => {
  const rng = Random.make(seed)
  const count = rng.int(1, Math.max(1, options.maxFaults ?? 3))
  const schedule: Array<Fault> = []
  const shapeOf: Shape = { calls: shape.calls, invocations: shape.invocations, callbacks: shape.callbacks.map((c, i) => ({ id: String(i), ...c })) }
  for (let i = 0; i < count; i++) {
    const fault = drawFault(rng, shapeOf, options.faults ?? faultKinds)
    if (fault !== undefined) schedule.push(fault)
  }
  return schedule
}

const seedOfName = (name: string): number => {
  let h = 2166136261
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619)
  return h >>> 0
}

const report = (workflow: Workflow.Any, runs: ReadonlyArray<Run>, failures: ReadonlyArray<Failure>): Report => {
  const byKind: Record<string, number> = {}
  let faults = 0
  for (const run of runs) {
    for (const fault of run.fired) {
      faults++
      byKind[fault._tag] = (byKind[fault._tag] ?? 0) + 1
    }
  }
  return { workflow: workflow.name, runs: runs.length, faults, byKind, failures }
}

const showRun = (run: Run): string =>
  run.violations.map((v) => `    ${v.invariant}: ${v.message}`).join("\n")

const failWith = (workflow: Workflow.Any, result: Report, how: (failure: Failure) => string) => {
  const lines = [
    `Simulation of "${workflow.name}": ${result.failures.length} of ${result.runs} runs broke an invariant.`,
    ...result.failures.flatMap((failure) => [
      "",
      `run ${failure.index}${failure.run.seed === undefined ? "" : `, seed ${failure.run.seed}`}: ${how(failure)}`,
      showRun(failure.run),
      `  schedule (${failure.run.schedule.length} faults, ${failure.run.fired.length} happened): ${
        showSchedule(failure.run.schedule)
      }`,
      `  shrunk to ${failure.shrunk.schedule.length} fault(s): ${showSchedule(failure.shrunk.schedule)}`,
      `    replay it with Simulation.replay(workflow, input, ${showSchedule(failure.shrunk.schedule)})`,
      showRun(failure.shrunk)
    ])
  ]
  return Effect.fail(
    new SimulationError({
      message: lines.join("\n"),
      workflow: workflow.name,
      seeds: result.failures.flatMap((f) => (f.run.seed === undefined ? [] : [f.run.seed])),
      report: result
    })
  )
}

/**
 * Runs the workflow once with an explicit schedule and reports what broke
 * (without failing): the way to replay a shrunk schedule.
 *
 * @example
 * ```ts
 * const run = yield* Simulation.replay(OrderWorkflow, input, [{ _tag: "CallHangs", call: 4, applied: true }])
 * assert.deepStrictEqual(run.violations, [])
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const replay = <W extends Workflow.Any, R = never, L = never>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  schedule: Schedule,
  options: Options<R, L> = {}
): Effect.Effect<Run, SimulationError, Needs<W, R, L>> =>
  Effect.gen(function*() {
    const reference = yield* referenceOf(workflow, input, options)
    return yield* makeSession(workflow, input, options, reference).runSchedule(schedule, undefined)
  })

/**
 * A crash at every checkpoint boundary, one run each: before and after each
 * checkpoint call of the fault-free run. Fails with a {@link SimulationError}
 * if any run breaks an invariant.
 *
 * @example
 * ```ts
 * it.effect("survives a crash anywhere", () => Simulation.exhaustive(OrderWorkflow, { orderId: "o-1" }))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const exhaustive = <W extends Workflow.Any, R = never, L = never>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: Options<R, L> = {}
): Effect.Effect<Report, SimulationError, Needs<W, R, L>> =>
  Effect.gen(function*() {
    const reference = yield* referenceOf(workflow, input, options)
    const session = makeSession(workflow, input, options, reference)
    const runs: Array<Run> = []
    const failures: Array<Failure> = []
    for (let call = 1; call <= reference.shape.calls; call++) {
      for (const fault of [{ _tag: "CrashBefore", call }, { _tag: "CrashAfter", call }] as const) {
        const run = yield* session.runSchedule([fault], undefined)
        if (run.violations.length > 0) failures.push({ index: runs.length, run, shrunk: run })
        runs.push(run)
      }
    }
    const result = report(workflow, runs, failures)
    if (failures.length > 0) {
      return yield* failWith(workflow, result, (f) => `${f.run.schedule[0]!._tag} checkpoint call ${(f.run.schedule[0] as { call: number }).call}`)
    }
    return result
  })

/**
 * `runs` runs, each with a schedule drawn from its own seed (the first run's
 * is `seed`). A run that breaks an invariant is shrunk; the simulation then
 * fails with a {@link SimulationError} giving each failing run's seed (rerun
 * with `{ seed, runs: 1 }` to reproduce it exactly) and shrunk schedule.
 *
 * @example
 * ```ts
 * it.effect("survives random faults", () =>
 *   Simulation.random(ExpenseApproval, expense, {
 *     runs: 200,
 *     seed: 42,
 *     callbacks: { "manager-approval": { succeed: { approved: true }, after: "1 day" } }
 *   }))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const random = <W extends Workflow.Any, R = never, L = never>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: RandomOptions<R, L>
): Effect.Effect<Report, SimulationError, Needs<W, R, L>> =>
  Effect.gen(function*() {
    const reference = yield* referenceOf(workflow, input, options)
    const session = makeSession(workflow, input, options, reference)
    const seed = options.seed ?? seedOfName(workflow.name)
    const runs: Array<Run> = []
    const failures: Array<Failure> = []
    for (let index = 0; index < options.runs; index++) {
      const runSeed = Random.seedOf(seed, index)
      const schedule = draw(runSeed, reference.shape, options)
      const run = yield* session.runSchedule(schedule, runSeed)
      runs.push(run)
      if (run.violations.length > 0) {
        failures.push({ index, run, shrunk: yield* session.shrink(run) })
      }
    }
    const result = report(workflow, runs, failures)
    if (failures.length > 0) {
      return yield* failWith(
        workflow,
        result,
        (f) => `reproduce with Simulation.random(workflow, input, { ...options, runs: 1, seed: ${f.run.seed} })`
      )
    }
    return result
  })
