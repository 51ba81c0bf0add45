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
 *   retry (a transient checkpoint failure, a serialization failure).
 *
 * Closing the scope interrupts every fiber of the invocation and runs its
 * finalizers, so nothing of one invocation outlives it.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Deferred, Effect, Exit } from "effect"
import * as Checkpointer from "./Checkpointer.ts"
import { CheckpointClient } from "./CheckpointClient.ts"
import * as CostModel from "./CostModel.ts"
import { DurableContext, makeRoot } from "./DurableContext.ts"
import {
  CheckpointFailedError,
  InvalidEventError,
  InvalidInputError,
  type SerdesFailedError,
  type SystemFailure
} from "./DurableError.ts"
import * as Payload from "./Payload.ts"
import * as Scheduler from "./Scheduler.ts"
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
}

/**
 * Failures that end the invocation without an answer: Lambda retries the
 * invocation (the Lambda adapter rethrows them).
 *
 * @category models
 * @since 0.1.0
 */
export type InvocationFailure = CheckpointFailedError | SerdesFailedError | InvalidEventError

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
 * page from the service.
 *
 * @category running
 * @since 0.1.0
 */
export const loadState = Effect.fnUntraced(function*(input: Wire.InvocationInput) {
  const client = yield* CheckpointClient
  const operations: Array<Wire.Operation> = [...(input.InitialExecutionState?.Operations ?? [])]
  // An empty marker means "no more pages", as for the official SDK.
  let marker = input.InitialExecutionState?.NextMarker || undefined
  while (marker !== undefined) {
    const page = yield* client.getExecutionState({
      DurableExecutionArn: input.DurableExecutionArn,
      CheckpointToken: input.CheckpointToken,
      Marker: marker,
      MaxItems: 1000
    }).pipe(
      Effect.mapError((error) =>
        new CheckpointFailedError({
          message: `Failed to load the execution state: ${error.message}`,
          scope: error.scope,
          cause: error
        })
      )
    )
    operations.push(...(page.Operations ?? []))
    marker = page.NextMarker || undefined
  }
  return operations
})

const failed = (error: Wire.ErrorObject): Wire.InvocationOutput => ({ Status: "FAILED", Error: error })

const systemFailureOutput = (error: SystemFailure): Effect.Effect<Wire.InvocationOutput, InvocationFailure> => {
  switch (error._tag) {
    case "CheckpointFailedError":
      return error.scope === "INVOCATION"
        ? Effect.fail(error)
        : Effect.succeed(failed({ ErrorType: error._tag, ErrorMessage: error.message }))
    case "SerdesFailedError":
    case "InvalidEventError":
      return Effect.fail(error)
    default:
      return Effect.succeed(failed({ ErrorType: error._tag, ErrorMessage: error.message }))
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
    const input = yield* Wire.decodeInvocationInput(event)
    const arn = input.DurableExecutionArn
    const deadline = options.deadline ?? startedAt + defaultTimeoutMillis
    const policy = Termination.resolve(options.policy, yield* CostModel.fromEnvironment)

    const loaded = yield* Effect.exit(loadState(input))
    if (Exit.isFailure(loaded)) {
      const error = Cause.findErrorOption(loaded.cause)
      if (error._tag === "Some") return yield* systemFailureOutput(error.value)
      return yield* Effect.failCause(loaded.cause as Cause.Cause<never>)
    }
    const operations = loaded.value
    const execution = operations.find((operation) => operation.Type === "EXECUTION")
    if (execution === undefined) {
      return yield* new InvalidEventError({
        message: `The state of ${arn} has no EXECUTION operation (${operations.length} operations received)`
      })
    }

    const scheduler = yield* Scheduler.make(policy)
    const supervisor = yield* Supervisor.make({ scheduler, policy, deadline, startedAt })
    const checkpointer = yield* Checkpointer.make({
      arn,
      token: input.CheckpointToken,
      operations,
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
        )
    })
    const replaying = operations.some((operation) => operation.Type !== "EXECUTION")
    const context = makeRoot(arn, { checkpointer, scheduler, supervisor, replay: { replaying } })

    const decoded = yield* Effect.exit(
      Payload.decode(workflow.input, execution.ExecutionDetails?.InputPayload, "execution input")
    )
    if (Exit.isFailure(decoded)) {
      const error = new InvalidInputError({
        message: `The execution input does not match the input Schema of workflow "${workflow.name}": ${
          Cause.pretty(decoded.cause)
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

    // Whichever ends first: the workflow, or the supervisor's decision.
    const first = yield* Effect.raceFirst(
      Effect.map(Deferred.await(body), (exit) => ({ _tag: "Body", exit }) as const),
      Effect.map(supervisor.outcome, (outcome) => ({ _tag: "Terminated", outcome }) as const)
    )
    if (first._tag === "Terminated") {
      return first.outcome._tag === "Suspended"
        ? { Status: "PENDING" } as const
        : yield* systemFailureOutput(first.outcome.error)
    }

    const output = yield* answer(workflow, first.exit, checkpointer, execution)
    // Drain the checkpoint queue before answering, unless a failure ends the invocation first.
    const drained = yield* Effect.raceFirst(
      Effect.as(checkpointer.flush, undefined),
      supervisor.outcome
    )
    if (drained !== undefined) {
      return drained._tag === "Suspended" ? output : yield* systemFailureOutput(drained.error)
    }
    return output
  }).pipe(
    Effect.scoped,
    Effect.annotateLogs({ executionArn: arnOf(event), requestId: options.requestId ?? "" }),
    Effect.withSpan("Invocation.handle", { attributes: { "durable.workflow": workflow.name } })
  ) as Effect.Effect<Wire.InvocationOutput, InvocationFailure, CheckpointClient | Workflow.Services<W>>

const arnOf = (event: unknown): string =>
  typeof event === "object" && event !== null && "DurableExecutionArn" in event &&
    typeof event.DurableExecutionArn === "string"
    ? event.DurableExecutionArn
    : ""

/** Encodes the workflow's outcome into the invocation's answer. */
const answer = Effect.fnUntraced(function*(
  workflow: Workflow.Any,
  exit: Exit.Exit<unknown, unknown>,
  checkpointer: Checkpointer.Checkpointer["Service"],
  execution: Wire.Operation
) {
  if (Exit.isSuccess(exit)) {
    const result = yield* Payload.encode(workflow.output, exit.value, "execution result")
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
