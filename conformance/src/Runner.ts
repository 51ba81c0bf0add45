/**
 * Runs one requirement: its handler on a fresh emulator, on a virtual clock,
 * with the requirement's `CallbackActions` applied as the reference harness
 * applies them; then matches the execution's result, its history
 * (`GetDurableExecutionHistory`) and its logs against the requirement.
 *
 * @since 0.1.0
 */
import { Termination, type Wire } from "@effect-durable/core"
import { Emulator, History, LocalRunner } from "@effect-durable/testing"
import { Cause, Duration, Effect, Exit, FiberSet, Layer, Random } from "effect"
import { TestClock } from "effect/testing"
import type { Handler } from "./Handler.ts"
import * as Logs from "./Logs.ts"
import * as Matcher from "./Matcher.ts"
import * as Outside from "./Outside.ts"
import * as Requirement from "./Requirement.ts"

/**
 * The termination policies a requirement runs under.
 *
 * - `default`: effect-durable's default policy (`cost`), as users run it;
 * - `eager`: the `eager` policy, which suspends 20 ms after nothing runs, as
 *   the reference SDKs do (no wake-up is waited for in-process).
 *
 * @category models
 * @since 0.1.0
 */
export type PolicyName = "default" | "eager"

/**
 * The policy of each {@link PolicyName}.
 *
 * @category models
 * @since 0.1.0
 */
export const policies: Readonly<Record<PolicyName, Termination.PolicyInput | undefined>> = {
  default: undefined,
  eager: "eager"
}

/**
 * What one run of a requirement gave.
 *
 * @category models
 * @since 0.1.0
 */
export interface Run {
  readonly policy: PolicyName
  readonly passed: boolean
  /** Every difference found, in order (history, then result, then logs). */
  readonly mismatches: ReadonlyArray<Matcher.Mismatch>
  /** Why the run itself failed (the execution never ended, a handler is missing, ...). */
  readonly error: string | undefined
  readonly status: string | undefined
  readonly result: unknown
  readonly invocations: number
  readonly history: ReadonlyArray<History.Event>
  readonly logs: ReadonlyArray<Logs.LogRecord>
  /** The names the run bound (variables, then what matching bound). */
  readonly bindings: Readonly<Record<string, unknown>>
}

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly policy: PolicyName
  /** Seed of the `${GEN_STR:n}` variables. */
  readonly seed: number
}

