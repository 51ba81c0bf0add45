/**
 * `invoke`: calls another durable (or plain) Lambda function and waits for its
 * result, durably.
 *
 * A CHAINED_INVOKE START carries the encoded input and the function name; the
 * service runs the function and completes the operation with its result or
 * failure. Meanwhile the operation waits in the scheduler, so the invocation
 * suspends once nothing else runs; the service re-invokes the function when the
 * chained invoke completes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { DurableContext } from "../DurableContext.ts"
import { InvokeError } from "../DurableError.ts"
import { fault, operation, type Started, traced, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus, OperationSubType } from "../Wire.ts"

/**
 * Options of {@link invoke}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<I, O> {
  /** Encodes the input: a Schema (as JSON) or a `Payload.serde`. Defaults to JSON. */
  readonly input?: Payload.Format<I> | undefined
  /** Decodes the result: a Schema (from JSON) or a `Payload.serde`. Defaults to JSON. */
  readonly output?: Payload.Format<O> | undefined
  /** The tenant the invoked function runs for, if it is multi-tenant. */
  readonly tenantId?: string | undefined
}

/**
 * Invokes `functionName` (a function name, version or alias ARN) with `input`.
 *
 * @example
 * ```ts
 * const receipt = yield* Durable.invoke("charge", "arn:aws:lambda:eu-west-1:123456789012:function:payments:live", order, {
 *   input: Order,
 *   output: Receipt
 * })
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const invoke = <I, O = unknown>(
  name: string,
  functionName: string,
  input: I,
  options: Options<I, O> = {}
): Effect.Effect<O, InvokeError, DurableContext> =>
  operation({ type: "CHAINED_INVOKE", subType: OperationSubType.ChainedInvoke, name }, (started) =>
    // Replay of a completed invoke: its outcome, straight from the checkpoint.
    started.checkpoint !== undefined && isTerminalStatus(started.checkpoint.Status)
      ? outcome(started, functionName, options, started.checkpoint)
      : traced(started, live(started, functionName, input, options), "Durable.invoke", { "durable.operation.name": name }))

const live = <I, O>(started: Started, functionName: string, input: I, options: Options<I, O>) =>
  Effect.gen(function*() {
    const name = started.label
    const { checkpointer, scheduler } = started.context.services
    let current = started.checkpoint
    if (current === undefined) {
      const payload = yield* Payload.encode(options.input ?? (Payload.Json as Payload.Format<I>), input, name).pipe(
        Effect.flatMap((payload) => Payload.checkSize(payload, name)),
        Effect.catch((error) => fault(started.context, error))
      )
      yield* scheduler.executing(started.meta)
      current = yield* checkpointer.checkpoint(update(started, "START", {
        ...(payload === undefined ? {} : { Payload: payload }),
        ChainedInvokeOptions: {
          FunctionName: functionName,
          ...(options.tenantId === undefined ? {} : { TenantId: options.tenantId })
        }
      }))
    }
    const done = yield* scheduler.await(started.meta, {
      state: "IDLE_AWAITED",
      wakeAt: undefined,
      current,
      until: (operation) => isTerminalStatus(operation.Status)
    })
    yield* scheduler.complete(started.meta.id)
    return yield* outcome(started, functionName, options, done)
  })

/** What an ended invoke returns: its decoded result, or an `InvokeError`. */
const outcome = <I, O>(
  started: Started,
  functionName: string,
  options: Options<I, O>,
  done: Wire.Operation
): Effect.Effect<O, InvokeError> => {
  const name = started.label
  if (done.Status === "SUCCEEDED") {
    return Payload.decode(options.output ?? (Payload.Json as Payload.Format<O>), done.ChainedInvokeDetails?.Result, name)
      .pipe(Effect.catch((error) => fault(started.context, error)))
  }
  const error = done.ChainedInvokeDetails?.Error
  const status = done.Status === "TIMED_OUT" || done.Status === "STOPPED" ? done.Status : "FAILED"
  return Effect.fail(
    new InvokeError({
      status,
      message: error?.ErrorMessage ?? `The invocation of ${functionName} by "${name}" ended ${done.Status}`,
      ...(error?.ErrorType === undefined ? {} : { errorType: error.ErrorType }),
      ...(error?.ErrorData === undefined ? {} : { errorData: error.ErrorData })
    })
  )
}
