/**
 * Runs a workflow end to end against the in-memory `Emulator`, the way Lambda
 * and the durable execution service would: invoke, let the invocation
 * checkpoint, record its answer, sleep until the service has something to do,
 * invoke again, until the execution ends.
 *
 * Everything is timed with Effect's `Clock`, so under a `TestClock` a workflow
 * that waits for days runs in milliseconds (see {@link runUnderTestClock}).
 *
 * The outside world is played in two ways:
 *
 * - declared answers: `callbacks` answers callbacks by name, `functions`
 *   answers chained invokes by function name (a fixed answer, an Effect, or a
 *   workflow run as a child execution), as the official runner's
 *   `registerFunction`;
 * - handles: {@link start} runs the workflow in the background and returns a
 *   {@link Running}, whose operation handles wait for an operation to reach a
 *   status and succeed, fail or heartbeat its callback (or answer its chained
 *   invoke), as the official runner's `getOperation(name).waitForData(...)`.
 *
 * Invocations can be made to "crash" after chosen checkpoints, and every
 * checkpoint call can be intercepted (`faults`), which proves that replay picks
 * up correctly wherever a container dies or the network misbehaves.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Durable } from "@effect-durable/core"
 * import { Emulator, LocalRunner } from "@effect-durable/testing"
 *
 * const Double = Durable.workflow(
 *   { name: "double", input: Schema.Number, output: Schema.Number },
 *   (n) => Durable.step("double", Effect.succeed(n * 2))
 * )
 *
 * const program = LocalRunner.run(Double, 21).pipe(Effect.provide(Emulator.Emulator.layer))
 * // => { status: "SUCCEEDED", output: 42, ... }
 * ```
 *
 * @since 0.1.0
 */
import { CheckpointClient, CheckpointClientError } from "@effect-durable/core/CheckpointClient"
import type { DurableContext } from "@effect-durable/core/DurableContext"
import type { SerdesFailedError } from "@effect-durable/core/DurableError"
import * as Invocation from "@effect-durable/core/Invocation"
import * as Payload from "@effect-durable/core/Payload"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Predicate,
  PubSub,
  Ref,
  Scheduler,
  Schema,
  type Scope
} from "effect"
import { TestClock } from "effect/testing"
import {
  Emulator,
  type Event as EmulatorEvent,
  type Execution,
  type ExecutionAlreadyStartedError,
  type ExecutionNotFoundError,
  type ExecutionNotRunningError,
  type InvalidInvocationOutputError,
  type InvalidStartError
} from "./Emulator.ts"
import * as AbsoluteClock from "./AbsoluteClock.ts"
import { describeCause } from "./internal/cause.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The input type of a workflow.
 *
 * @category models
 * @since 0.1.0
 */
export type InputOf<W> = W extends Workflow.Workflow<infer I, any, any, any> ? I : never

/**
 * The output type of a workflow.
 *
 * @category models
 * @since 0.1.0
 */
export type OutputOf<W> = W extends Workflow.Workflow<any, infer O, any, any> ? O : never

/**
 * The runner went to sleep until the service's next wake-up (or an external
 * completion: an answer, a handle).
 *
 * @category events
 * @since 0.1.0
 */
export interface Sleeping {
  readonly _tag: "Sleeping"
  readonly arn: string
  readonly at: number
  /** Epoch ms of the next timer, if any. */
  readonly until: number | undefined
}

/**
 * What `onEvent` receives, in order: every event of the emulator (invocation
 * started, checkpoints, service-made changes, answers, abandoned invocations)
 * and the runner's own `Sleeping`.
 *
 * @category events
 * @since 0.1.0
 */
export type Event = EmulatorEvent | Sleeping

/**
 * How one invocation ended.
 *
 * - `SUCCEEDED` / `FAILED` / `PENDING`: the function answered;
 * - `crashed`: the runner killed it (`crashAfterCheckpoints`, or a fault);
 * - `failed`: it ended with an error, which Lambda retries;
 * - `timedOut`: it ran past its timeout (`invocationTimeout`) and was
 *   interrupted, as Lambda does: the function did not answer in time.
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome = "SUCCEEDED" | "FAILED" | "PENDING" | "crashed" | "failed" | "timedOut"

/**
 * One invocation, as the runner saw it.
 *
 * @category models
 * @since 0.1.0
 */
export interface InvocationRecord {
  /** 1-based. */
  readonly index: number
  readonly startedAt: number
  readonly endedAt: number
  /** Epoch ms at which Lambda would have ended it (its start plus its timeout). */
  readonly deadline: number
  readonly outcome: Outcome
  /** Accepted checkpoint calls made by this invocation. */
  readonly checkpointCalls: number
  /** Why the invocation failed (for `failed`, `timedOut`, `crashed`). */
  readonly error?: string
}

interface ResultBase {
  readonly arn: string
  /** Every operation, unpruned, in creation order. */
  readonly operations: ReadonlyArray<Wire.Operation>
  readonly invocations: ReadonlyArray<InvocationRecord>
  /** Accepted checkpoint calls over the whole run. */
  readonly checkpointCalls: number
  /** The emulator's full snapshot of the execution. */
  readonly execution: Execution
}

/**
 * The end of a run: the decoded output, or the error object of an execution
 * that failed, was stopped or timed out, with everything recorded on the way.
 *
 * @category models
 * @since 0.1.0
 */
export type Result<O> =
  | (ResultBase & { readonly status: "SUCCEEDED"; readonly output: O })
  | (ResultBase & { readonly status: "FAILED" | "STOPPED" | "TIMED_OUT"; readonly error: Wire.ErrorObject })

/**
 * An error, as a test writes it: a message, an `Error` (or a tagged error:
 * its `_tag` or name becomes the `ErrorType`), or the wire object itself.
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorInput = string | Error | Wire.ErrorObject

/**
 * A fixed answer of the outside world to a callback or a chained invoke, and
 * how long after the operation started it comes (immediately by default).
 *
 * - `{ succeed: value }`: the callback succeeds (`SendDurableExecutionCallbackSuccess`)
 *   or the invoked function returns `value`. A string is sent as it is (it is
 *   the payload on the wire); any other value is sent as JSON.
 * - `{ fail: error }`: the callback fails, or the invoked function fails;
 *   `status` makes a chained invoke end `TIMED_OUT` or `STOPPED` instead.
 *
 * @example
 * ```ts
 * LocalRunner.runUnderTestClock(ExpenseApproval, expense, {
 *   callbacks: { "manager-approval": { succeed: { approved: true }, after: "1 day" } },
 *   functions: { payments: { fail: { ErrorType: "CardDeclined", ErrorMessage: "insufficient funds" } } }
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Answer =
  | { readonly succeed: unknown; readonly after?: Duration.Input | undefined }
  | {
    readonly fail: ErrorInput
    readonly status?: "FAILED" | "TIMED_OUT" | "STOPPED" | undefined
    readonly after?: Duration.Input | undefined
  }

/**
 * What answers a chained invoke of a function (the official runner's
 * `registerFunction` / `registerDurableFunction`):
 *
 * - an {@link Answer};
 * - a plain function: an Effect of the decoded JSON input whose success is
 *   the result (sent as JSON) and whose failure is the error;
 * - a durable workflow, run as a child execution on the same emulator (with
 *   the same `functions` and `callbacks`): its outcome completes the invoke.
 *
 * @example
 * ```ts
 * functions: {
 *   payments: (request) => Effect.succeed({ paymentId: "pay-1" }),
 *   "fulfilment:live": FulfilmentWorkflow
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Target<R = never> =
  | Answer
  | Workflow.Workflow<any, any, any, R>
  | ((input: unknown) => Effect.Effect<unknown, unknown, R>)

/**
 * One checkpoint call of an invocation, given to `faults.checkpoint`.
 *
 * @category faults
 * @since 0.1.0
 */
