/**
 * The durable context: what a workflow body (or a child context) runs in.
 *
 * Every durable operation requires it, so that calling one outside a workflow
 * does not type-check. It carries the context's position in the id tree (its
 * raw id and its counter) and the invocation's machinery: checkpointer,
 * scheduler and supervisor.
 *
 * @since 0.1.0
 */
import { Context, Effect, Ref } from "effect"
import type { Checkpointer } from "./Checkpointer.ts"
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
  /** The number of operations started so far in this context. */
  readonly counter: Ref.Ref<number>
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
 * Builds the root context of an invocation.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeRoot = (executionArn: string, services: InvocationServices): Effect.Effect<DurableContext["Service"]> =>
  Effect.map(Ref.make(0), (counter) =>
    DurableContext.of({ executionArn, parent: undefined, counter, location: "workflow", mode: "execute", services }))

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
): Effect.Effect<DurableContext["Service"]> =>
  Effect.map(Ref.make(0), (counter) =>
    DurableContext.of({
      ...parent,
      parent: { rawId: child.rawId, id: child.parentId },
      counter,
      location: "workflow",
      mode,
      yieldAfterId: false
    }))

/**
 * Allocates the ids of the next operation of a context.
 *
 * @category ids
 * @since 0.1.0
 */
export const nextIds = (context: DurableContext["Service"]) =>
  Effect.map(Ref.updateAndGet(context.counter, (n) => n + 1), (counter) => {
    const rawId = OperationId.child(context.parent?.rawId, counter)
    return { rawId, id: OperationId.hash(rawId), parentId: context.parent?.id }
  })
