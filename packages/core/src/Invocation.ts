/**
 * One invocation of a durable workflow: the engine behind every entrypoint
 * (the Lambda adapter, the `LocalRunner`, tests).
 *
 * It decodes the event, loads the whole execution state (page by page), and
 * builds the invocation's machinery in one scope: the scheduler, the
 * supervisor, the checkpointer and the root durable context. Then it runs the
 * workflow's body and the supervisor side by side, and answers the service
 * with whichever ends first:
 *
 * - the body succeeded or failed: the checkpoint queue is drained, then
 *   SUCCEEDED with the encoded result or FAILED with the encoded error;
 * - the supervisor suspended: PENDING;
 * - a system failure: FAILED for failures of the execution
 *   (non-determinism, invalid context or configuration, a checkpoint the
 *   service rejected), or an `InvocationFailure` for failures Lambda should
 *   retry (a transient checkpoint failure, a serialization failure of an
 *   operation, as the official SDK does). The workflow's own result is
 *   different: an output its Schema refuses fails the execution
 *   (`SerdesFailedError`), since every invocation would refuse it again.
 *
 * Whatever the service does, the invocation answers before Lambda's deadline:
 * the supervisor's watchdog covers everything from the event's arrival (the
 * state loading included) to the answer (the large-result checkpoint and the
 * final drain included), and ends the invocation with PENDING when the service
 * has something to wake the function up for, or as a failed invocation
 * (`DeadlineApproachingError`) otherwise. Every answer fits Lambda's response
 * limit, and its messages are bounded (`Payload.truncate`).
 *
 * Closing the scope interrupts every fiber of the invocation and runs its
 * finalizers, so nothing of one invocation outlives it; if some fiber ignores
 * interruption past `Termination.closeBy`, the answer is given anyway.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Checkpointer from "./Checkpointer.ts"
import { CheckpointClient, readPages } from "./CheckpointClient.ts"
import * as CostModel from "./CostModel.ts"
import { DurableContext, makeRoot } from "./DurableContext.ts"
import {
  CheckpointFailedError,
  DeadlineApproachingError,
  InvalidEventError,
  InvalidInputError,
  SerdesFailedError,
  type SystemFailure
} from "./DurableError.ts"
import * as Instrumentation from "./Instrumentation.ts"
import * as Observe from "./internal/instrumentation.ts"
import { traced } from "./internal/tracing.ts"
import * as Payload from "./Payload.ts"
import * as Scheduler from "./Scheduler.ts"
import * as ServiceGuard from "./ServiceGuard.ts"
import * as Supervisor from "./Supervisor.ts"
import * as Termination from "./Termination.ts"
import * as Wire from "./Wire.ts"
import type * as Workflow from "./Workflow.ts"

/**
 * Options of {@link handle}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Epoch milliseconds (on Effect's Clock) at which Lambda ends the invocation. Defaults to 15 minutes from the start. */
  readonly deadline?: number | undefined
  /**
   * The termination policy: `"cost"` (the default), `"latency"`, `"eager"`, or
   * one of them with overrides (see `Termination.PolicyInput`). The cost model
   * is the function's own (`CostModel.fromEnvironment`) unless overridden.
   */
  readonly policy?: Termination.PolicyInput | undefined
  /** The Lambda request id, for logs. */
  readonly requestId?: string | undefined
  /**
   * Told once, before the answer, when the supervisor ended the invocation
   * before its workflow did: suspended (the answer is PENDING) with its
   * termination reason, or failed by a system failure. The local service
   * records it to show why each invocation ended.
   *
   * @example
   * ```ts
   * Invocation.handle(workflow, event, { onTermination: (outcome) => Console.log(outcome._tag, outcome.reason) })
   * ```
   */
  readonly onTermination?: ((outcome: Supervisor.Outcome) => Effect.Effect<void>) | undefined
}

/**
 * Failures that end the invocation without an answer: Lambda retries the
 * invocation (the Lambda adapter rethrows them).
 *
 * @category models
 * @since 0.1.0
 */
export type InvocationFailure =
  | CheckpointFailedError
  | SerdesFailedError
  | InvalidEventError
  | DeadlineApproachingError