export interface CheckpointCall {
  /** 1-based, counted over the run: every call, failed ones included. */
  readonly attempt: number
  /** The invocation making the call (1-based). */
  readonly invocation: number
  /** Checkpoint calls the service accepted before this one, over the run. */
  readonly accepted: number
  readonly request: Wire.CheckpointRequest
  /**
   * Sends a request (this call's by default) to the service, as the network
   * would deliver it, and returns what the service answered. May be called
   * more than once (a retry), or not at all (the call is lost).
   */
  readonly send: (request?: Wire.CheckpointRequest) => Effect.Effect<Wire.CheckpointResponse, CheckpointClientError>
  /** Kills the invocation now, as if its container died: the call never returns. */
  readonly crash: (reason: string) => Effect.Effect<never>
}

/**
 * One `GetDurableExecutionState` call of an invocation, given to `faults.state`.
 *
 * @category faults
 * @since 0.1.0
 */
export interface StateCall {
  readonly invocation: number
  readonly request: Wire.GetStateRequest
  readonly send: (request?: Wire.GetStateRequest) => Effect.Effect<Wire.GetStateResponse, CheckpointClientError>
  readonly crash: (reason: string) => Effect.Effect<never>
}

/**
 * One answer on its way to a callback or a chained invoke, given to
 * `faults.deliveries`.
 *
 * @category faults
 * @since 0.1.0
 */
export interface Delivery {
  readonly kind: "callback" | "invoke"
  /** The callback's name (for `waitForCallback`, the name of its context), or the invoked function's. */
  readonly name: string
  /** The START update of the operation, as the service accepted it. */
  readonly update: Wire.OperationUpdate
  readonly answer: Answer
  /** When the answer is due, after the operation started (its `after`). */
  readonly after: Duration.Duration
}

/**
 * Hooks on everything between the function and the service, to inject faults
 * (this is what `Simulation` drives). Each hook is deterministic as long as
 * what it returns depends only on its arguments.
 *
 * @category faults
 * @since 0.1.0
 */
export interface Faults {
  /**
   * What happens to each checkpoint call: by default `call.send()`. Return
   * `call.crash(...)`, fail with a `CheckpointClientError`, never return
   * (`Effect.never`: a hung call), delay, or change the request or the
   * response.
   */
  readonly checkpoint?: ((call: CheckpointCall) => Effect.Effect<Wire.CheckpointResponse, CheckpointClientError>) | undefined
  /** The same for `GetDurableExecutionState` calls (paging through a large state). */
  readonly state?: ((call: StateCall) => Effect.Effect<Wire.GetStateResponse, CheckpointClientError>) | undefined
  /** How long Lambda gives invocation `n` (1-based), overriding `invocationTimeout`. */
  readonly invocationTimeout?: ((invocation: number) => Duration.Input | undefined) | undefined
  /** How much later than due the service invokes again after invocation `n` ended. */
  readonly reinvokeDelay?: ((invocation: number) => Duration.Input | undefined) | undefined
  /**
   * When an answer is delivered, as delays after the operation started: by
   * default `[delivery.after]`. Two delays deliver it twice; none, never.
   */
  readonly deliveries?: ((delivery: Delivery) => ReadonlyArray<Duration.Input>) | undefined
}

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<R = never> {
  /** How long Lambda lets one invocation run before killing it. Defaults to 15 minutes. */
  readonly invocationTimeout?: Duration.Input | undefined
  /** Give up after this many invocations. Defaults to 1000. */
  readonly maxInvocations?: number | undefined
  /** Give up after this many invocations in a row ended in `failed`, `timedOut` or `crashed`. Defaults to 3. */
  readonly maxConsecutiveFailures?: number | undefined
  /**
   * Answers to callbacks, by name: a callback's own name, or for
   * `waitForCallback` the name of the call. A callback without an answer
   * stays open until a handle completes it or it times out.
   */
  readonly callbacks?: Readonly<Record<string, Answer>> | undefined
  /**
   * What answers chained invokes, by function name: the exact `FunctionName`
   * the workflow invokes, or the function's name in it (`payments` matches
   * `arn:aws:lambda:eu-west-1:123456789012:function:payments:live`).
   */
  readonly functions?: Readonly<Record<string, Target<R>>> | undefined
  /**
   * Kill the running invocation right after the k-th accepted checkpoint call
   * of the execution (1-based, counted over the whole run), as if its container
   * died, then invoke again.
   */
  readonly crashAfterCheckpoints?: ReadonlyArray<number> | undefined
  /**
   * When the execution is PENDING on callbacks or chained invokes that no
   * declared answer covers, wait for them to be completed from outside (through
   * the `Emulator`) instead of failing with a `StuckError`. Defaults to `false`
   * for {@link run} and {@link runUnderTestClock}, `true` for {@link start}
   * (its handles complete them).
   */
  readonly waitForExternal?: boolean | undefined
  /** Called in order with every event, as it happens. */
  readonly onEvent?: ((event: Event) => Effect.Effect<void>) | undefined
  /** The function name in the ARN. Defaults to the workflow's name, made ARN-safe. */
  readonly functionName?: string | undefined
  /** The durable execution name. */
  readonly executionName?: string | undefined
  /** The termination policy (a name, or a name with overrides), passed to `Invocation.handle`. */
  readonly policy?: Termination.PolicyInput | undefined
  /**
   * Fault injection: called before each checkpoint call reaches the emulator
   * (`attempt` counts the calls of the run, 1-based, failed ones included);
   * returning an error makes that call fail with it, as the service or the
   * network would. (`faults.checkpoint` can do anything else.)
   *
   * @example
   * ```ts
   * LocalRunner.run(workflow, input, {
   *   injectFault: ({ attempt }) =>
   *     attempt === 2 ? new CheckpointClientError({ message: "throttled", scope: "INVOCATION", statusCode: 429 }) : undefined
   * })
   * ```
   */
  readonly injectFault?:
    | ((call: {
      readonly attempt: number
      readonly invocation: number
      readonly request: Wire.CheckpointRequest
    }) => CheckpointClientError | undefined)
    | undefined
  /**
   * Response alteration: called with every response the service gave to a
   * checkpoint call (after the emulator applied it); what it returns is what
   * the invocation receives. Use it to deliver what a real service or proxy
   * might, e.g. a response without `CheckpointToken`.
   *
   * @example
   * ```ts
   * LocalRunner.run(workflow, input, {
   *   alterResponse: ({ attempt, response }) => attempt === 2 ? { NewExecutionState: response.NewExecutionState ?? {} } : response
   * })
   * ```
   */
  readonly alterResponse?:
    | ((call: {
      readonly attempt: number
      readonly invocation: number
      readonly request: Wire.CheckpointRequest
      readonly response: Wire.CheckpointResponse
    }) => Wire.CheckpointResponse)
    | undefined
  /** Hooks on every call, timeout and delivery, to inject faults. See {@link Faults}. */
  readonly faults?: Faults | undefined
  /**
   * The `CheckpointClient` the invocations talk to, in place of the emulator's
   * own: e.g. `LambdaCheckpointClient` over a `LambdaApiServer` serving the
   * same emulator, to run the whole stack over HTTP. Crashes, faults and
   * response alterations apply to it as they do to the emulator's client.
   */
  readonly client?: CheckpointClient["Service"] | undefined
}

/**
 * The services the declared functions of the options need (their workflow
 * bodies' and their Effects', less the durable context).
 *
 * @category models
 * @since 0.1.0
 */
