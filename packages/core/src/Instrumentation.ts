/**
 * Instrumentation: hooks on the life of a durable execution, for tracing,
 * metrics and audit logs, provided as a service.
 *
 * A plugin is a set of {@link Hooks}, each an Effect of what it is told:
 *
 * - the invocation: `onInvocationStart` (before the workflow runs, with the
 *   state it was given and the operations the service changed since the last
 *   invocation) and `onInvocationEnd` (once the answer is final: `SUCCEEDED`,
 *   `FAILED`, `PENDING`, or `RETRYING` for an invocation that fails and
 *   Lambda retries);
 * - the operations: `onOperationStart` (a new operation was checkpointed, or a
 *   checkpointed operation that is not finished was found on replay:
 *   `isReplay`), `onOperationEnd` (an operation reached its final status, live
 *   or through the service since the last invocation: once per operation and
 *   execution), `onOperationChange` (each response of the service that
 *   changed operations: the changed ones and the whole known state);
 * - the code that runs: `onAttemptStart`/`onAttemptEnd` around each attempt of
 *   a step or a `waitForCondition` check, `onFunctionStart`/`onFunctionEnd`
 *   around the code of a child context (a child, a `map` item, a `parallel`
 *   branch, a `waitForCallback`).
 *
 * Hooks run in order, in the fiber of what they observe; a hook that fails or
 * throws is ignored (logged at debug level) and never affects the execution
 * or the other plugins. Without the service, the engine costs nothing more: it
 * looks at one field per operation.
 *
 * @example
 * ```ts
 * import { Instrumentation } from "@effect-durable/core"
 * import { Effect } from "effect"
 *
 * const Audit = Instrumentation.layer({
 *   onOperationEnd: (op) => Effect.log(`${op.type} ${op.name ?? op.id} ended ${op.status}`),
 *   onInvocationEnd: (invocation) => Effect.log(`invocation ${invocation.requestId}: ${invocation.status}`)
 * })
 * // LambdaHandler.make(workflow, { layer: Audit })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Wire from "./Wire.ts"

// ---------------------------------------------------------------------------
// What the hooks are told
// ---------------------------------------------------------------------------

/**
 * What identifies an operation in every info.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationIdentity {
  readonly executionArn: string
  readonly id: string
  readonly name: string | undefined
  readonly type: Wire.OperationType
  readonly subType: string | undefined
  readonly parentId: string | undefined
}

/**
 * An operation, as a hook sees it: its identity and its latest checkpoint.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationInfo extends OperationIdentity {
  /** The checkpointed status (`undefined` before the service saw the operation). */
  readonly status: Wire.OperationStatus | undefined
  readonly startTimestamp: Date | undefined
  readonly endTimestamp: Date | undefined
  /** A step's attempts made so far (the service's `Attempt`). */
  readonly attempt: number | undefined
  /** The checkpointed result, as stored (the serialized payload). */
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
  /** Whether this invocation learned of the operation from the state it was given (not live). */
  readonly isReplay: boolean
}

/**
 * The invocation, as `onInvocationStart` sees it.
 *
 * @category models
 * @since 0.1.0
 */
export interface InvocationInfo {
  readonly executionArn: string
  readonly requestId: string
  /** True when the state holds no operation yet: the execution's first invocation. */
  readonly isFirstInvocation: boolean
  readonly executionStartTimestamp: Date | undefined
  /** The execution input, as stored. */
  readonly input: string | undefined
  /** Every operation of the state the invocation was given, by id. */
  readonly operations: ReadonlyMap<string, OperationInfo>
  /** The operations the service changed since the previous invocation (`UpdatedOperationIds`). */
  readonly updatedOperations: ReadonlyMap<string, OperationInfo>
}

/**
 * How an invocation ended: the answer (`SUCCEEDED`, `FAILED`, `PENDING`), or
 * `RETRYING` when it fails without an answer and Lambda retries it.
 *
 * @category models
 * @since 0.1.0
 */
export type InvocationStatus = "SUCCEEDED" | "FAILED" | "PENDING" | "RETRYING"

/**
 * The invocation, as `onInvocationEnd` sees it: the known state at its end,
 * its status and, when it failed, the error.
 *
 * @category models
 * @since 0.1.0
 */
export interface InvocationEndInfo extends InvocationInfo {
  readonly status: InvocationStatus
  readonly error: Wire.ErrorObject | undefined
}

/**
 * A response of the service that changed operations.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationChangeInfo {
  readonly executionArn: string
  /** The operations the response changed. */
  readonly updatedOperations: ReadonlyMap<string, OperationInfo>
  /** Every known operation after the change. */
  readonly operations: ReadonlyMap<string, OperationInfo>
}

/**
 * One attempt of a step (or one check of a `waitForCondition`).
 *
 * @category models
 * @since 0.1.0
 */
export interface AttemptInfo extends OperationIdentity {
  /** 1-based. */
  readonly attempt: number
  /**
   * A step's semantics: whether its code may run again within an attempt cut
   * short (`AtLeastOncePerRetry`) or never (`AtMostOncePerRetry`). Undefined
   * for a `waitForCondition` check.
   */
  readonly semantics?: "AtLeastOncePerRetry" | "AtMostOncePerRetry" | undefined
  readonly startTimestamp: Date
  /** Whether the operation was checkpointed before this invocation. */
  readonly isReplay: boolean
}

/**
 * An attempt that ended.
 *
 * @category models
 * @since 0.1.0
 */
