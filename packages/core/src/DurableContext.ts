/**
 * The durable context: what a workflow body (or a child context) runs in.
 *
 * Every durable operation requires it, so that calling one outside a workflow
 * does not type-check. It carries the context's position in the id tree (its
 * raw id and its id allocator) and the invocation's machinery: checkpointer,
 * scheduler and supervisor.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { Checkpointer } from "./Checkpointer.ts"
import type * as Instrumentation from "./Instrumentation.ts"
import * as OperationId from "./OperationId.ts"
import type { Scheduler } from "./Scheduler.ts"
import type { Supervisor } from "./Supervisor.ts"

/**
 * The machinery shared by every context of one invocation.
 *
 * @category models
 * @since 0.1.0
 */
export interface InvocationServices {
  readonly checkpointer: Checkpointer["Service"]
  readonly scheduler: Scheduler["Service"]
  readonly supervisor: Supervisor["Service"]
  /**
   * Whether the workflow is still replaying its history: true from the start
   * of an invocation that has history until the first operation without a
   * checkpoint. Read by the replay-aware logger.
   */
  readonly replay: { replaying: boolean }
  /** The plugins' hooks, when the `Instrumentation` service is provided (checked once per operation). */
  readonly instrumentation: Instrumentation.Dispatch | undefined
}

/**
 * The durable context service.
 *
 * @category services
 * @since 0.1.0
 */
export class DurableContext extends Context.Service<DurableContext, {
  /** The ARN of the durable execution. */
  readonly executionArn: string
  /** The raw and wire id of the enclosing context operation (undefined at the root). */
  readonly parent: { readonly rawId: OperationId.RawId; readonly id: OperationId.WireId | undefined } | undefined
  /** Allocates the ids of the context's operations (see {@link allocate}). */
  readonly ids: Ids
  /** Where user code runs: durable operations may not be called from inside a step. */
  readonly location: "workflow" | "step"
  /**
   * `replay-succeeded` while a completed context re-runs its code to rebuild a
   * result too large to checkpoint: every operation must then find a
   * completed checkpoint.
   */
  readonly mode: "execute" | "replay-succeeded"
  /**
   * Set for the effects of a combinator: each operation yields once its id is
   * allocated, so that, like a promise continuation, the rest of the effect
   * runs only after every effect and the combination itself got their ids.
   */
  readonly yieldAfterId?: boolean | undefined
  readonly services: InvocationServices
}>()("@effect-durable/core/DurableContext") {}

/**
 * The ids of one operation.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationIds {
  readonly rawId: OperationId.RawId
  readonly id: OperationId.WireId
  /** The `ParentId` written on the wire: the enclosing context's (or, for a virtual context, its ancestor's). */
  readonly parentId: OperationId.WireId | undefined
}

/**
 * The id allocator of a context: how many operations it started, and the ids
 * of the next one when the replay already computed them (the replay looks one
 * operation ahead to know where its history ends, so every id is hashed once).
 * Mutable, and shared by every view of the same context. The ids ahead are
 * two strings rather than an `OperationIds`: the replay looks ahead once per
 * operation, and allocates no object for it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Ids {
  counter: number
  /** The raw id of operation `counter + 1`, when {@link peek} computed it. */
  aheadRawId: OperationId.RawId | undefined
  /** Its wire id, set with `aheadRawId`. */
  aheadId: OperationId.WireId | undefined
}

const makeIds = (): Ids => ({ counter: 0, aheadRawId: undefined, aheadId: undefined })

/**
 * Builds the root context of an invocation.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeRoot = (executionArn: string, services: InvocationServices): DurableContext["Service"] =>
  DurableContext.of({ executionArn, parent: undefined, ids: makeIds(), location: "workflow", mode: "execute", services })

/**
 * Builds the context of a child operation (a CONTEXT): its operations get ids
 * `<rawId>-1`, `<rawId>-2`, ... and `parentId` as their `ParentId` (the
 * context's own id, or an ancestor's for a virtual context).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeChild = (
  parent: DurableContext["Service"],
  child: { readonly rawId: OperationId.RawId; readonly parentId: OperationId.WireId | undefined },
  mode: "execute" | "replay-succeeded"
): DurableContext["Service"] =>
  DurableContext.of({
    ...parent,
    parent: { rawId: child.rawId, id: child.parentId },
    ids: makeIds(),
    location: "workflow",
    mode,
    yieldAfterId: false
  })

/**
 * The raw and wire id of an operation, written into an object of the
 * caller's (an operation's own record: see {@link allocateInto}).
 *
 * @category models
 * @since 0.1.0
 */
export interface IdTarget {
  rawId: OperationId.RawId
  id: OperationId.WireId
}

/**
 * Allocates the ids of the next operation of a context into `target`, and
 * allocates nothing else. Synchronous: the caller runs inside the fiber that
 * owns the position.
 *
 * @category ids
 * @since 0.1.0
 */
export const allocateInto = (context: DurableContext["Service"], target: IdTarget): void => {
  const ids = context.ids
  const counter = ++ids.counter
  const rawId = ids.aheadRawId
  if (rawId !== undefined) {
    // `peek` computed them for this very counter: nothing else allocates in between.
    target.rawId = rawId
    target.id = ids.aheadId!
    ids.aheadRawId = ids.aheadId = undefined
  } else {
    target.rawId = OperationId.child(context.parent?.rawId, counter)
    target.id = OperationId.hash(target.rawId)
  }
}

/**
 * Allocates the ids of the next operation of a context (see
 * {@link allocateInto}).
 *
 * @category ids
 * @since 0.1.0
 */
export const allocate = (context: DurableContext["Service"]): OperationIds => {
  const ids = { rawId: "", id: "", parentId: context.parent?.id }
  allocateInto(context, ids)
  return ids
}

/**
 * The wire id the next operation of a context will get, computed once and
 * kept for it (with its raw id).
 *
 * @category ids
 * @since 0.1.0
 */
export const peek = (context: DurableContext["Service"]): OperationId.WireId => {
  const ids = context.ids
  if (ids.aheadId !== undefined) return ids.aheadId
  const rawId = OperationId.child(context.parent?.rawId, ids.counter + 1)
  ids.aheadRawId = rawId
  return ids.aheadId = OperationId.hash(rawId)
}

/**
 * Allocates the ids of the next operation of a context, as an Effect.
 *
 * @category ids
 * @since 0.1.0
 */
export const nextIds = (context: DurableContext["Service"]): Effect.Effect<OperationIds> =>
  Effect.sync(() => allocate(context))