/**
 * The largest `Result` returned inline (6 MiB less a margin); a larger result
 * is checkpointed as an EXECUTION SUCCEED and the response carries an empty
 * `Result`.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxInlineResultBytes = 6 * 1024 * 1024 - 50

/**
 * The largest execution result the service stores (6 MiB, its limit for the
 * result of a synchronous invocation).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxExecutionResultBytes = 6 * 1024 * 1024

const defaultTimeoutMillis = 15 * 60 * 1000

/**
 * Loads the whole execution state: the event's first page, then every further
 * page from the service (a paging that loops or does not end fails the
 * invocation, see `CheckpointClient.readPages`). Operations are pushed into
 * `into` as they arrive, so that the watchdog knows what was read if the
 * loading does not finish. A state with the same operation twice, or without
 * its EXECUTION operation, is refused with an `InvalidEventError`. Returns the
 * operations in the order the service reported them, and the same by id
 * (`Checkpointer.indexById`, which the duplicate check needs anyway: the
 * checkpointer takes it over instead of indexing the state again).
 *
 * @category running
 * @since 0.1.0
 */
export const loadState = Effect.fnUntraced(function*(
  input: Wire.InvocationInput,
  into: Array<Wire.Operation> = []
) {
  into.push(...(input.InitialExecutionState?.Operations ?? []))
  yield* readPages(
    { arn: input.DurableExecutionArn, token: input.CheckpointToken, marker: input.InitialExecutionState?.NextMarker },
    (operations) => Effect.sync(() => into.push(...operations))
  ).pipe(
    Effect.mapError((error) =>
      new CheckpointFailedError({
        message: `Failed to load the execution state: ${error.message}`,
        scope: error.scope,
        cause: error
      })
    ),
    // A defect of the transport (a `null` page, an unreadable error) fails this invocation, not the execution.
    Effect.catchDefect((defect) =>
      Effect.fail(
        new CheckpointFailedError({
          message: `Failed to load the execution state: ${Payload.errorTypeOf(defect)}: ${
            Payload.errorMessageOf(defect)
          }`,
          scope: "INVOCATION",
          ...(Payload.isReadable(defect) ? { cause: defect } : {})
        })
      )
    )
  )
  const byId = Checkpointer.indexById(into)
  // A smaller index means an operation twice: only then is it looked for.
  const duplicate = byId.size === into.length ? undefined : ServiceGuard.findDuplicate(into)
  if (duplicate !== undefined) {
    return yield* new InvalidEventError({
      message: `The state of the execution has the operation ${JSON.stringify(duplicate.slice(0, 100))} twice`
    })
  }
  if (!into.some((operation) => operation.Type === "EXECUTION")) {
    return yield* new InvalidEventError({
      message: `The state of the execution has no EXECUTION operation (${into.length} operations received)`
    })
  }
  return { operations: into, byId }
})

const failed = (error: Wire.ErrorObject): Wire.InvocationOutput => ({ Status: "FAILED", Error: error })

/**
 * Logs the system failure that ends the invocation: once per invocation, here,
 * its message bounded; a defect behind it (a readable one, of a bounded size)
 * is logged with it, for its stack.
 */
const logEnding = (error: SystemFailure) => {
  const message = `effect-durable: the invocation ends with ${error._tag}: ${Payload.truncate(error.message)}`
  const cause = "cause" in error ? error.cause : undefined
  return cause instanceof Error && !("_tag" in cause) && Payload.isReadable(cause) &&
      Payload.byteLength(cause.message) <= Payload.maxMessageBytes
    ? Effect.logError(message, Cause.die(cause))
    : Effect.logError(message)
}

/** How a system failure ends the invocation: FAILED, or a failed invocation (Lambda retries). */
const systemFailureOutput = (error: SystemFailure): Effect.Effect<Wire.InvocationOutput, InvocationFailure> => {
  const log = logEnding(error)
  switch (error._tag) {
    case "CheckpointFailedError":
      return Effect.andThen(
        log,
        error.scope === "INVOCATION"
          ? Effect.fail(error)
          : Effect.succeed(failed({ ErrorType: error._tag, ErrorMessage: error.message }))
      )
    case "SerdesFailedError":
    case "InvalidEventError":
    case "DeadlineApproachingError":
      return Effect.andThen(log, Effect.fail(error))
    default:
      return Effect.andThen(log, Effect.succeed(failed({ ErrorType: error._tag, ErrorMessage: error.message })))
  }
}