/** `json.dumps` as the reference harness sends a callback result (`", "` and `": "` separators, ASCII only). */
export const pythonJson = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  }
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`
  return `{${
    Object.entries(value as Record<string, unknown>).map(([key, item]) => `${pythonJson(key)}: ${pythonJson(item)}`)
      .join(", ")
  }}`
}

const errorFields = ["ErrorType", "ErrorMessage", "ErrorData", "StackTrace"] as const

/**
 * Applies the requirement's `CallbackActions` to callbacks as they start: the
 * first unused action whose name matches (`'*'` matches any) is applied
 * `Delay` seconds after the callback started; a heartbeat leaves the callback
 * open to the next matching action, applied `Delay` seconds after it.
 */
const callbackActions = (
  emulator: Emulator.Emulator["Service"],
  actions: ReadonlyArray<Requirement.CallbackAction>,
  bindings: Matcher.Bindings,
  problems: Array<string>
) => {
  const used = new Set<number>()
  const take = (name: string | undefined): Requirement.CallbackAction | undefined => {
    const index = actions.findIndex((action, i) => {
      if (used.has(i)) return false
      const wanted = Matcher.substitute(action.callbackName, bindings)
      return wanted === "*" || wanted === name
    })
    if (index === -1) return undefined
    used.add(index)
    return actions[index]
  }
  return (name: string | undefined, callbackId: string): Effect.Effect<void> =>
    Effect.gen(function*() {
      while (true) {
        const action = take(name)
        if (action === undefined) {
          if (actions.length > 0 && used.size === 0) {
            problems.push(`No CallbackAction matches the callback "${name ?? "<anonymous>"}"`)
          }
          return
        }
        yield* Effect.sleep(Duration.seconds(action.delay))
        const payload = Matcher.substitute(action.payload, bindings)
        const sent = action.operation === "success"
          ? emulator.sendCallbackSuccess(callbackId, payload === null ? undefined : pythonJson(payload))
          : action.operation === "failure"
          ? emulator.sendCallbackFailure(callbackId, errorObjectOf(payload))
          : emulator.sendCallbackHeartbeat(callbackId)
        const exit = yield* Effect.exit(sent)
        if (Exit.isFailure(exit)) problems.push(`Callback ${action.operation} failed: ${Cause.pretty(exit.cause)}`)
        if (action.operation !== "heartbeat") return
      }
    })
}

const errorObjectOf = (payload: unknown): Wire.ErrorObject | undefined => {
  if (typeof payload !== "object" || payload === null) return undefined
  const fields: Record<string, unknown> = {}
  for (const key of errorFields) if (key in payload) fields[key] = (payload as Record<string, unknown>)[key]
  return Object.keys(fields).length === 0 ? undefined : fields as Wire.ErrorObject
}

const decodeResult = (raw: string | undefined): unknown => {
  if (raw === undefined) return null
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
}

/**
 * Runs a requirement once, under one policy, on its own emulator and virtual
 * clock.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (
  requirement: Requirement.Requirement,
  handler: Handler,
  options: Options
): Effect.Effect<Run> =>
  Effect.gen(function*() {
    const bindings = Requirement.bindVariables(requirement, options.seed)
    const emulator = yield* Emulator.Emulator
    const logs = yield* Logs.Logs
    const fibers = yield* FiberSet.make()
    const problems: Array<string> = []
    const onCallback = callbackActions(emulator, requirement.callbackActions, bindings, problems)

    const onEvent = (event: LocalRunner.Event): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (event._tag !== "Checkpointed") return
        for (const update of event.updates) {
          if (update.Type === "CALLBACK" && update.Action === "START") {
            const callbackId = event.operations.find((o) => o.Id === update.Id)?.CallbackDetails?.CallbackId
            if (callbackId !== undefined) yield* FiberSet.run(fibers, onCallback(update.Name, callbackId))
          }
        }
      })

    const input = { Input: Matcher.substitute(requirement.input, bindings) }
    // The handler's layer provides whatever its workflow needs besides the log stream.
    const policy = policies[options.policy]
    const running = LocalRunner.runUnderTestClock(handler.workflow, input, {
      ...(policy === undefined ? {} : { policy }),
      waitForExternal: true,
      functionName: `conformance-${requirement.suite}-${requirement.id}`.replace(/_/g, "-"),
      onEvent,
      ...(handler.functions === undefined ? {} : { functions: handler.functions }),
      maxInvocations: 200,
      horizon: "30 days"
    }).pipe(
      // Retry jitter draws from `Random`: seeded, so that a run can be repeated.
      Random.withSeed(options.seed ^ Requirement.hash(`${requirement.suite}/${requirement.id}`)),
      Effect.provide(handler.layer ?? Layer.empty)
    ) as Effect.Effect<
      unknown,
      LocalRunner.RunError | LocalRunner.HorizonExceededError,
      Emulator.Emulator | Logs.Logs | Outside.Outside
    >
    const outcome = yield* Effect.exit(running)

    const executions = yield* emulator.executions
    const execution = executions[0]
    const history = execution === undefined ? [] : History.fromExecution(execution)
    const records = yield* logs.records
    const error = Exit.isFailure(outcome) ? describe(outcome.cause) : undefined

    const mismatches: Array<Matcher.Mismatch> = [
      ...problems.map((message) => ({ path: "CallbackActions", message })),
      ...Matcher.matchHistory(requirement.expectedHistory, history, bindings)
    ]
    const status = execution?.status
    const result = decodeResult(execution?.result)
    const expected = requirement.expectedResult
    if (expected !== undefined && error === undefined) {
      if (expected.status !== undefined && status !== expected.status) {
        mismatches.push({
          path: "ExpectedResult.ExecutionStatus",
          message: `expected ${expected.status}, got ${status}${
            execution?.error === undefined ? "" : ` (${Matcher.show(execution.error)})`
          }`
        })
      } else if (status === "SUCCEEDED" && expected.hasResult) {
        const wanted = Matcher.substitute(expected.result, bindings)
        if (!Matcher.equals(wanted, result)) {
          mismatches.push({
            path: "ExpectedResult.Result",
            message: `expected ${Matcher.show(wanted)}, got ${Matcher.show(result)}`
          })
        }
      }
    }
    mismatches.push(...Matcher.matchLogs(requirement.expectedLogs, records, bindings))

    const bound: Record<string, unknown> = {}
    for (const [name, value] of bindings) bound[name] = value
    return {
      policy: options.policy,
      passed: error === undefined && mismatches.length === 0,
      mismatches,
      error,
      status,
      result,
      invocations: execution?.invocations ?? 0,
      history,
      logs: records,
      bindings: bound
    }
  }).pipe(
    Effect.scoped,
    Effect.provide(Layer.mergeAll(Emulator.Emulator.layer, Logs.layer, Outside.layer, TestClock.layer()))
  )