export type ServicesOf<R> = Exclude<R, DurableContext>

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The function answered PENDING, but nothing will ever wake the execution up:
 * no timer, no pending change, no declared answer on its way, and (unless
 * `waitForExternal`) no callback or chained invoke is awaited.
 *
 * @category errors
 * @since 0.1.0
 */
export class StuckError extends Schema.TaggedError<StuckError>()("StuckError", {
  arn: Schema.String,
  message: Schema.String
}) {}

/**
 * The run made `maxInvocations` invocations without the execution ending.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvocationLimitError extends Schema.TaggedError<InvocationLimitError>()("InvocationLimitError", {
  arn: Schema.String,
  invocations: Schema.Number,
  message: Schema.String
}) {}

/**
 * `maxConsecutiveFailures` invocations in a row failed or timed out.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvocationFailedError extends Schema.TaggedError<InvocationFailedError>()("InvocationFailedError", {
  arn: Schema.String,
  message: Schema.String,
  errors: Schema.Array(Schema.String)
}) {}

/**
 * `runUnderTestClock` advanced the `TestClock` to its horizon and the run had
 * still not ended.
 *
 * @category errors
 * @since 0.1.0
 */
export class HorizonExceededError extends Schema.TaggedError<HorizonExceededError>()("HorizonExceededError", {
  message: Schema.String
}) {}

/**
 * An {@link OperationHandle} could not do what it was asked: the run or the
 * execution ended before the operation reached the status, the operation is
 * not a callback or a chained invoke, or the service refused the completion
 * (a callback already closed, ...).
 *
 * @category errors
 * @since 0.1.0
 */
export class OperationHandleError extends Schema.TaggedError<OperationHandleError>()("OperationHandleError", {
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * Every way a run can fail.
 *
 * @category errors
 * @since 0.1.0
 */
export type RunError =
  | StuckError
  | InvocationLimitError
  | InvocationFailedError
  | SerdesFailedError
  | InvalidStartError
  | ExecutionAlreadyStartedError
  | InvalidInvocationOutputError
  | ExecutionNotFoundError
  | ExecutionNotRunningError

// ---------------------------------------------------------------------------
// Crashing on purpose
// ---------------------------------------------------------------------------

/**
 * How the running invocation can be killed from inside: provided by the runner
 * to each invocation it runs.
 *
 * @category crashes
 * @since 0.1.0
 */
export const Crash: Context.Reference<{ readonly crash: Effect.Effect<never> }> = Context.Reference(
  "@effect-durable/testing/LocalRunner/Crash",
  {
    defaultValue: () => ({
      crash: Effect.die(new Error("LocalRunner.crash is only available in a workflow run by LocalRunner"))
    })
  }
)

/**
 * Kills the running invocation on the spot, as if its Lambda container died
 * (the process exited): nothing more is checkpointed, the invocation is
 * recorded as crashed (`Runtime.ExitError`), and the runner invokes again, as
 * the service would. Call it from a step's code to test what a crash in the
 * middle of an attempt does, e.g. to an `AtMostOncePerRetry` step.
 *
 * @example
 * ```ts
 * Durable.step("charge", Effect.gen(function*() {
 *   const { attempt } = yield* Durable.StepContext
 *   if (attempt === 1) return yield* LocalRunner.crash
 *   return "charged"
 * }), { semantics: "AtMostOncePerRetry" })
 * ```
 *
 * @category crashes
 * @since 0.1.0
 */
export const crash: Effect.Effect<never> = Effect.gen(function*() {
  return yield* (yield* Crash).crash
})

// ---------------------------------------------------------------------------
// The outside world: declared answers
// ---------------------------------------------------------------------------

const functionNameOf = (name: string): string => {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 64)
  return safe.length === 0 ? "durable-function" : safe
}

/** A payload on the wire: a string as it is, anything else as JSON. */
const toPayload = (value: unknown): string | undefined =>
  value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value)

const toErrorObject = (error: ErrorInput): Wire.ErrorObject =>
  typeof error === "string"
    ? { ErrorMessage: error }
    : error instanceof Error
    ? { ErrorType: Payload.errorTypeOf(error), ErrorMessage: Payload.errorMessageOf(error) }
    : error

const isAnswer = (target: unknown): target is Answer =>
  Predicate.isObject(target) && ("succeed" in target || "fail" in target)

const isWorkflow = (target: unknown): target is Workflow.Any =>
  Predicate.isObject(target) && "body" in target && typeof target.body === "function"

/** The function's name in a `FunctionName`: an ARN's `function:<name>[:<qualifier>]`, or `<name>[:<qualifier>]`. */
const bareFunctionName = (functionName: string): string => {
  const parts = functionName.split(":")
  const at = parts.indexOf("function")
  return at >= 0 && at + 1 < parts.length ? parts[at + 1]! : parts[0]!
}

const targetOf = <R>(
  functions: Readonly<Record<string, Target<R>>> | undefined,
  functionName: string
): readonly [string, Target<R>] | undefined => {
  if (functions === undefined) return undefined
  if (Object.hasOwn(functions, functionName)) return [functionName, functions[functionName]!]
  const name = bareFunctionName(functionName)
  return Object.hasOwn(functions, name) ? [name, functions[name]!] : undefined
}

const isWaitForCallback = (operation: Wire.Operation): boolean =>
  operation.Type === "CONTEXT" && operation.SubType === "WaitForCallback"

/** The CALLBACK of an operation: itself, or the one inside a `waitForCallback` context. */
const callbackOf = (
  operation: Wire.Operation,
  operations: ReadonlyArray<Wire.Operation>
): Wire.Operation | undefined =>
  operation.Type === "CALLBACK"
    ? operation
    : isWaitForCallback(operation)
    ? operations.find((o) => o.ParentId === operation.Id && o.Type === "CALLBACK")
    : undefined

/** How a child execution ended, to complete the chained invoke that started it. */
type InvokeOutcome =
  | { readonly Status: "SUCCEEDED"; readonly Result?: string }
  | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: Wire.ErrorObject }

const answerOutcome = (answer: Answer): InvokeOutcome => {
  if ("succeed" in answer) {
    const result = toPayload(answer.succeed)
    return result === undefined ? { Status: "SUCCEEDED" } : { Status: "SUCCEEDED", Result: result }
  }
  return { Status: answer.status ?? "FAILED", Error: toErrorObject(answer.fail) }
}

const errorObjectOfCause = (cause: Cause.Cause<unknown>): Wire.ErrorObject => {
  const failure = Cause.findErrorOption(cause)
  const error = failure._tag === "Some" ? failure.value : Cause.squash(cause)
  const data = Predicate.hasProperty(error, "errorData") && typeof error.errorData === "string"
    ? { ErrorData: error.errorData }
    : {}
  return { ErrorType: Payload.errorTypeOf(error), ErrorMessage: Payload.errorMessageOf(error), ...data }
}

/** The service's side of a run: it starts the declared answers of the operations the function starts. */
interface ServiceSide {
  /** The service accepted this checkpoint call. */
  readonly accepted: (request: Wire.CheckpointRequest, response: Wire.CheckpointResponse) => Effect.Effect<void>
  /** The operations an answer is on its way to. */
  readonly answering: ReadonlySet<string>
}

