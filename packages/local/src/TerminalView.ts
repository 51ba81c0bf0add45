/**
 * The terminal view of the local durable service: one line per thing that
 * happens, as `run` and `dev` print it.
 *
 * - each invocation as it starts, and how it ends: its answer and, for an
 *   early end, the supervisor's termination reason and what the execution now
 *   waits for;
 * - each operation as it starts and ends (attempts, retries with their delay,
 *   waits with their end, contexts, batch items, chained invokes);
 * - what the service does by itself (a wait ends, a step becomes ready for its
 *   next attempt, a callback is completed or times out);
 * - each pending callback, with the command that completes it.
 *
 * The formatting is pure ({@link Formatter}: events in, lines out); {@link follow}
 * prints the events of the `Emulator` in context as they happen.
 *
 * @example
 * ```ts
 * import { TerminalView } from "@effect-durable/local"
 *
 * // prints until the execution ends
 * yield* TerminalView.follow({ arn })
 * ```
 *
 * @since 0.1.0
 */
import type * as Wire from "@effect-durable/core/Wire"
import { Emulator, type Event, type Execution } from "@effect-durable/testing/Emulator"
import { Console, Effect, PubSub } from "effect"
import * as Timeline from "./Timeline.ts"
import { formatDuration } from "./TimelineSvg.ts"

/**
 * Options of the view.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** ANSI colours. Defaults to false. */
  readonly color?: boolean | undefined
  /** Prefix each line with the execution's name (for `dev`, where executions interleave). Defaults to false. */
  readonly prefix?: boolean | undefined
  /** How to run the CLI, in the commands it suggests. Defaults to `npx effect-durable`. */
  readonly command?: string | undefined
}

interface Known {
  readonly name: string | undefined
  readonly type: string
  readonly subType: string | undefined
  readonly parentId: string | undefined
}

interface ExecutionState {
  readonly name: string
  readonly origin: number
  readonly operations: Map<string, Known>
  /** Attempts of each step so far, and whether one is in progress. */
  readonly attempts: Map<string, { count: number; open: boolean }>
}

