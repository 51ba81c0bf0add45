/**
 * Runs a workflow end to end against the in-memory `Emulator`, the way Lambda
 * and the durable execution service would: invoke, let the invocation
 * checkpoint, record its answer, sleep until the service has something to do,
 * invoke again, until the execution ends.
 *
 * Everything is timed with Effect's `Clock`, so under a `TestClock` a workflow
 * that waits for days runs in milliseconds (see {@link runUnderTestClock}).
 * Invocations can be made to "crash" right after chosen checkpoints, which
 * proves that replay picks up correctly wherever a container dies.
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
import type { SerdesFailedError } from "@effect-durable/core/DurableError"
import * as Invocation from "@effect-durable/core/Invocation"
import * as Payload from "@effect-durable/core/Payload"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, PubSub, Ref, Schema } from "effect"
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
 * completion, see `waitForExternal`).
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
 * - `crashed`: the runner killed it after a checkpoint (`crashAfterCheckpoints`);
 * - `failed`: it ended with an error, which Lambda retries;
 * - `timedOut`: it ran past `invocationTimeout` and was interrupted.
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
 * The end of a run: the decoded output, or the error object of a failed
 * execution, with everything recorded on the way.
 *
 * @category models
 * @since 0.1.0
 */
export type Result<O> =
  | (ResultBase & { readonly status: "SUCCEEDED"; readonly output: O })
  | (ResultBase & { readonly status: "FAILED"; readonly error: Wire.ErrorObject })

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** How long Lambda lets one invocation run before killing it. Defaults to 15 minutes. */
  readonly invocationTimeout?: Duration.Input | undefined
  /** Give up after this many invocations. Defaults to 1000. */
  readonly maxInvocations?: number | undefined
  /** Give up after this many invocations in a row ended in `failed` or `timedOut`. Defaults to 3. */
  readonly maxConsecutiveFailures?: number | undefined
  /**
   * Kill the running invocation right after the k-th accepted checkpoint call
   * of the execution (1-based, counted over the whole run), as if its container
   * died, then invoke again.
   */
  readonly crashAfterCheckpoints?: ReadonlyArray<number> | undefined
  /**
   * When the execution is PENDING on callbacks or chained invokes only, wait
   * for them to be completed through the emulator instead of failing with a
   * `StuckError`. Defaults to `false`.
   */
  readonly waitForExternal?: boolean | undefined
  /** Called in order with every event, as it happens. */
  readonly onEvent?: ((event: Event) => Effect.Effect<void>) | undefined
  /** The function name in the ARN. Defaults to the workflow's name, made ARN-safe. */
  readonly functionName?: string | undefined
  /** The durable execution name. */
  readonly executionName?: string | undefined
  /** Termination policy overrides, passed to `Invocation.handle`. */
  readonly policy?: Partial<Termination.Policy> | undefined
  /**
   * Fault injection: called before each checkpoint call reaches the emulator
   * (`attempt` counts the calls of the run, 1-based, failed ones included);
   * returning an error makes that call fail with it, as the service or the
   * network would.
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
  /**
   * The `CheckpointClient` the invocations talk to, in place of the emulator's
   * own: e.g. `LambdaCheckpointClient` over a `LambdaApiServer` serving the
   * same emulator, to run the whole stack over HTTP. Crashes, faults and
   * response alterations apply to it as they do to the emulator's client.
   */
  readonly client?: CheckpointClient["Service"] | undefined
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The function answered PENDING, but nothing will ever wake the execution up:
 * no timer, no pending change, and (unless `waitForExternal`) no callback or
 * chained invoke is awaited.
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
// Running
// ---------------------------------------------------------------------------

const functionNameOf = (name: string): string => {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 64)
  return safe.length === 0 ? "durable-function" : safe
}

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    const tag = "_tag" in error && typeof error._tag === "string" ? `${error._tag}: ` : ""
    return `${tag}${error.message}`
  }
  return String(error)
}

const encodeEvent = Schema.encodeEffect(Wire.InvocationInput)

type Ending =
  | { readonly _tag: "Answered"; readonly exit: Exit.Exit<Wire.InvocationOutput, Invocation.InvocationFailure> }
  | { readonly _tag: "Crashed"; readonly call: number }
  | { readonly _tag: "TimedOut" }