const makeServiceSide = (
  emulator: Emulator["Service"],
  arn: string,
  options: Options<any>,
  scope: Scope.Scope,
  runChild: (
    workflow: Workflow.Any,
    payload: string | undefined,
    name: string,
    operationId: string
  ) => Effect.Effect<InvokeOutcome>
): ServiceSide => {
  const answering = new Set<string>()

  /** Sends `send` at each delay after now, in order, then forgets the operation. */
  const deliverAt = (id: string, delays: ReadonlyArray<Duration.Input>, send: Effect.Effect<void, unknown>) =>
    Effect.gen(function*() {
      answering.add(id)
      const from = yield* Clock.currentTimeMillis
      const times = delays.map((d) => from + Math.max(0, Duration.toMillis(Duration.fromInputUnsafe(d)))).sort((a, b) =>
        a - b
      )
      yield* Effect.forkIn(
        Effect.gen(function*() {
          for (const at of times) {
            yield* AbsoluteClock.sleepUntil(at)
            // The service refuses a late or repeated answer (the callback is closed): that is its business.
            yield* Effect.ignore(send)
          }
        }).pipe(Effect.ensuring(Effect.sync(() => answering.delete(id)))),
        scope
      )
    })

  const deliveriesOf = (delivery: Delivery): ReadonlyArray<Duration.Input> =>
    options.faults?.deliveries?.(delivery) ?? [delivery.after]

  const callbackStarted = Effect.fnUntraced(function*(
    update: Wire.OperationUpdate,
    request: Wire.CheckpointRequest,
    response: Wire.CheckpointResponse
  ) {
    if (options.callbacks === undefined) return
    const fromResponse = response.NewExecutionState?.Operations?.find((o) => o.Id === update.Id)
    const known = fromResponse === undefined ? (yield* Effect.orDie(emulator.execution(arn))).operations : []
    const operation = fromResponse ?? known.find((o) => o.Id === update.Id)
    const callbackId = operation?.CallbackDetails?.CallbackId
    if (callbackId === undefined) return
    // Unnamed: the callback of a `waitForCallback`, answered by the name of its context.
    let name = update.Name
    if (name === undefined && update.ParentId !== undefined) {
      const parent = request.Updates?.find((u) => u.Id === update.ParentId) ??
        (known.length > 0 ? known : (yield* Effect.orDie(emulator.execution(arn))).operations).find((o) =>
          o.Id === update.ParentId
        )
      if (parent !== undefined && parent.SubType === "WaitForCallback") name = parent.Name
    }
    if (name === undefined || !Object.hasOwn(options.callbacks, name)) return
    const answer = options.callbacks[name]!
    const after = Duration.fromInputUnsafe(answer.after ?? 0)
    const send = "succeed" in answer
      ? emulator.sendCallbackSuccess(callbackId, toPayload(answer.succeed))
      : emulator.sendCallbackFailure(callbackId, toErrorObject(answer.fail))
    yield* deliverAt(update.Id, deliveriesOf({ kind: "callback", name, update, answer, after }), send)
  })

  const invokeStarted = Effect.fnUntraced(function*(update: Wire.OperationUpdate) {
    const functionName = update.ChainedInvokeOptions?.FunctionName
    const found = functionName === undefined ? undefined : targetOf(options.functions, functionName)
    if (found === undefined) return
    const [name, target] = found
    const complete = (outcome: InvokeOutcome) => emulator.completeChainedInvoke(arn, update.Id, outcome)
    if (isAnswer(target)) {
      const after = Duration.fromInputUnsafe(target.after ?? 0)
      const deliveries = deliveriesOf({ kind: "invoke", name, update, answer: target, after })
      return yield* deliverAt(update.Id, deliveries, complete(answerOutcome(target)))
    }
    // A function or a workflow runs as the service runs the invoked function: on its own, from now.
    const run: Effect.Effect<InvokeOutcome> = isWorkflow(target)
      ? runChild(target, update.Payload, name, update.Id)
      : Effect.suspend(() => (target as (input: unknown) => Effect.Effect<unknown, unknown>)(
        update.Payload === undefined ? undefined : JSON.parse(update.Payload)
      )).pipe(
        Effect.exit,
        Effect.map((exit): InvokeOutcome => {
          if (Exit.isFailure(exit)) return { Status: "FAILED", Error: errorObjectOfCause(exit.cause) }
          const result = exit.value === undefined ? undefined : JSON.stringify(exit.value)
          return result === undefined ? { Status: "SUCCEEDED" } : { Status: "SUCCEEDED", Result: result }
        })
      )
    yield* deliverAt(update.Id, [0], Effect.flatMap(run, complete))
  })

  // A call sent again after its answer was lost gets the same answer without being applied again: the
  // operations it started are answered once.
  const started = new Set<string>()
  const accepted = (request: Wire.CheckpointRequest, response: Wire.CheckpointResponse) =>
    Effect.forEach(request.Updates ?? [], (update) => {
      if (update.Action !== "START" || started.has(update.Id)) return Effect.void
      started.add(update.Id)
      if (update.Type === "CALLBACK") return callbackStarted(update, request, response)
      if (update.Type === "CHAINED_INVOKE") return invokeStarted(update)
      return Effect.void
    }, { discard: true })

  return { accepted, answering }
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/** The error type Lambda reports for an invocation that failed with this exit. */
const errorTypeOf = (exit: Exit.Failure<unknown, unknown>): string => Payload.errorTypeOf(Cause.squash(exit.cause))

const encodeEvent = Schema.encodeEffect(Wire.InvocationInput)

const millisOf = (duration: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(duration))

type Ending =
  | { readonly _tag: "Answered"; readonly exit: Exit.Exit<Wire.InvocationOutput, Invocation.InvocationFailure> }
  | { readonly _tag: "Crashed"; readonly reason: string }
  | { readonly _tag: "TimedOut" }

/** A started execution, and the loop that drives it to its end. */
interface Begun<O> {
  readonly arn: string
  readonly drive: Effect.Effect<Result<O>, RunError>
}

/**
 * Starts an execution of `workflow` with an encoded input and returns the loop
 * that drives it. The declared answers live in the scope.
 */
const begin = <W extends Workflow.Any, R>(
  workflow: W,
  payload: string | undefined,
  options: Options<R>,
  waitForExternal: boolean,
  invokedBy?: { readonly arn: string; readonly operationId: string }
): Effect.Effect<
  Begun<OutputOf<W>>,
  InvalidStartError | ExecutionAlreadyStartedError,
  Emulator | Scope.Scope | Workflow.Services<W> | ServicesOf<R>
> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    const arn = yield* emulator.start({
      input: payload,
      name: options.functionName ?? functionNameOf(workflow.name),
      ...(options.executionName === undefined ? {} : { executionName: options.executionName }),
      ...(invokedBy === undefined ? {} : { invokedBy })
    })
    return yield* attach(workflow, arn, options, waitForExternal)
  })

/** The loop that drives an execution already started, with the declared answers living in the scope. */
const attach = <W extends Workflow.Any, R>(
  workflow: W,
  arn: string,
  options: Options<R>,
  waitForExternal: boolean
): Effect.Effect<Begun<OutputOf<W>>, never, Emulator | Scope.Scope | Workflow.Services<W> | ServicesOf<R>> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator
    const context = yield* Effect.context<Workflow.Services<W> | ServicesOf<R>>()
    const scope = yield* Effect.scope
    const runChild = (
      child: Workflow.Any,
      input: string | undefined,
      name: string,
      operationId: string
    ): Effect.Effect<InvokeOutcome> =>
      Effect.scoped(
        Effect.flatMap(
          begin(child, input, {
            functions: options.functions,
            callbacks: options.callbacks,
            policy: options.policy,
            invocationTimeout: options.invocationTimeout,
            maxInvocations: options.maxInvocations,
            maxConsecutiveFailures: options.maxConsecutiveFailures,
            functionName: functionNameOf(name)
          }, false, { arn, operationId }),
          (child) => child.drive
        )
      ).pipe(
        Effect.map((result): InvokeOutcome => {
          // A child execution stopped or timed out ends the chained invoke the same way.
          if (result.status !== "SUCCEEDED") return { Status: result.status, Error: result.error }
          const output = result.execution.result
          return output === undefined ? { Status: "SUCCEEDED" } : { Status: "SUCCEEDED", Result: output }
        }),
        Effect.catchCause((cause) => Effect.succeed<InvokeOutcome>({ Status: "FAILED", Error: errorObjectOfCause(cause) })),
        Effect.provideContext(context as Context.Context<any>)
      )
    const service = makeServiceSide(emulator, arn, options, scope, runChild)
    const drive = driveExecution(emulator, workflow, arn, options, service, waitForExternal).pipe(
      Effect.provideContext(context)
    ) as Effect.Effect<Result<OutputOf<W>>, RunError>
    return { arn, drive }
  })

