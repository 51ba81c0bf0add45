/**
 * Where the engine calls the instrumentation hooks: building the infos the
 * hooks are told, only when the `Instrumentation` service is provided.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as OperationId from "../OperationId.ts"
import {
  type Dispatch,
  type InvocationInfo,
  type InvocationStatus,
  type OperationIdentity,
  operationInfo,
  operationInfos
} from "../Instrumentation.ts"
import * as Payload from "../Payload.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus } from "../Wire.ts"
import type { Started } from "./operation.ts"

const isUserOperation = (operation: Wire.Operation): boolean => operation.Type !== "EXECUTION"

const userOperations = (operations: Iterable<Wire.Operation>): Array<Wire.Operation> => {
  const out: Array<Wire.Operation> = []
  for (const operation of operations) if (isUserOperation(operation)) out.push(operation)
  return out
}

/**
 * The invocation started: `onInvocationStart`, then `onOperationEnd` for the
 * operations the service completed since the previous invocation (timers,
 * callbacks, chained invokes: their end is observed now).
 */
export const invocationStarted = Effect.fnUntraced(function*(
  dispatch: Dispatch,
  fields: {
    readonly executionArn: string
    readonly requestId: string
    readonly operations: ReadonlyArray<Wire.Operation>
    readonly updatedIds: ReadonlyArray<string>
  }
) {
  const { executionArn, operations } = fields
  const execution = operations.find((operation) => operation.Type === "EXECUTION")
  const users = userOperations(operations)
  const updated = new Set(fields.updatedIds)
  const info: InvocationInfo = {
    executionArn,
    requestId: fields.requestId,
    isFirstInvocation: users.length === 0,
    executionStartTimestamp: execution?.StartTimestamp,
    input: execution?.ExecutionDetails?.InputPayload,
    operations: operationInfos(executionArn, users, () => true),
    updatedOperations: operationInfos(executionArn, users.filter((operation) => updated.has(operation.Id)), () => true)
  }
  yield* dispatch.onInvocationStart(info)
  for (const operation of info.updatedOperations.values()) {
    if (operation.status !== undefined && isTerminalStatus(operation.status)) yield* dispatch.onOperationEnd(operation)
  }
  return info
})

/** The invocation ended (its answer, or the failure Lambda retries), with the known state at its end. */
export const invocationEnded = (
  dispatch: Dispatch,
  start: InvocationInfo,
  operations: ReadonlyArray<Wire.Operation>,
  exit: Exit.Exit<Wire.InvocationOutput, unknown>
): Effect.Effect<void> => {
  const status: InvocationStatus = Exit.isSuccess(exit) ? exit.value.Status : "RETRYING"
  const error = Exit.isSuccess(exit)
    ? (exit.value.Status === "FAILED" ? exit.value.Error : undefined)
    : describe(Cause.squash(exit.cause))
  return dispatch.onInvocationEnd({
    ...start,
    operations: operationInfos(start.executionArn, userOperations(operations), (operation) => start.operations.has(operation.Id)),
    status,
    error
  })
}

const describe = (error: unknown): Wire.ErrorObject => ({
  ErrorType: Payload.errorTypeOf(error),
  ErrorMessage: Payload.errorMessageOf(error)
})

/**
 * What the checkpointer calls with every response that changed operations:
 * `onOperationStart` for an operation the invocation did not know,
 * `onOperationEnd` for one that reached its final status, then
 * `onOperationChange`.
 */
export const onMerged = (dispatch: Dispatch, executionArn: string, known: ReadonlySet<string>) =>
(
  operations: ReadonlyArray<Wire.Operation>,
  previous: ReadonlyArray<Wire.Operation | undefined>,
  state: ReadonlyMap<OperationId.WireId, Wire.Operation>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const isReplay = (operation: Wire.Operation) => known.has(operation.Id)
    const changed: Array<Wire.Operation> = []
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!
      if (!isUserOperation(operation)) continue
      changed.push(operation)
      const before = previous[i]
      if (before === undefined) yield* dispatch.onOperationStart(operationInfo(executionArn, operation, false))
      if (isTerminalStatus(operation.Status) && (before === undefined || !isTerminalStatus(before.Status))) {
        yield* dispatch.onOperationEnd(operationInfo(executionArn, operation, isReplay(operation)))
      }
    }
    if (changed.length === 0) return
    yield* dispatch.onOperationChange({
      executionArn,
      updatedOperations: operationInfos(executionArn, changed, isReplay),
      operations: operationInfos(executionArn, userOperations(state.values()), isReplay)
    })
  })

/** An operation found on replay with a checkpoint that is not final: it is observed again. */
export const replayStarted = (dispatch: Dispatch, started: Started): Effect.Effect<void> =>
  dispatch.onOperationStart(operationInfo(started.context.executionArn, started.checkpoint!, true))

const identity = (started: Started): OperationIdentity => ({
  executionArn: started.context.executionArn,
  id: started.meta.id,
  name: started.meta.name,
  type: started.meta.type,
  subType: started.meta.subType,
  parentId: started.parentId
})

type Outcome = { readonly succeeded: boolean; readonly error?: Wire.ErrorObject | undefined }

/** Runs code between a start hook and an end hook told its outcome. */
const around = <I extends object, A, E, R>(
  start: (info: I) => Effect.Effect<void>,
  end: (info: I & { readonly outcome: "SUCCEEDED" | "FAILED"; readonly error: Wire.ErrorObject | undefined }) => Effect.Effect<void>,
  info: I,
  run: Effect.Effect<A, E, R>,
  outcome: (result: A) => Outcome
): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    yield* start(info)
    const result = yield* run
    const { error, succeeded } = outcome(result)
    yield* end({ ...info, outcome: succeeded ? "SUCCEEDED" : "FAILED", error })
    return result
  })

/**
 * Runs one attempt of a step (or check) between `onAttemptStart` and
 * `onAttemptEnd`; `outcome` reads the attempt's result.
 */
export const attempt = <A, E, R>(
  dispatch: Dispatch,
  started: Started,
  number: number,
  run: Effect.Effect<A, E, R>,
  outcome: (result: A) => Outcome,
  semantics?: "AtLeastOncePerRetry" | "AtMostOncePerRetry"
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    around(
      dispatch.onAttemptStart,
      (info) => Effect.flatMap(Clock.currentTimeMillis, (at) => dispatch.onAttemptEnd({ ...info, endTimestamp: new Date(at) })),
      {
        ...identity(started),
        attempt: number,
        startTimestamp: new Date(now),
        isReplay: started.checkpoint !== undefined,
        ...(semantics === undefined ? {} : { semantics })
      },
      run,
      outcome
    ))

/**
 * Runs the code of a child context between `onFunctionStart` and
 * `onFunctionEnd`; `outcome` reads its result.
 */
export const fn = <A, E, R>(
  dispatch: Dispatch,
  started: Started,
  run: Effect.Effect<A, E, R>,
  outcome: (result: A) => Outcome
): Effect.Effect<A, E, R> =>
  around(
    dispatch.onFunctionStart,
    dispatch.onFunctionEnd,
    { ...identity(started), isReplayingChildren: started.checkpoint !== undefined },
    run,
    outcome
  )

/** The outcome of code that ran, from its exit: a failure's type and message. */
export const exitOutcome = (exit: Exit.Exit<unknown, unknown>): Outcome => {
  if (Exit.isSuccess(exit)) return { succeeded: true }
  const failure = Cause.findErrorOption(exit.cause)
  return { succeeded: false, error: describe(failure._tag === "Some" ? failure.value : Cause.squash(exit.cause)) }
}