export interface AttemptEndInfo extends AttemptInfo {
  readonly endTimestamp: Date
  readonly outcome: "SUCCEEDED" | "FAILED"
  readonly error: Wire.ErrorObject | undefined
}

/**
 * The code of a child context (a child, a `map` item, a `parallel` branch, a
 * `waitForCallback`).
 *
 * @category models
 * @since 0.1.0
 */
export interface FunctionInfo extends OperationIdentity {
  /** True when the code runs again over checkpointed children (replay). */
  readonly isReplayingChildren: boolean
}

/**
 * The code of a child context that ended.
 *
 * @category models
 * @since 0.1.0
 */
export interface FunctionEndInfo extends FunctionInfo {
  readonly outcome: "SUCCEEDED" | "FAILED"
  readonly error: Wire.ErrorObject | undefined
}

/**
 * A plugin: any of the hooks. Each returns an Effect; its failures and
 * defects are ignored.
 *
 * @category models
 * @since 0.1.0
 */
export interface Hooks {
  readonly onInvocationStart?: ((info: InvocationInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onInvocationEnd?: ((info: InvocationEndInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onOperationStart?: ((info: OperationInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onOperationChange?: ((info: OperationChangeInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onOperationEnd?: ((info: OperationInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onAttemptStart?: ((info: AttemptInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onAttemptEnd?: ((info: AttemptEndInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onFunctionStart?: ((info: FunctionInfo) => Effect.Effect<void, unknown>) | undefined
  readonly onFunctionEnd?: ((info: FunctionEndInfo) => Effect.Effect<void, unknown>) | undefined
}

/**
 * Every hook, defined: what the engine calls.
 *
 * @category models
 * @since 0.1.0
 */
export type Dispatch = { readonly [K in keyof Hooks]-?: (info: Parameters<NonNullable<Hooks[K]>>[0]) => Effect.Effect<void> }

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/**
 * The instrumentation of the engine: its plugins, combined. Optional: the
 * engine runs without it.
 *
 * @category services
 * @since 0.1.0
 */
export class Instrumentation extends Context.Service<Instrumentation, Dispatch>()(
  "@effect-durable/core/Instrumentation"
) {}

const hookNames = [
  "onInvocationStart",
  "onInvocationEnd",
  "onOperationStart",
  "onOperationChange",
  "onOperationEnd",
  "onAttemptStart",
  "onAttemptEnd",
  "onFunctionStart",
  "onFunctionEnd"
] as const satisfies ReadonlyArray<keyof Hooks>

/**
 * Combines plugins into one dispatch: each hook calls the plugins that define
 * it, in order; a plugin's failure, defect or throw is logged at debug level
 * and ignored, and the next plugin still runs.
 *
 * @example
 * ```ts
 * const dispatch = Instrumentation.make(tracing, metrics)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (...plugins: ReadonlyArray<Hooks>): Dispatch => {
  const dispatch: Record<string, (info: any) => Effect.Effect<void>> = {}
  for (const hook of hookNames) {
    const calls = plugins.flatMap((plugin, index) => {
      const f = plugin[hook] as ((info: unknown) => Effect.Effect<void, unknown>) | undefined
      return f === undefined ? [] : [
        (info: unknown) =>
          Effect.suspend(() => f(info)).pipe(
            Effect.catchCause((cause) =>
              Effect.logDebug(`Instrumentation plugin ${index + 1}: ${hook} failed and was ignored`, Cause.pretty(cause))
            )
          )
      ]
    })
    dispatch[hook] = calls.length === 0
      ? () => Effect.void
      : calls.length === 1
      ? calls[0]!
      : (info) => Effect.forEach(calls, (call) => call(info), { discard: true })
  }
  return dispatch as Dispatch
}

/**
 * The instrumentation service with these plugins.
 *
 * @example
 * ```ts
 * const Tracing = Instrumentation.layer({ onAttemptStart: (a) => Effect.log(`attempt ${a.attempt} of ${a.name}`) })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (...plugins: ReadonlyArray<Hooks>): Layer.Layer<Instrumentation> =>
  Layer.succeed(Instrumentation, make(...plugins))

// ---------------------------------------------------------------------------
// Building the infos (used by the engine)
// ---------------------------------------------------------------------------

/**
 * An operation's info from its checkpoint.
 *
 * @category infos
 * @since 0.1.0
 */
export const operationInfo = (executionArn: string, operation: Wire.Operation, isReplay: boolean): OperationInfo => ({
  executionArn,
  id: operation.Id,
  name: operation.Name,
  type: operation.Type,
  subType: operation.SubType,
  parentId: operation.ParentId,
  status: operation.Status,
  startTimestamp: operation.StartTimestamp,
  endTimestamp: operation.EndTimestamp,
  attempt: operation.StepDetails?.Attempt,
  result: operation.StepDetails?.Result ?? operation.ContextDetails?.Result ?? operation.CallbackDetails?.Result ??
    operation.ChainedInvokeDetails?.Result,
  error: operation.StepDetails?.Error ?? operation.ContextDetails?.Error ?? operation.CallbackDetails?.Error ??
    operation.ChainedInvokeDetails?.Error,
  isReplay
})

/**
 * The infos of operations, by id.
 *
 * @category infos
 * @since 0.1.0
 */
export const operationInfos = (
  executionArn: string,
  operations: Iterable<Wire.Operation>,
  isReplay: (operation: Wire.Operation) => boolean
): ReadonlyMap<string, OperationInfo> => {
  const infos = new Map<string, OperationInfo>()
  for (const operation of operations) infos.set(operation.Id, operationInfo(executionArn, operation, isReplay(operation)))
  return infos
}