const driveExecution = Effect.fnUntraced(function*<W extends Workflow.Any>(
  emulator: Emulator["Service"],
  workflow: W,
  arn: string,
  options: Options<any>,
  service: ServiceSide,
  waitForExternal: boolean
): Effect.fn.Return<Result<OutputOf<W>>, RunError, Workflow.Services<W>> {
  const maxInvocations = options.maxInvocations ?? 1000
  const maxConsecutiveFailures = options.maxConsecutiveFailures ?? 3
  const crashes = new Set(options.crashAfterCheckpoints ?? [])
  const onEvent = options.onEvent
  const faults = options.faults ?? {}
  const transport = options.client ?? emulator.client

  // Events go to `onEvent` in order: the emulator's (read from its history) and the runner's own.
  const seen = yield* Ref.make(0)
  const flush = onEvent === undefined ? Effect.void : Effect.gen(function*() {
    const from = yield* Ref.get(seen)
    const events = yield* Effect.orDie(emulator.history(arn, from))
    yield* Ref.set(seen, from + events.length)
    for (const event of events) yield* onEvent(event)
  })

  const records: Array<InvocationRecord> = []
  let totalCalls = 0
  let attempted = 0
  let failures: Array<string> = []

  const ended = Effect.fnUntraced(function*(execution: Execution) {
    yield* flush
    const base: ResultBase = {
      arn,
      operations: execution.operations,
      invocations: records,
      checkpointCalls: totalCalls,
      execution
    }
    if (execution.status === "SUCCEEDED") {
      const decoded = yield* Payload.decode(workflow.output, execution.result, "execution result")
      return { ...base, status: "SUCCEEDED", output: decoded } as Result<OutputOf<W>>
    }
    const status = execution.status === "STOPPED" || execution.status === "TIMED_OUT" ? execution.status : "FAILED"
    return { ...base, status, error: execution.error ?? {} } as Result<OutputOf<W>>
  })

  while (true) {
    if (records.length >= maxInvocations) {
      yield* flush
      return yield* new InvocationLimitError({
        arn,
        invocations: records.length,
        message: `The execution did not end within ${maxInvocations} invocations`
      })
    }
    const event = yield* emulator.invoke(arn).pipe(
      Effect.catchTag("ExecutionNotRunningError", () => Effect.succeed(undefined))
    )
    // stopped (or ended) while the runner slept or retried
    if (event === undefined) return yield* ended(yield* emulator.execution(arn))
    yield* flush
    const index = records.length + 1
    const startedAt = yield* Clock.currentTimeMillis
    const timeout = millisOf(faults.invocationTimeout?.(index) ?? options.invocationTimeout ?? "15 minutes")
    let calls = 0
    const crashed = yield* Deferred.make<string>()
    const dead = yield* Ref.make(false)
    const gone = new CheckpointClientError({
      message: "The invocation is no longer running",
      scope: "INVOCATION"
    })
    const crash = (reason: string): Effect.Effect<never> =>
      Ref.set(dead, true).pipe(Effect.andThen(Deferred.succeed(crashed, reason)), Effect.andThen(Effect.never))
    const unlessDead = <A>(effect: Effect.Effect<A, CheckpointClientError>) =>
      Effect.flatMap(Ref.get(dead), (isDead) => isDead ? Effect.fail(gone) : effect)

    // What the service does with a call: apply it, then start the declared answers of what it started.
    const sendCheckpoint = (request: Wire.CheckpointRequest) =>
      unlessDead(transport.checkpoint(request)).pipe(
        Effect.tap((response) =>
          Effect.andThen(Effect.sync(() => {
            calls += 1
            totalCalls += 1
          }), service.accepted(request, response))
        ),
        Effect.ensuring(flush)
      )
    // The runner's own faults: `injectFault`, `alterResponse`, `crashAfterCheckpoints`.
    const standardCall = (attempt: number) => (request: Wire.CheckpointRequest) =>
      Effect.gen(function*() {
        const fault = options.injectFault?.({ attempt, invocation: index, request })
        if (fault !== undefined) return yield* fault
        const accepted = yield* sendCheckpoint(request)
        const response = options.alterResponse === undefined
          ? accepted
          : options.alterResponse({ attempt, invocation: index, request, response: accepted })
        if (crashes.has(totalCalls)) return yield* crash(`crashed after checkpoint ${totalCalls}`)
        return response
      })
    const client = CheckpointClient.of({
      getExecutionState: (request) =>
        unlessDead(Effect.suspend(() => {
          const send = (r: Wire.GetStateRequest = request) =>
            unlessDead(transport.getExecutionState(r)).pipe(Effect.ensuring(flush))
          return faults.state === undefined ? send() : faults.state({ invocation: index, request, send, crash })
        })),
      checkpoint: (request) =>
        unlessDead(Effect.suspend(() => {
          attempted += 1
          const send = standardCall(attempted)
          const call: CheckpointCall = {
            attempt: attempted,
            invocation: index,
            accepted: totalCalls,
            request,
            send: (r = request) => send(r),
            crash
          }
          return faults.checkpoint === undefined ? send(request) : faults.checkpoint(call)
        }))
    })
    const wireEvent = yield* Effect.orDie(encodeEvent(event))
    // The supervisor's reason for ending the invocation early, recorded with its answer.
    let reason: string | undefined
    const ending: Ending = yield* Effect.raceAll([
      Invocation.handle(workflow, wireEvent, {
        deadline: startedAt + timeout,
        requestId: `local-${index}`,
        ...(options.policy === undefined ? {} : { policy: options.policy }),
        onTermination: (outcome) =>
          Effect.sync(() => {
            reason = outcome.reason
          })
      }).pipe(
        Effect.provideService(CheckpointClient, client),
        Effect.provideService(Crash, { crash: crash("crashed: the process exited") }),
        Effect.exit,
        Effect.map((exit): Ending => ({ _tag: "Answered", exit }))
      ),
      Effect.map(Deferred.await(crashed), (reason): Ending => ({ _tag: "Crashed", reason })),
      Effect.as(Effect.sleep(Duration.millis(timeout)), { _tag: "TimedOut" } as Ending)
    ])
    yield* Ref.set(dead, true)
    const endedAt = yield* Clock.currentTimeMillis
    const finish = (outcome: Outcome, error?: string) => {
      records.push({
        index,
        startedAt,
        endedAt,
        deadline: startedAt + timeout,
        outcome,
        checkpointCalls: calls,
        ...(error === undefined ? {} : { error })
      })
    }
    // The service invokes again when it is due, later if a fault says so.
    const late = faults.reinvokeDelay?.(index)
    const lateness = late === undefined ? Effect.void : Effect.sleep(late)

    // A failed invocation is invoked again, as Lambda does, up to `maxConsecutiveFailures` in a row.
    const retried = (error: string) =>
      Effect.suspend(() => {
        failures = [...failures, error]
        return failures.length < maxConsecutiveFailures ? lateness : Effect.fail(
          new InvocationFailedError({
            arn,
            errors: failures,
            message: `${failures.length} invocations in a row failed; last error: ${error}`
          })
        )
      })

    if (ending._tag === "Crashed") {
      finish("crashed", ending.reason)
      yield* emulator.abandon(arn, ending.reason, { ErrorType: "Runtime.ExitError", ErrorMessage: ending.reason })
      yield* flush
      // The execution may have ended meanwhile (an EXECUTION checkpoint whose response was lost):
      // the service does not invoke an execution that ended.
      const current = yield* emulator.execution(arn)
      if (current.status !== "RUNNING") return yield* ended(current)
      yield* lateness
      continue
    }
    if (ending._tag === "TimedOut" || Exit.isFailure(ending.exit)) {
      const error = ending._tag === "TimedOut"
        ? `Task timed out after ${Duration.format(Duration.millis(timeout))}`
        : describeCause((ending.exit as Exit.Failure<unknown, unknown>).cause)
      finish(ending._tag === "TimedOut" ? "timedOut" : "failed", error)
      yield* emulator.abandon(arn, error, {
        ErrorType: ending._tag === "TimedOut" ? "Sandbox.Timedout" : errorTypeOf(ending.exit as Exit.Failure<unknown, unknown>),
        ErrorMessage: error
      })
      yield* flush
      const current = yield* emulator.execution(arn)
      if (current.status !== "RUNNING") return yield* ended(current)
      yield* retried(error)
      continue
    }
    const output = ending.exit.value
    const refused = yield* emulator.complete(arn, output, { reason }).pipe(
      Effect.ensuring(flush),
      Effect.as(undefined),
      Effect.catchTag("InvalidInvocationOutputError", (error) => Effect.succeed(error.message))
    )
    if (refused !== undefined) {
      // The service refused the answer (PENDING with nothing pending, a result too large): for
      // the service the invocation failed, and it invokes again, as for any failed invocation.
      const error = `The service refused the answer ${output.Status}: ${refused}`
      finish("failed", error)
      yield* retried(error)
      continue
    }
    failures = []
    finish(output.Status)

    const execution = yield* emulator.execution(arn)
    if (execution.status !== "RUNNING") return yield* ended(execution)

    // PENDING: sleep until the service has something to deliver.
    yield* sleepUntilWakeup(emulator, arn, execution, waitForExternal, service.answering, onEvent)
    yield* lateness
  }
})

