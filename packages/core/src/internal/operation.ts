/**
 * The prologue and helpers every durable operation shares.
 */
import { Effect, Ref } from "effect"
import { DurableContext, nextIds } from "../DurableContext.ts"
import {
  ConfigValidationError,
  ContextValidationError,
  NonDeterministicExecutionError,
  type SystemFailure
} from "../DurableError.ts"
import * as OperationId from "../OperationId.ts"
import * as Replay from "../Replay.ts"
import type * as Scheduler from "../Scheduler.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus } from "../Wire.ts"

/** What an operation knows about itself once started. */
export interface Started {
  readonly context: DurableContext["Service"]
  readonly rawId: OperationId.RawId
  readonly meta: Scheduler.OperationMeta
  /** The name, or a description of the position for an unnamed operation: for messages. */
  readonly label: string
  readonly parentId: OperationId.WireId | undefined
  /** The checkpoint found for this position, if any (replay). */
  readonly checkpoint: Wire.Operation | undefined
}

/** Ends the invocation with a system failure; the calling fiber never resumes. */
export const fault = (context: DurableContext["Service"], error: SystemFailure): Effect.Effect<never> =>
  context.services.supervisor.fail(error).pipe(Effect.andThen(Effect.never))

const printableAscii = /^[\x20-\x7e]{1,256}$/

/**
 * Starts an operation: checks where it is called from and its name, allocates
 * its id, and validates the checkpoint found at its position.
 */
export const begin = Effect.fnUntraced(function*(spec: {
  readonly type: Wire.OperationType
  readonly subType: Wire.OperationSubType
  /** `undefined` only for the operations the SDK itself leaves unnamed (as the official SDK does). */
  readonly name: string | undefined
}) {
  const context = yield* DurableContext
  if (context.location === "step") {
    return yield* fault(
      context,
      new ContextValidationError({
        message: `Durable operation "${spec.name ?? spec.subType}" (${spec.subType}) was called inside a step. ` +
          "A step's code runs at most once per attempt and is not replayed: durable operations belong in the workflow body."
      })
    )
  }
  if (spec.name !== undefined && !printableAscii.test(spec.name)) {
    return yield* fault(
      context,
      new ConfigValidationError({
        message: `Invalid operation name ${JSON.stringify(spec.name.slice(0, 300))}: ` +
          "names must be 1 to 256 printable ASCII characters."
      })
    )
  }
  const { id, parentId, rawId } = yield* nextIds(context)
  const checkpoint = yield* context.services.checkpointer.get(id)
  // The replay ends at the first operation without history, or at the last one
  // with history (what the workflow does after it is new).
  if (context.services.replay.replaying) {
    const counter = yield* Ref.get(context.counter)
    const next = yield* context.services.checkpointer.get(OperationId.hash(OperationId.child(context.parent?.rawId, counter + 1)))
    if (checkpoint === undefined || next === undefined) context.services.replay.replaying = false
  }
  const mismatch = Replay.validate(checkpoint, { rawId, type: spec.type, name: spec.name, subType: spec.subType })
  if (mismatch !== undefined) return yield* fault(context, mismatch)
  if (context.mode === "replay-succeeded" && (checkpoint === undefined || !isTerminalStatus(checkpoint.Status))) {
    return yield* fault(
      context,
      new NonDeterministicExecutionError({
        operationId: rawId,
        message: `Non-deterministic execution detected: operation "${spec.name ?? ""}" (${spec.subType}, step "${rawId}") ` +
          `has no completed checkpoint, but it runs inside a context that already completed.`
      })
    )
  }
  if (context.yieldAfterId === true) yield* Effect.yieldNow
  const started: Started = {
    context,
    rawId,
    parentId,
    checkpoint,
    meta: { id, type: spec.type, subType: spec.subType, name: spec.name },
    label: spec.name ?? `${spec.subType} ${rawId}`
  }
  return started
})

/** An update for the operation, with its identity fields filled in. */
export const update = (
  started: Started,
  action: Wire.OperationAction,
  fields?: Omit<Wire.OperationUpdate, "Id" | "ParentId" | "Name" | "Type" | "SubType" | "Action">
): Wire.OperationUpdate => ({
  Id: started.meta.id,
  ...(started.parentId === undefined ? {} : { ParentId: started.parentId }),
  ...(started.meta.name === undefined ? {} : { Name: started.meta.name }),
  Type: started.meta.type,
  ...(started.meta.subType === undefined ? {} : { SubType: started.meta.subType }),
  Action: action,
  ...fields
})