const styles = {
  dim: "\x1b[2m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  blue: "\x1b[34m",
  magenta: "\x1b[35m",
  cyan: "\x1b[36m",
  reset: "\x1b[0m"
} as const

const short = (s: string | undefined, n = 120): string => {
  if (s === undefined) return ""
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

const toMillis = (value: unknown): number | undefined => value instanceof Date ? value.getTime() : Timeline.toMillis(value)

const describeError = (error: Wire.ErrorObject | undefined): string =>
  error === undefined ? "" : `${error.ErrorType ?? "Error"}: ${short(error.ErrorMessage ?? "", 160)}`

/**
 * Turns emulator events into lines. Keeps what it needs across events (each
 * execution's name, start time and operation names), so feed it every event,
 * in order.
 *
 * @example
 * ```ts
 * const formatter = new TerminalView.Formatter()
 * for (const event of execution.history) for (const line of formatter.lines(event)) console.log(line)
 * ```
 *
 * @category formatting
 * @since 0.1.0
 */
export class Formatter {
  private readonly executions = new Map<string, ExecutionState>()
  private readonly options: Options

  constructor(options: Options = {}) {
    this.options = options
  }

  private paint(style: keyof typeof styles, text: string): string {
    return this.options.color === true ? `${styles[style]}${text}${styles.reset}` : text
  }

  private state(arn: string, at: number): ExecutionState {
    let state = this.executions.get(arn)
    if (state === undefined) {
      const name = arn.split("/durable-execution/")[1]?.split("/")[0] ?? arn
      state = { name, origin: at, operations: new Map(), attempts: new Map() }
      this.executions.set(arn, state)
    }
    return state
  }

  private learn(state: ExecutionState, operation: { readonly Id: string; readonly Name?: string | undefined; readonly Type: string; readonly SubType?: string | undefined; readonly ParentId?: string | undefined }) {
    if (operation.Type === "EXECUTION" || state.operations.has(operation.Id)) return
    state.operations.set(operation.Id, {
      name: operation.Name,
      type: operation.Type,
      subType: operation.SubType,
      parentId: operation.ParentId
    })
  }

  /** `step "charge"`, `callback "approve"` (an unnamed callback goes by its waitForCallback's name). */
  private label(state: ExecutionState, id: string, fallbackType?: string): string {
    const op = state.operations.get(id)
    const type = op?.type ?? fallbackType ?? "operation"
    const parent = op?.parentId === undefined ? undefined : state.operations.get(op.parentId)
    const kind = op?.subType !== undefined && !["Step", "Wait", "Callback", "ChainedInvoke"].includes(op.subType)
      ? op.subType
      : type === "CHAINED_INVOKE"
      ? "invoke"
      : type.toLowerCase()
    const name = op?.name ??
      (parent?.subType === "WaitForCallback" ? `${parent.name ?? ""}${type === "STEP" ? " submitter" : ""}` : undefined)
    return name === undefined || name === "" ? `${kind} ${id}` : `${kind} "${name}"`
  }

  private line(state: ExecutionState, at: number, indent: number, text: string): string {
    const stamp = this.paint("dim", `[+${((at - state.origin) / 1000).toFixed(3)}s]`)
    const prefix = this.options.prefix === true ? `${this.paint("cyan", state.name)} ` : ""
    return `${stamp} ${prefix}${"  ".repeat(indent)}${text}`
  }

  /** The attempt a step update is about: a START opens the next one; an end closes the open one (or the next). */
  private attempt(state: ExecutionState, update: Wire.OperationUpdate): number {
    const known = state.attempts.get(update.Id) ?? { count: 0, open: false }
    state.attempts.set(update.Id, known)
    if (update.Action === "START" || !known.open) known.count += 1
    known.open = update.Action === "START"
    return known.count
  }

  private update(state: ExecutionState, update: Wire.OperationUpdate, operations: ReadonlyArray<Wire.Operation>): string | undefined {
    const op = operations.find((o) => o.Id === update.Id)
    const what = this.label(state, update.Id, update.Type)
    const attempt = update.Type === "STEP" ? this.attempt(state, update) : 0
    switch (`${update.Type} ${update.Action}`) {
      case "STEP START":
        return `▸ ${what} starts attempt ${attempt}`
      case "STEP SUCCEED":
        return this.paint("green", `✓ ${what} succeeded`) + (update.Payload === undefined ? "" : ` → ${short(update.Payload)}`)
      case "STEP FAIL":
        return this.paint("red", `✗ ${what} failed: ${describeError(update.Error)}`)
      case "STEP RETRY":
        return this.paint("yellow", `↻ ${what} attempt ${attempt} failed: ${describeError(update.Error)}`) +
          ` · retry in ${update.StepOptions?.NextAttemptDelaySeconds ?? "?"} s`
      case "WAIT START": {
        const end = toMillis(op?.WaitDetails?.ScheduledEndTimestamp)
        return `⏸ ${what} for ${formatDuration((update.WaitOptions?.WaitSeconds ?? 0) * 1000)}${
          end === undefined ? "" : ` (until +${((end - state.origin) / 1000).toFixed(3)}s)`
        }`
      }
      case "WAIT CANCEL":
        return `⊘ ${what} cancelled`
      case "CALLBACK START": {
        const callbackId = op?.CallbackDetails?.CallbackId
        const timeout = update.CallbackOptions?.TimeoutSeconds
        return this.paint("yellow", `⏳ ${what} is waiting for its callback ${callbackId ?? ""}`) +
          (timeout !== undefined && timeout > 0 ? ` (times out in ${formatDuration(timeout * 1000)})` : "")
      }
      case "CALLBACK CANCEL":
        return `⊘ ${what} cancelled`
      case "CONTEXT START":
        return `▸ ${what} starts`
      case "CONTEXT SUCCEED":
        return this.paint("green", `✓ ${what} succeeded`)
      case "CONTEXT FAIL":
        return this.paint("red", `✗ ${what} failed: ${describeError(update.Error)}`)
      case "CHAINED_INVOKE START":
        return `▸ ${what} invokes ${update.ChainedInvokeOptions?.FunctionName ?? "a function"}`
      case "CHAINED_INVOKE CANCEL":
        return `⊘ ${what} stopped`
      default:
        return undefined
    }
  }

  private serviceChange(state: ExecutionState, operation: Wire.Operation): string | undefined {
    const what = this.label(state, operation.Id, operation.Type)
    switch (`${operation.Type} ${operation.Status}`) {
      case "WAIT SUCCEEDED":
        return `⏰ ${what} is over`
      case "STEP READY":
        return `↻ ${what} is ready for attempt ${(state.attempts.get(operation.Id)?.count ?? 0) + 1}`
      case "CALLBACK SUCCEEDED":
        return this.paint("green", `✓ ${what} completed`) +
          (operation.CallbackDetails?.Result === undefined ? "" : ` → ${short(operation.CallbackDetails.Result)}`)
      case "CALLBACK FAILED":
        return this.paint("red", `✗ ${what} failed: ${describeError(operation.CallbackDetails?.Error)}`)
      case "CALLBACK TIMED_OUT":
        return this.paint("red", `⏱ ${what} timed out`)
      default:
        return operation.Type === "CHAINED_INVOKE"
          ? `${operation.Status === "SUCCEEDED" ? "✓" : "✗"} ${what} ended: ${operation.Status}`
          : undefined
    }
  }

  /**
   * The lines of one event. `execution` (the snapshot right after it) adds
   * what the execution waits for to the end of an invocation.
   */
  lines(event: Event | { readonly _tag: string; readonly arn: string; readonly at: number }, execution?: Execution | undefined): ReadonlyArray<string> {
    const e = event as Event
    const state = this.state(e.arn, e.at)
    const command = this.options.command ?? "npx effect-durable"
    switch (e._tag) {
      case "ExecutionStarted":
        return [this.line(state, e.at, 0, `${this.paint("bold", `▶ execution ${state.name} started`)}${e.input === undefined ? "" : ` with input ${short(e.input)}`}`)]
      case "InvocationStarted":
        return [this.line(state, e.at, 0, this.paint("blue", `invocation #${e.invocation} starts`) + this.paint("dim", ` (${e.operationCount} operation${e.operationCount === 1 ? "" : "s"} to replay)`))]
      case "Checkpointed": {
        for (const op of e.operations) this.learn(state, op)
        for (const update of e.updates) this.learn(state, { ...update, Type: update.Type })
        const out: Array<string> = []
        for (const update of e.updates) {
          const text = this.update(state, update, e.operations)
          if (text !== undefined) out.push(this.line(state, e.at, 1, text))
          if (update.Type === "CALLBACK" && update.Action === "START") {
            const callbackId = e.operations.find((o) => o.Id === update.Id)?.CallbackDetails?.CallbackId
            if (callbackId !== undefined) {
              // an id that starts with "-" (AWS hands some out) comes after "--", or it reads as a flag
              const id = callbackId.startsWith("-") ? `-- ${callbackId}` : callbackId
              out.push(this.line(state, e.at, 2, this.paint("dim", `complete it: ${command} callback succeed ${id} '<json>'   (or: callback fail ${id} '<error>')`)))
            }
          }
        }
        return out
      }
      case "OperationsUpdated":
        return e.operations.flatMap((operation) => {
          this.learn(state, operation)
          const text = this.serviceChange(state, operation)
          return text === undefined ? [] : [this.line(state, e.at, 1, text)]
        })
      case "CheckpointRejected":
        return [this.line(state, e.at, 1, this.paint("red", `checkpoint rejected: ${e.error.message}`))]
      case "InvocationCompleted": {
        const status = e.output.Status
        const reason = e.reason === undefined ? "" : ` (${e.reason})`
        const painted = status === "PENDING" ? this.paint("yellow", `PENDING${reason}`) : status === "SUCCEEDED"
          ? this.paint("green", status)
          : this.paint("red", `${status}${e.output.Error === undefined ? "" : `: ${describeError(e.output.Error)}`}`)
        const head = this.line(state, e.at, 0, `invocation #${e.invocation} ends: ${painted}${e.error === undefined ? "" : this.paint("red", ` — refused: ${e.error}`)}`)
        if (status !== "PENDING" || execution === undefined) return [head]
        const timeline = Timeline.fromExecution(execution, { now: e.at })
        const waiting = Timeline.waitingAt(timeline.operations, e.at, state.origin)
        return waiting.length === 0 ? [head] : [head, this.line(state, e.at, 1, this.paint("dim", `waiting for ${waiting.join("; ")}`))]
      }
      case "InvocationAbandoned":
        return [this.line(state, e.at, 0, this.paint("red", `invocation #${e.invocation} abandoned: ${e.reason}`))]
      case "ExecutionCompleted": {
        const text = e.status === "SUCCEEDED"
          ? this.paint("green", `■ execution ${state.name} SUCCEEDED`) + (e.result === undefined ? "" : ` → ${short(e.result, 400)}`)
          : this.paint("red", `■ execution ${state.name} ${e.status}${e.error === undefined ? "" : `: ${describeError(e.error)}`}`)
        return [this.line(state, e.at, 0, text)]
      }
      default:
        return []
    }
  }
}

/**
 * Options of {@link follow}.
 *
 * @category models
 * @since 0.1.0
 */
export interface FollowOptions extends Options {
  /** Only this execution (from its first event); returns when it ends. Otherwise every execution, forever. */
  readonly arn?: string | undefined
  /** Where lines go. Defaults to `Console.log`. */
  readonly write?: ((line: string) => Effect.Effect<void>) | undefined
}

/**
 * Prints the events of the `Emulator` in context as they happen: one
 * execution from its start until it ends, or every execution for as long as
 * it runs.
 *
 * @category running
 * @since 0.1.0
 */
export const follow = Effect.fnUntraced(function*(options: FollowOptions = {}) {
  const emulator = yield* Emulator
  const formatter = new Formatter(options)
  const write = options.write ?? ((line: string) => Console.log(line))
  const print = (event: Event) =>
    Effect.gen(function*() {
      const snapshot = event._tag === "InvocationCompleted" && event.output.Status === "PENDING"
        ? yield* Effect.orDie(emulator.execution(event.arn))
        : undefined
      for (const line of formatter.lines(event, snapshot)) yield* write(line)
    })
  return yield* Effect.scoped(Effect.gen(function*() {
    // subscribed before reading the history: nothing is missed; an event of both (the same object) is printed once
    const subscription = yield* emulator.subscribe
    const printed = new WeakSet<Event>()
    if (options.arn !== undefined) {
      const past = yield* emulator.history(options.arn)
      for (const event of past) {
        printed.add(event)
        yield* print(event)
      }
      if (past.some((event) => event._tag === "ExecutionCompleted")) return
    }
    while (true) {
      const event = yield* PubSub.take(subscription)
      if (printed.has(event) || (options.arn !== undefined && event.arn !== options.arn)) continue
      yield* print(event)
      if (options.arn !== undefined && event._tag === "ExecutionCompleted") return
    }
  }))
})