const sleepUntilWakeup = (
  emulator: Emulator["Service"],
  arn: string,
  execution: Execution,
  waitForExternal: boolean,
  answering: ReadonlySet<string>,
  onEvent: ((event: Event) => Effect.Effect<void>) | undefined
): Effect.Effect<void, StuckError | ExecutionNotFoundError> =>
  Effect.scoped(Effect.gen(function*() {
    // Subscribe before reading the wake-up, so that no external completion is missed.
    const subscription = yield* emulator.subscribe
    const external = execution.operations.filter((o) =>
      (o.Type === "CALLBACK" || o.Type === "CHAINED_INVOKE") && o.Status === "STARTED"
    )
    const awaited = waitForExternal ? external : external.filter((o) => answering.has(o.Id))
    const externalChange = Effect.gen(function*() {
      while (true) {
        const event = yield* PubSub.take(subscription)
        if (event.arn !== arn) continue
        if (event._tag === "OperationsUpdated" && event.reason !== "timer") return
        // stopped meanwhile: the next invocation finds the execution ended
        if (event._tag === "ExecutionCompleted") return
      }
    })
    while (true) {
      const wakeup = yield* emulator.nextWakeup(arn)
      const now = yield* Clock.currentTimeMillis
      if (wakeup !== undefined && wakeup <= now) return
      if (wakeup === undefined && awaited.length === 0) {
        const pending = execution.operations.filter((o) =>
          o.Type !== "EXECUTION" && (o.Status === "STARTED" || o.Status === "PENDING" || o.Status === "READY")
        )
        return yield* new StuckError({
          arn,
          message: `The execution is PENDING but nothing will wake it up. Pending operations: ${
            pending.map((o) => `${o.Type} ${o.Id}${o.Name === undefined ? "" : ` "${o.Name}"`} (${o.Status})`).join(", ")
          }${
            external.length > 0
              ? ". Declare how callbacks and chained invokes are answered (the `callbacks` and `functions` options)," +
                " or complete them with the handles of LocalRunner.start"
              : ""
          }`
        })
      }
      if (onEvent !== undefined) yield* onEvent({ _tag: "Sleeping", arn, at: now, until: wakeup })
      // Until the wake-up's time, not for `wakeup - now`: a clock that skipped ahead meanwhile (`--skip-time`,
      // which skips when every driver reports Sleeping) would have made that sleep end a whole interval late.
      const timer = wakeup === undefined ? Effect.never : AbsoluteClock.sleepUntil(wakeup)
      const woke = yield* Effect.raceFirst(Effect.as(timer, "timer" as const), Effect.as(externalChange, "change" as const))
      if (woke === "change") return
      // The timer fired: the wake-up is due now, unless it moved later meanwhile (a heartbeat pushed a
      // callback's deadline back), in which case the service has nothing to deliver yet.
    }
  }))

/**
 * Runs a workflow to completion against the `Emulator` in context.
 *
 * The input is encoded with the workflow's input codec, an execution is
 * started, and then: invoke → `Invocation.handle` (with the emulator as the
 * `CheckpointClient` and Lambda's deadline) → record the answer. On PENDING the
 * runner sleeps (on the Clock) until the emulator's next wake-up, or an
 * answer, and invokes again. An invocation that fails is recorded and retried,
 * as Lambda does.
 *
 * @example
 * ```ts
 * const result = yield* LocalRunner.run(MyWorkflow, { orderId: "o-1" }, { crashAfterCheckpoints: [1, 3] })
 * assert.strictEqual(result.status, "SUCCEEDED")
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = Effect.fn("LocalRunner.run")(function*<W extends Workflow.Any, R = never>(
  workflow: W,
  input: InputOf<W>,
  options: Options<R> = {}
): Effect.fn.Return<Result<OutputOf<W>>, RunError, Emulator | Workflow.Services<W> | ServicesOf<R>> {
  const payload = yield* Payload.encode(workflow.input, input, "execution input")
  return yield* Effect.scoped(
    Effect.flatMap(begin(workflow, payload, options, options.waitForExternal ?? false), (begun) => begun.drive)
  )
})

/**
 * Runs an execution already started on the `Emulator` (by `emulator.start`,
 * the Lambda API's Invoke, a `DurableClient`) to its end, as {@link run} does
 * after starting one: invoke, record the answer, sleep until the service has
 * something to deliver, again. An execution stopped meanwhile ends the drive
 * with its final state. `functionName` and `executionName` are ignored.
 *
 * @example
 * ```ts
 * const arn = yield* emulator.start({ input: JSON.stringify({ orderId: "o-1" }), name: "orders" })
 * const result = yield* LocalRunner.drive(OrderWorkflow, arn, { waitForExternal: true })
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const drive = Effect.fn("LocalRunner.drive")(function*<W extends Workflow.Any, R = never>(
  workflow: W,
  arn: string,
  options: Options<R> = {}
): Effect.fn.Return<Result<OutputOf<W>>, RunError, Emulator | Workflow.Services<W> | ServicesOf<R>> {
  return yield* Effect.scoped(
    Effect.flatMap(attach(workflow, arn, options, options.waitForExternal ?? false), (attached) => attached.drive)
  )
})

/**
 * Options of {@link runUnderTestClock} and {@link start}.
 *
 * @category models
 * @since 0.1.0
 */