/**
 * Runs one invocation of `workflow` for a raw Lambda event and returns what the
 * function must answer the service.
 *
 * @example
 * ```ts
 * const output = yield* Invocation.handle(HelloWorld, event, { deadline: now + context.getRemainingTimeInMillis() })
 * // { Status: "PENDING" } | { Status: "SUCCEEDED", Result } | { Status: "FAILED", Error }
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const handle = <W extends Workflow.Any>(
  workflow: W,
  event: unknown,
  options: Options = {}
): Effect.Effect<Wire.InvocationOutput, InvocationFailure, CheckpointClient | Workflow.Services<W>> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const deadline = options.deadline ?? startedAt + defaultTimeoutMillis
    const policy = Termination.resolve(options.policy, yield* CostModel.fromEnvironment)
    const scope = yield* Scope.make()
    const instrumentation = Option.getOrUndefined(yield* Effect.serviceOption(Instrumentation.Instrumentation))
    const exit = yield* Effect.exit(
      run(workflow, event, {
        startedAt,
        deadline,
        policy,
        onTermination: options.onTermination,
        requestId: options.requestId ?? "",
        instrumentation
      }).pipe(Scope.provide(scope))
    ) as Effect.Effect<Exit.Exit<Wire.InvocationOutput, InvocationFailure>, never, CheckpointClient>
    yield* closeBefore(scope, exit, Termination.closeBy(deadline, policy))
    if (Exit.isSuccess(exit)) return fitted(exit.value)
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some") return yield* Effect.fail(bounded(error.value))
    if (!Cause.hasInterruptsOnly(exit.cause)) {
      yield* Effect.logError("effect-durable: the invocation died", exit.cause)
    }
    return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
  }).pipe(
    Effect.annotateLogs({ executionArn: Payload.truncate(arnOf(event), 2048), requestId: options.requestId ?? "" }),
    (self) => traced(self, "Invocation.handle", { "durable.workflow": workflow.name })
  ) as Effect.Effect<Wire.InvocationOutput, InvocationFailure, CheckpointClient | Workflow.Services<W>>

/**
 * The invocation itself, in the scope the caller closes: everything that can
 * take time (loading, the workflow, the answer's checkpoint, the drain) runs in
 * one fiber, raced against the supervisor's outcome, which the watchdog settles
 * before the deadline at the latest.
 */