/**
 * Runs a workflow to completion against the `Emulator` in context.
 *
 * The input is encoded with the workflow's input codec, an execution is
 * started, and then: invoke → `Invocation.handle` (with the emulator as the
 * `CheckpointClient` and Lambda's deadline) → record the answer. On PENDING the
 * runner sleeps (on the Clock) until the emulator's next wake-up and invokes
 * again. An invocation that fails is recorded and retried, as Lambda does.
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
export const run = Effect.fn("LocalRunner.run")(function*<W extends Workflow.Any>(
  workflow: W,
  input: InputOf<W>,
  options: Options = {}
): Effect.fn.Return<Result<OutputOf<W>>, RunError, Emulator | Workflow.Services<W>> {
  const emulator = yield* Emulator
  const payload = yield* Payload.encode(workflow.input, input, "execution input")
  const arn = yield* emulator.start({
    input: payload,
    name: options.functionName ?? functionNameOf(workflow.name),
    ...(options.executionName === undefined ? {} : { executionName: options.executionName })
  })
  return yield* drive(workflow, arn, options)
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
export const drive = Effect.fn("LocalRunner.drive")(function*<W extends Workflow.Any>(
  workflow: W,
  arn: string,
  options: Options = {}
): Effect.fn.Return<Result<OutputOf<W>>, RunError, Emulator | Workflow.Services<W>> {
  const emulator = yield* Emulator
  const timeout = Duration.toMillis(Duration.fromInputUnsafe(options.invocationTimeout ?? "15 minutes"))
  const maxInvocations = options.maxInvocations ?? 1000
  const maxConsecutiveFailures = options.maxConsecutiveFailures ?? 3
  const crashes = new Set(options.crashAfterCheckpoints ?? [])
  const onEvent = options.onEvent
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
    return { ...base, status: "FAILED", error: execution.error ?? {} } as Result<OutputOf<W>>
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
    let calls = 0
    const crashed = yield* Deferred.make<number>()
    const dead = yield* Ref.make(false)
    const gone = new CheckpointClientError({
      message: "The invocation is no longer running",
      scope: "INVOCATION"
    })
    const client = CheckpointClient.of({
      getExecutionState: (request) =>
        Effect.flatMap(Ref.get(dead), (isDead) =>
          isDead ? Effect.fail(gone) : transport.getExecutionState(request).pipe(Effect.ensuring(flush))),
      checkpoint: (request) =>
        Effect.gen(function*() {
          if (yield* Ref.get(dead)) return yield* gone
          attempted += 1
          const attempt = attempted
          const fault = options.injectFault?.({ attempt, invocation: index, request })
          if (fault !== undefined) return yield* fault
          const accepted = yield* transport.checkpoint(request).pipe(Effect.ensuring(flush))
          const response = options.alterResponse === undefined
            ? accepted
            : options.alterResponse({ attempt, invocation: index, request, response: accepted })
          calls += 1
          totalCalls += 1
          if (crashes.has(totalCalls)) {
            yield* Ref.set(dead, true)
            yield* Deferred.succeed(crashed, totalCalls)
            return yield* Effect.never
          }
          return response
        })
    })
    const wireEvent = yield* Effect.orDie(encodeEvent(event))
    const ending: Ending = yield* Effect.raceAll([
      Invocation.handle(workflow, wireEvent, {
        deadline: startedAt + timeout,
        requestId: `local-${index}`,
        ...(options.policy === undefined ? {} : { policy: options.policy })
      }).pipe(
        Effect.provideService(CheckpointClient, client),
        Effect.exit,
        Effect.map((exit): Ending => ({ _tag: "Answered", exit }))
      ),
      Effect.map(Deferred.await(crashed), (call): Ending => ({ _tag: "Crashed", call })),
      Effect.as(Effect.sleep(Duration.millis(timeout)), { _tag: "TimedOut" } as Ending)
    ])
    yield* Ref.set(dead, true)
    const endedAt = yield* Clock.currentTimeMillis
    const finish = (outcome: Outcome, error?: string) => {
      records.push({
        index,
        startedAt,
        endedAt,
        outcome,
        checkpointCalls: calls,
        ...(error === undefined ? {} : { error })
      })
    }

    if (ending._tag === "Crashed") {
      finish("crashed", `crashed after checkpoint ${ending.call}`)
      yield* emulator.abandon(arn, `crashed after checkpoint ${ending.call}`)
      yield* flush
      continue
    }
    if (ending._tag === "TimedOut" || Exit.isFailure(ending.exit)) {
      const error = ending._tag === "TimedOut"
        ? `Task timed out after ${Duration.format(Duration.millis(timeout))}`
        : describeCause((ending.exit as Exit.Failure<unknown, unknown>).cause)
      finish(ending._tag === "TimedOut" ? "timedOut" : "failed", error)
      yield* emulator.abandon(arn, error)
      yield* flush
      failures = [...failures, error]
      if (failures.length >= maxConsecutiveFailures) {
        return yield* new InvocationFailedError({
          arn,
          errors: failures,
          message: `${failures.length} invocations in a row failed; last error: ${error}`
        })
      }
      continue
    }
    failures = []
    const output = ending.exit.value
    finish(output.Status)
    yield* emulator.complete(arn, output).pipe(Effect.ensuring(flush))

    const execution = yield* emulator.execution(arn)
    if (execution.status !== "RUNNING") return yield* ended(execution)

    // PENDING: sleep until the service has something to deliver.
    yield* sleepUntilWakeup(emulator, arn, execution, options.waitForExternal === true, onEvent)
  }
})

const sleepUntilWakeup = (
  emulator: Emulator["Service"],
  arn: string,
  execution: Execution,
  waitForExternal: boolean,
  onEvent: ((event: Event) => Effect.Effect<void>) | undefined
): Effect.Effect<void, StuckError | ExecutionNotFoundError> =>
  Effect.scoped(Effect.gen(function*() {
    // Subscribe before reading the wake-up, so that no external completion is missed.
    const subscription = yield* emulator.subscribe
    const wakeup = yield* emulator.nextWakeup(arn)
    const now = yield* Clock.currentTimeMillis
    if (wakeup !== undefined && wakeup <= now) return
    const external = execution.operations.filter((o) =>
      (o.Type === "CALLBACK" || o.Type === "CHAINED_INVOKE") && o.Status === "STARTED"
    )
    if (wakeup === undefined && (external.length === 0 || !waitForExternal)) {
      const pending = execution.operations.filter((o) =>
        o.Type !== "EXECUTION" && (o.Status === "STARTED" || o.Status === "PENDING" || o.Status === "READY")
      )
      return yield* new StuckError({
        arn,
        message: `The execution is PENDING but nothing will wake it up. Pending operations: ${
          pending.map((o) => `${o.Type} ${o.Id}${o.Name === undefined ? "" : ` "${o.Name}"`} (${o.Status})`).join(", ")
        }${
          external.length > 0
            ? ". Complete callbacks or chained invokes through the Emulator, with the option waitForExternal: true"
            : ""
        }`
      })
    }
    if (onEvent !== undefined) yield* onEvent({ _tag: "Sleeping", arn, at: now, until: wakeup })
    const externalChange = Effect.gen(function*() {
      while (true) {
        const event = yield* PubSub.take(subscription)
        if (event.arn !== arn) continue
        if (event._tag === "OperationsUpdated" && event.reason !== "timer") return
        // stopped meanwhile: the next invocation finds the execution ended
        if (event._tag === "ExecutionCompleted") return
      }
    })
    const timer = wakeup === undefined ? Effect.never : Effect.sleep(Duration.millis(wakeup - now))
    yield* waitForExternal ? Effect.raceFirst(timer, externalChange) : timer
  }))

/**
 * Options of {@link runUnderTestClock}.
 *
 * @category models
 * @since 0.1.0
 */