export interface TestClockOptions<R = never> extends Options<R> {
  /** How far the `TestClock` may be advanced before giving up. Defaults to 400 days. */
  readonly horizon?: Duration.Input | undefined
  /** How much time is advanced by the first step; each further step doubles it. Defaults to 1 second. */
  readonly chunk?: Duration.Input | undefined
  /** The largest step. Defaults to 1 hour. */
  readonly maxChunk?: Duration.Input | undefined
}

/**
 * A scheduler that counts the tasks of the fibers using it, to tell when they
 * are all suspended (waiting on a timer, an event, or nothing): the moment
 * virtual time may move on.
 */
const quiescence = (inner: Scheduler.Scheduler) => {
  let pending = 0
  let waiters: Array<() => void> = []
  const done = () => {
    pending -= 1
    if (pending > 0 || waiters.length === 0) return
    const woken = waiters
    waiters = []
    for (const wake of woken) wake()
  }
  const scheduler: Scheduler.Scheduler = {
    executionMode: inner.executionMode,
    shouldYield: (fiber) => inner.shouldYield(fiber),
    makeDispatcher() {
      const dispatcher = inner.makeDispatcher()
      return {
        scheduleTask(task, priority) {
          pending += 1
          dispatcher.scheduleTask(() => {
            try {
              task()
            } finally {
              done()
            }
          }, priority)
        },
        flush: () => dispatcher.flush()
      }
    }
  }
  /** Waits until no task of those fibers is queued or running. */
  const idle = Effect.callback<void>((resume) => {
    if (pending === 0) return resume(Effect.void)
    waiters.push(() => resume(Effect.void))
  })
  return { scheduler, idle }
}

/**
 * Runs `effect` in a fiber and advances the `TestClock` until it ends. Time
 * moves on only once every fiber of the run is suspended, so that what the run
 * does at an instant happens at that instant, however many scheduler rounds it
 * takes (and the fibers of the caller, e.g. a test acting through handles, get
 * a few rounds too).
 */
const underTestClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: TestClockOptions<any>
): Effect.Effect<A, E | HorizonExceededError, R> =>
  Effect.gen(function*() {
    const horizon = millisOf(options.horizon ?? "400 days")
    const base = millisOf(options.chunk ?? "1 second")
    const maxChunk = Math.max(base, millisOf(options.maxChunk ?? "1 hour"))
    const run = quiescence(yield* Scheduler.Scheduler)
    const fiber = yield* Effect.forkChild(Effect.provideService(effect, Scheduler.Scheduler, run.scheduler))
    const settle = Effect.gen(function*() {
      for (let round = 0; round < 3; round++) {
        yield* run.idle
        yield* Effect.yieldNow
      }
      yield* run.idle
    })
    let advanced = 0
    let chunk = base
    yield* Effect.yieldNow
    while (true) {
      yield* settle
      if (fiber.pollUnsafe() !== undefined) break
      if (advanced >= horizon) {
        yield* Fiber.interrupt(fiber)
        return yield* new HorizonExceededError({
          message: `The run had not ended after advancing the TestClock by ${Duration.format(Duration.millis(horizon))}`
        })
      }
      const step = Math.min(chunk, horizon - advanced)
      // `adjust` runs every sleep due within the step in order, including the ones registered meanwhile.
      yield* TestClock.adjust(Duration.millis(step))
      advanced += step
      chunk = Math.min(chunk * 2, maxChunk)
    }
    return yield* Fiber.join(fiber)
  })

/**
 * Runs {@link run} in a fiber and advances the `TestClock` (by steps starting
 * at `chunk` and doubling up to `maxChunk`, at most `horizon` in all) until the
 * run ends: waits, retries, timeouts and delayed answers happen in virtual
 * time, in order. The clock may end up to one step past the end of the run.
 * Needs a `TestClock` (as `it.effect` provides).
 *
 * @example
 * ```ts
 * it.effect("waits a day", () =>
 *   Effect.gen(function*() {
 *     const result = yield* LocalRunner.runUnderTestClock(Reminder, input)
 *     assert.strictEqual(result.status, "SUCCEEDED")
 *   }).pipe(Effect.provide(Emulator.Emulator.layer)))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const runUnderTestClock = Effect.fn("LocalRunner.runUnderTestClock")(function*<
  W extends Workflow.Any,
  R = never
>(
  workflow: W,
  input: InputOf<W>,
  options: TestClockOptions<R> = {}
): Effect.fn.Return<
  Result<OutputOf<W>>,
  RunError | HorizonExceededError,
  Emulator | Workflow.Services<W> | ServicesOf<R>
> {
  return yield* underTestClock(run(workflow, input, options), options)
})

// ---------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------

/**
 * What {@link OperationHandle.waitFor} waits for, as the official
 * `WaitingOperationStatus`, or any status of the wire:
 *
 * - `STARTED`: the operation exists (for a `waitForCallback`, once its
 *   callback exists, so that it can be completed);
 * - `SUBMITTED`: for a `waitForCallback`, once its submitter succeeded (the
 *   callback id was handed over); otherwise as `STARTED`;
 * - `COMPLETED`: the operation ended, whichever way.
 *
 * @category handles
 * @since 0.1.0
 */
export type WaitStatus = "STARTED" | "SUBMITTED" | "COMPLETED" | Wire.OperationStatus

/**
 * An operation of a running execution, found by name (and index among the
 * operations of that name) or by id: it need not exist yet.
 *
 * @category handles
 * @since 0.1.0
 */
export interface OperationHandle {
  /** What the handle designates, for messages: `"approval"`, `"approval" #2`, `id c4ca…`. */
  readonly label: string
  /** The operation as the service holds it now, if it exists yet. */
  readonly get: Effect.Effect<Wire.Operation | undefined>
  /** Waits until the operation reaches `status` (default `STARTED`) and returns it. */
  readonly waitFor: (status?: WaitStatus) => Effect.Effect<Wire.Operation, OperationHandleError>
  /** Waits until the callback exists and returns its id. */
  readonly callbackId: Effect.Effect<string, OperationHandleError>
  /**
   * Completes the callback (`SendDurableExecutionCallbackSuccess`) or the
   * chained invoke with `result`, once it has started. A string is sent as it
   * is; any other value as JSON.
   */
  readonly succeed: (result?: unknown) => Effect.Effect<void, OperationHandleError>
  /**
   * Fails the callback (`SendDurableExecutionCallbackFailure`) or the chained
   * invoke, once it has started. A chained invoke may also end `TIMED_OUT` or
   * `STOPPED`.
   */
  readonly fail: (
    error?: ErrorInput,
    options?: { readonly status?: "FAILED" | "TIMED_OUT" | "STOPPED" | undefined }
  ) => Effect.Effect<void, OperationHandleError>
  /** Sends a heartbeat to the callback (`SendDurableExecutionCallbackHeartbeat`), once it has started. */
  readonly heartbeat: Effect.Effect<void, OperationHandleError>
}

/**
 * A run in progress, started by {@link start}.
 *
 * @category handles
 * @since 0.1.0
 */
export interface Running<O> {
  readonly arn: string
  /** Waits for the end of the run. */
  readonly result: Effect.Effect<Result<O>, RunError | HorizonExceededError>
  /** The `index`-th operation (0-based, in creation order) named `name`. */
  readonly operation: (name: string, index?: number) => OperationHandle
  /** The operation with this id. */
  readonly operationById: (id: string) => OperationHandle
  /** Every operation so far, unpruned, in creation order. */
  readonly operations: Effect.Effect<ReadonlyArray<Wire.Operation>>
}