const run = Effect.fnUntraced(function*(
  workflow: Workflow.Any,
  event: unknown,
  { deadline, instrumentation, onTermination, policy, requestId, startedAt }: {
    readonly startedAt: number
    readonly deadline: number
    readonly policy: Termination.Policy
    readonly onTermination: Options["onTermination"]
    readonly requestId: string
    readonly instrumentation: Instrumentation.Dispatch | undefined
  }
) {
  const input = yield* Wire.decodeInvocationInput(event).pipe(Effect.tapError(logEnding))
  const arn = input.DurableExecutionArn
  const scheduler = yield* Scheduler.make(policy)
  const supervisor = yield* Supervisor.make({ scheduler, policy, deadline, startedAt })
  // What the watchdog decides on: the pages read so far, then the checkpointer's state.
  const loaded: Array<Wire.Operation> = []
  let known: Effect.Effect<Iterable<Wire.Operation>> = Effect.sync(() => loaded)
  // Whether every checkpoint call was answered (state reads change nothing on the service).
  let settled: Effect.Effect<boolean> = Effect.succeed(true)
  yield* Effect.forkScoped(supervisor.watch(Effect.suspend(() => known), Effect.suspend(() => settled)))
  // Set once the body's answer is known and only the drain is left: the answer, and whether nothing is left unsent.
  let draining: { readonly output: Wire.InvocationOutput; readonly drained: Effect.Effect<boolean> } | undefined
  // Instrumentation: what the plugins were told when the invocation started.
  let started: Instrumentation.InvocationInfo | undefined

  const work = Effect.gen(function*() {
    // A failure to load the state is a system failure like any other: it goes to the supervisor.
    const { byId, operations } = yield* loadState(input, loaded).pipe(
      Effect.catch((error) => Effect.andThen(supervisor.fail(error), Effect.never))
    )
    const execution = operations.find((operation) => operation.Type === "EXECUTION")!
    const checkpointer = yield* Checkpointer.make({
      arn,
      token: input.CheckpointToken,
      operations,
      byId,
      scheduler,
      onFailure: supervisor.fail,
      // Without a token nothing more can be checkpointed: end the invocation, with
      // PENDING if the service has something to wake it up for, otherwise as a
      // failed invocation, which Lambda retries with a fresh token.
      onMissingToken: (pending) =>
        pending ? supervisor.suspend("OPERATION_TERMINATED") : supervisor.fail(
          new CheckpointFailedError({
            scope: "INVOCATION",
            message: "The service returned no checkpoint token and nothing is pending: the invocation cannot go on"
          })
        ),
      onMerged: instrumentation === undefined
        ? undefined
        : Observe.onMerged(instrumentation, arn, new Set(operations.map((operation) => operation.Id)))
    })
    known = checkpointer.operations
    settled = checkpointer.drained
    const replaying = operations.some((operation) => operation.Type !== "EXECUTION")
    const context = makeRoot(arn, { checkpointer, scheduler, supervisor, replay: { replaying }, instrumentation })
    if (instrumentation !== undefined) {
      started = yield* Observe.invocationStarted(instrumentation, {
        executionArn: arn,
        requestId,
        operations,
        updatedIds: input.UpdatedOperationIds ?? []
      })
    }

    const decoded = yield* Effect.exit(
      Payload.decode(workflow.input, execution.ExecutionDetails?.InputPayload, "execution input")
    )
    if (Exit.isFailure(decoded)) {
      // The message of the decoding failure says what does not match; no stack trace goes on the wire.
      const cause = Cause.findErrorOption(decoded.cause)
      const error = new InvalidInputError({
        message: `The execution input does not match the input Schema of workflow "${workflow.name}": ${
          cause._tag === "Some" ? cause.value.message : "it could not be decoded"
        }`
      })
      return failed({ ErrorType: error._tag, ErrorMessage: error.message })
    }

    const body = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
    yield* workflow.body(decoded.value).pipe(
      Effect.provideService(DurableContext, context),
      Effect.exit,
      Effect.flatMap((exit) => Deferred.succeed(body, exit)),
      Effect.forkScoped
    )
    yield* Effect.forkScoped(supervisor.run(checkpointer))

    const output = yield* answer(workflow, yield* Deferred.await(body), checkpointer, execution)
    // Drain the checkpoint queue before answering.
    draining = { output, drained: checkpointer.drained }
    yield* checkpointer.flush
    return output
  })

  // Started at once: the work runs as far as it can before anything else is scheduled.
  const worker = yield* Effect.forkScoped(work, { startImmediately: true })
  // Whichever ends first: the work, or the supervisor's outcome (a suspension, a
  // system failure, the watchdog). Both sides are interruptible, whatever the work is doing.
  const ended = Effect.raceFirst(
    Fiber.join(worker),
    Effect.flatMap(supervisor.outcome, (outcome): Effect.Effect<Wire.InvocationOutput, InvocationFailure> => {
      // An early end: told to `onTermination` (a suspension once the workflow has answered is not one).
      const told = outcome._tag === "Failed" || draining === undefined ? terminated(outcome, onTermination) : Effect.void
      if (outcome._tag === "Failed") return Effect.andThen(told, systemFailureOutput(outcome.error))
      if (draining === undefined) return Effect.as(told, { Status: "PENDING" } as const)
      // A suspension once the workflow has answered keeps its answer only if nothing it
      // wrote is left unsent; otherwise (no token to send it with, the deadline) the
      // invocation fails and Lambda retries it: the replay sends the trailing updates
      // and gives the same answer, where answering now would leave them out for good.
      const { drained, output } = draining
      return Effect.flatMap(drained, (nothingLeft) =>
        nothingLeft ? Effect.succeed(output) : Effect.fail(
          new CheckpointFailedError({
            scope: "INVOCATION",
            message: "The workflow answered, but updates it wrote before answering could not be checkpointed; " +
              "the invocation is retried to send them"
          })
        ))
    })
  )
  if (instrumentation === undefined) return yield* ended
  const exit = yield* Effect.exit(ended)
  if (started !== undefined) {
    yield* Observe.invocationEnded(instrumentation, started, Array.from(yield* known), exit)
  }
  return yield* exit
})

/**
 * Closes the invocation's scope (interrupting its fibers, running its
 * finalizers), waiting for it until `by` at the latest: past it the answer is
 * given and the closing goes on in the background.
 */
const closeBefore = (scope: Scope.Closeable, exit: Exit.Exit<unknown, unknown>, by: number) =>
  Effect.gen(function*() {
    const closing = yield* Effect.forkDetach(Scope.close(scope, exit), { startImmediately: true })
    const now = yield* Clock.currentTimeMillis
    const closed = yield* Effect.timeoutOption(Fiber.await(closing), Math.max(0, by - now))
    if (Option.isNone(closed)) {
      yield* Effect.logWarning(
        "effect-durable: the invocation's fibers did not stop in time (code that ignores interruption?); " +
          "answering anyway, they are still being interrupted"
      )
    }
  })

/**
 * The answer, within Lambda's response limit: messages truncated
 * (`Payload.truncate`), error types bounded, no stack trace, and an
 * `ErrorData` too large for the response left out.
 */