export interface TestClockOptions extends Options {
  /** How far the `TestClock` may be advanced before giving up. Defaults to 400 days. */
  readonly horizon?: Duration.Input | undefined
  /** How much time is advanced by the first step; each further step doubles it. Defaults to 1 second. */
  readonly chunk?: Duration.Input | undefined
  /** The largest step. Defaults to 1 hour. */
  readonly maxChunk?: Duration.Input | undefined
}

/**
 * Runs {@link run} in a fiber and advances the `TestClock` (by steps starting
 * at `chunk` and doubling up to `maxChunk`, at most `horizon` in all) until the
 * run ends: waits, retries and timeouts happen in virtual time, in order. The
 * clock may end up to one step past the end of the run. Needs a `TestClock`
 * (as `it.effect` provides).
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
export const runUnderTestClock = Effect.fn("LocalRunner.runUnderTestClock")(function*<W extends Workflow.Any>(
  workflow: W,
  input: InputOf<W>,
  options: TestClockOptions = {}
): Effect.fn.Return<
  Result<OutputOf<W>>,
  RunError | HorizonExceededError,
  Emulator | Workflow.Services<W>
> {
  const horizon = Duration.toMillis(Duration.fromInputUnsafe(options.horizon ?? "400 days"))
  const base = Duration.toMillis(Duration.fromInputUnsafe(options.chunk ?? "1 second"))
  const maxChunk = Math.max(base, Duration.toMillis(Duration.fromInputUnsafe(options.maxChunk ?? "1 hour")))
  const fiber = yield* Effect.forkChild(run(workflow, input, options))
  let advanced = 0
  let chunk = base
  yield* Effect.yieldNow
  while (fiber.pollUnsafe() === undefined) {
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