const reached = (status: WaitStatus, operation: Wire.Operation, operations: ReadonlyArray<Wire.Operation>): boolean => {
  const ended = Wire.isTerminalStatus(operation.Status)
  switch (status) {
    case "STARTED":
      return !isWaitForCallback(operation) || ended || callbackOf(operation, operations) !== undefined
    case "SUBMITTED":
      return !isWaitForCallback(operation) || ended ||
        operations.some((o) => o.ParentId === operation.Id && o.Type === "STEP" && o.Status === "SUCCEEDED")
    case "COMPLETED":
      return ended
    default:
      return operation.Status === status
  }
}

const makeRunning = <O>(
  emulator: Emulator["Service"],
  arn: string,
  driver: Fiber.Fiber<Result<O>, RunError | HorizonExceededError>
): Running<O> => {
  const handle = (label: string, locate: (operations: ReadonlyArray<Wire.Operation>) => Wire.Operation | undefined) => {
    const failure = (message: string) => new OperationHandleError({ operation: label, message })

    /** Waits until `check` finds something in the execution, or the run or the execution ends. */
    const until = <A>(description: string, check: (execution: Execution) => A | undefined) =>
      Effect.scoped(Effect.gen(function*() {
        const subscription = yield* emulator.subscribe
        const nextChange = Effect.gen(function*() {
          while ((yield* PubSub.take(subscription)).arn !== arn) {
            // another execution's event
          }
        })
        while (true) {
          const done = driver.pollUnsafe()
          const execution = yield* Effect.orDie(emulator.execution(arn))
          const found = check(execution)
          if (found !== undefined) return found
          if (execution.status !== "RUNNING") {
            return yield* failure(`The execution ended ${execution.status} before ${label} ${description}`)
          }
          if (done !== undefined) {
            const why = Exit.isFailure(done) ? `: ${describeCause(done.cause)}` : ""
            return yield* failure(`The run ended before ${label} ${description}${why}`)
          }
          yield* Effect.raceFirst(nextChange, Effect.asVoid(Fiber.await(driver)))
        }
      }))

    const waitFor = (status: WaitStatus = "STARTED") =>
      until(`reached ${status}`, (execution) => {
        const operation = locate(execution.operations)
        return operation !== undefined && reached(status, operation, execution.operations) ? operation : undefined
      })

    type Completable =
      | { readonly _tag: "Callback"; readonly callbackId: string }
      | { readonly _tag: "Invoke"; readonly operationId: string }
      | { readonly _tag: "Other"; readonly operation: Wire.Operation }

    const completable = until("started its callback or chained invoke", (execution): Completable | undefined => {
      const operation = locate(execution.operations)
      if (operation === undefined) return undefined
      if (operation.Type === "CHAINED_INVOKE") return { _tag: "Invoke", operationId: operation.Id }
      if (operation.Type !== "CALLBACK" && !isWaitForCallback(operation)) return { _tag: "Other", operation }
      const callbackId = callbackOf(operation, execution.operations)?.CallbackDetails?.CallbackId
      return callbackId === undefined ? undefined : { _tag: "Callback", callbackId }
    }).pipe(
      Effect.flatMap((target) =>
        target._tag === "Other"
          ? Effect.fail(failure(
            `is a ${target.operation.Type} (${target.operation.SubType ?? "no subtype"}): ` +
              "only callbacks and chained invokes are completed from outside"
          ))
          : Effect.succeed(target)
      )
    )

    const refused = (error: { readonly message: string }) => failure(`The service refused: ${error.message}`)

    const succeed = (result?: unknown) =>
      Effect.flatMap(completable, (target): Effect.Effect<void, OperationHandleError> => {
        const payload = toPayload(result)
        return target._tag === "Callback"
          ? Effect.mapError(emulator.sendCallbackSuccess(target.callbackId, payload), refused)
          : Effect.mapError(
            emulator.completeChainedInvoke(
              arn,
              target.operationId,
              payload === undefined ? { Status: "SUCCEEDED" } : { Status: "SUCCEEDED", Result: payload }
            ),
            refused
          )
      })

    const fail = (
      error: ErrorInput = { ErrorType: "Error", ErrorMessage: "failed by the test" },
      options: { readonly status?: "FAILED" | "TIMED_OUT" | "STOPPED" | undefined } = {}
    ) =>
      Effect.flatMap(completable, (target): Effect.Effect<void, OperationHandleError> =>
        target._tag === "Callback"
          ? Effect.mapError(emulator.sendCallbackFailure(target.callbackId, toErrorObject(error)), refused)
          : Effect.mapError(
            emulator.completeChainedInvoke(arn, target.operationId, {
              Status: options.status ?? "FAILED",
              Error: toErrorObject(error)
            }),
            refused
          ))

    const callbackId = Effect.flatMap(
      completable,
      (target) =>
        target._tag === "Callback"
          ? Effect.succeed(target.callbackId)
          : Effect.fail(failure("is a chained invoke: it has no callback id"))
    )

    const heartbeat = Effect.flatMap(callbackId, (id) => Effect.mapError(emulator.sendCallbackHeartbeat(id), refused))

    const get = Effect.map(Effect.orDie(emulator.execution(arn)), (execution) => locate(execution.operations))

    return { label, get, waitFor, callbackId, succeed, fail, heartbeat } satisfies OperationHandle
  }

  return {
    arn,
    result: Fiber.join(driver),
    operation: (name, index = 0) =>
      handle(
        index === 0 ? JSON.stringify(name) : `${JSON.stringify(name)} #${index}`,
        (operations) => operations.filter((o) => o.Name === name)[index]
      ),
    operationById: (id) => handle(`id ${id}`, (operations) => operations.find((o) => o.Id === id)),
    operations: Effect.map(Effect.orDie(emulator.execution(arn)), (execution) => execution.operations)
  }
}

/**
 * Starts a run in the background, under `TestClock` (advanced for it as
 * {@link runUnderTestClock} does), and returns its handles: a test waits for
 * operations, completes callbacks and chained invokes, then reads the
 * `result`. Chained invokes and callbacks no handle completes wait (unless a
 * declared answer covers them); the run lives as long as the scope.
 *
 * @example
 * ```ts
 * it.effect("the manager approves", () =>
 *   Effect.gen(function*() {
 *     const run = yield* LocalRunner.start(ExpenseApproval, expense)
 *     const approval = run.operation("manager-approval")
 *     yield* approval.waitFor("SUBMITTED") // the email went out
 *     yield* Effect.sleep("1 day")
 *     yield* approval.succeed({ approved: true })
 *     const result = yield* run.result
 *     assert.strictEqual(result.status, "SUCCEEDED")
 *   }).pipe(Effect.provide(Emulator.Emulator.layer)))
 * ```
 *
 * @category handles
 * @since 0.1.0
 */
export const start = Effect.fn("LocalRunner.start")(function*<W extends Workflow.Any, R = never>(
  workflow: W,
  input: InputOf<W>,
  options: TestClockOptions<R> = {}
): Effect.fn.Return<
  Running<OutputOf<W>>,
  SerdesFailedError | InvalidStartError | ExecutionAlreadyStartedError,
  Emulator | Scope.Scope | Workflow.Services<W> | ServicesOf<R>
> {
  const emulator = yield* Emulator
  const payload = yield* Payload.encode(workflow.input, input, "execution input")
  const begun = yield* begin(workflow, payload, options, options.waitForExternal ?? true)
  const driver = yield* Effect.forkScoped(underTestClock(begun.drive, options))
  return makeRunning(emulator, begun.arn, driver)
})