const fitted = (output: Wire.InvocationOutput): Wire.InvocationOutput => {
  if (output.Status !== "FAILED") return output
  const { ErrorData, ErrorMessage, ErrorType } = output.Error
  const error: Wire.ErrorObject = {
    ...(ErrorType === undefined ? {} : { ErrorType: Payload.truncate(ErrorType, 256) }),
    ...(ErrorMessage === undefined ? {} : { ErrorMessage: Payload.truncate(ErrorMessage) }),
    ...(ErrorData === undefined ? {} : { ErrorData })
  }
  if (ErrorData === undefined || Payload.byteLength(JSON.stringify(failed(error))) <= maxInlineResultBytes) {
    return failed(error)
  }
  const { ErrorData: _, ...withoutData } = error
  const note = ` [ErrorData of ${Payload.byteLength(ErrorData)} bytes left out: over Lambda's response limit]`
  return failed({
    ...withoutData,
    ErrorMessage: Payload.truncate(withoutData.ErrorMessage ?? "", Payload.maxMessageBytes - note.length) + note
  })
}

/** An invocation failure with its message truncated: it becomes Lambda's error response. */
const bounded = (error: InvocationFailure): InvocationFailure => {
  const message = Payload.truncate(error.message)
  if (message === error.message) return error
  switch (error._tag) {
    case "CheckpointFailedError":
      return new CheckpointFailedError({ ...error, message })
    case "SerdesFailedError":
      return new SerdesFailedError({ ...error, message })
    case "InvalidEventError":
      return new InvalidEventError({ message })
    case "DeadlineApproachingError":
      return new DeadlineApproachingError({ message })
  }
}

/** Logs the supervisor's decision and tells `onTermination`. */
const terminated = (outcome: Supervisor.Outcome, onTermination: Options["onTermination"]): Effect.Effect<void> =>
  Effect.logDebug(`invocation ended early: ${outcome._tag} (${outcome.reason})`).pipe(
    Effect.annotateLogs({ terminationReason: outcome.reason }),
    Effect.andThen(onTermination === undefined ? Effect.void : onTermination(outcome))
  )

const arnOf = (event: unknown): string => {
  try {
    return typeof event === "object" && event !== null && "DurableExecutionArn" in event &&
        typeof event.DurableExecutionArn === "string"
      ? event.DurableExecutionArn
      : ""
  } catch {
    return ""
  }
}

/** Encodes the workflow's outcome into the invocation's answer. */
const answer = Effect.fnUntraced(function*(
  workflow: Workflow.Any,
  exit: Exit.Exit<unknown, unknown>,
  checkpointer: Checkpointer.Checkpointer["Service"],
  execution: Wire.Operation
) {
  if (Exit.isSuccess(exit)) {
    // An output its Schema refuses is refused on every invocation: a failure of the execution, not one to retry.
    const encoded = yield* Effect.exit(Payload.encode(workflow.output, exit.value, "execution result"))
    if (Exit.isFailure(encoded)) {
      const error = Cause.findErrorOption(encoded.cause)
      return failed({
        ErrorType: "SerdesFailedError",
        ErrorMessage: error._tag === "Some" ? error.value.message : "The execution result could not be encoded"
      })
    }
    const result = encoded.value
    const output: Wire.InvocationOutput = result === undefined
      ? { Status: "SUCCEEDED" }
      : { Status: "SUCCEEDED", Result: result }
    // The response's size counts, escaping included, not just the result's.
    if (Payload.byteLength(JSON.stringify(output)) <= maxInlineResultBytes) return output
    // Too large for the response: the result goes through a checkpoint, within the
    // service's limit for an execution's result.
    const tooLarge = Payload.checkSize(result, "execution result", maxExecutionResultBytes)
    const failure = yield* Effect.flip(tooLarge).pipe(Effect.option)
    if (failure._tag === "Some") return failed({ ErrorType: failure.value._tag, ErrorMessage: failure.value.message })
    yield* checkpointer.checkpoint({ Id: execution.Id, Type: "EXECUTION", Action: "SUCCEED", Payload: result! })
    return { Status: "SUCCEEDED", Result: "" } as Wire.InvocationOutput
  }
  const failure = Cause.findErrorOption(exit.cause)
  if (failure._tag === "Some") {
    // A failure the error Schema cannot encode is still the workflow's failure:
    // written with its type and message, rather than failing every invocation.
    return failed(
      yield* Payload.encodeError(workflow.error, failure.value, "execution error").pipe(
        Effect.catch(() => Payload.encodeError(undefined, failure.value, "execution error"))
      )
    )
  }
  const defect = Cause.hasInterruptsOnly(exit.cause) ? new Error("The workflow was interrupted") : Cause.squash(exit.cause)
  return failed({ ErrorType: Payload.errorTypeOf(defect), ErrorMessage: Payload.errorMessageOf(defect) })
})
