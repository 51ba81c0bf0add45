/**
 * Callbacks: wait for an external system.
 *
 * `createCallback` checkpoints a CALLBACK START; the service answers with a
 * callback id, which the workflow hands to the external system. That system
 * completes the callback through `SendDurableExecutionCallbackSuccess` (or
 * `…Failure`, or lets it time out); meanwhile the callback is pending in the
 * scheduler, so the invocation suspends once nothing else runs, and the
 * service re-invokes the function when the callback completes.
 *
 * `waitForCallback` lays the three operations out as the official SDK does: a
 * CONTEXT (subtype `WaitForCallback`) named after the call, containing an
 * unnamed CALLBACK and the unnamed submitter STEP.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { DurableContext } from "../DurableContext.ts"
import {
  CallbackExternalError,
  CallbackSubmitterError,
  CallbackTimeoutError,
  ConfigValidationError,
  InvalidEventError
} from "../DurableError.ts"
import { fault, operation, type Started, traced, update } from "../internal/operation.ts"
import * as Payload from "../Payload.ts"
import type * as RetryPolicy from "../RetryPolicy.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus, OperationSubType } from "../Wire.ts"
import * as Child from "./Child.ts"
import * as Step from "./Step.ts"
import type { StepContext } from "./Step.ts"

/** The failures a waitForCallback context checkpoints, rebuilt as the same classes on replay. */
const CallbackFailure = Schema.Union([CallbackExternalError, CallbackTimeoutError, CallbackSubmitterError])

/**
 * A callback the workflow created: hand `callbackId` to the external system,
 * then `await` the result.
 *
 * @category models
 * @since 0.1.0
 */
export interface Callback<A> {
  readonly callbackId: string
  readonly await: Effect.Effect<A, CallbackExternalError | CallbackTimeoutError>
}

/**
 * Options of {@link createCallback}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<A> {
  /**
   * Decodes the result, which the external system sends as a string: as JSON
   * with this Schema. Without it the raw string is returned (as the official
   * SDK does by default).
   */
  readonly schema?: Payload.Codec<A> | undefined
  /** How long the external system has to complete the callback. None by default. */
  readonly timeout?: Duration.Input | undefined
  /** How long the external system may stay silent before it must send a heartbeat. None by default. */
  readonly heartbeatTimeout?: Duration.Input | undefined
}

const maxTimeoutSeconds = 99_999_999

const toSeconds = (
  label: string,
  name: string | undefined,
  duration: Duration.Input | undefined
): Effect.Effect<number | undefined, ConfigValidationError> => {
  if (duration === undefined) return Effect.succeed(undefined)
  const millis = Duration.toMillis(duration)
  const seconds = Math.ceil(millis / 1000)
  return Number.isFinite(millis) && millis > 0 && seconds <= maxTimeoutSeconds
    ? Effect.succeed(seconds)
    : Effect.fail(
      new ConfigValidationError({
        message: `Invalid ${label} for callback "${name}": it must last from 1 to ${maxTimeoutSeconds} seconds.`
      })
    )
}

/**
 * Awaits a started CALLBACK operation and turns its final checkpoint into the
 * result or a typed failure.
 */
const awaitResult = <A>(started: Started, options: Options<A>) =>
(operation: Wire.Operation): Effect.Effect<A, CallbackExternalError | CallbackTimeoutError> => {
  const name = started.label
  switch (operation.Status) {
    case "SUCCEEDED": {
      const result = operation.CallbackDetails?.Result
      if (options.schema === undefined) return Effect.succeed(result as A)
      return Payload.decode(options.schema, result, name).pipe(
        Effect.mapError((error) =>
          new CallbackExternalError({
            errorType: "SerdesFailedError",
            message: `The result of callback "${name}" did not decode: ${error.message}`
          })
        )
      )
    }
    case "TIMED_OUT":
      // The service says which timeout it was (the callback's, or its heartbeat's).
      return Effect.fail(
        new CallbackTimeoutError({ message: operation.CallbackDetails?.Error?.ErrorMessage ?? "Callback timed out" })
      )
    default: {
      const error = operation.CallbackDetails?.Error
      return Effect.fail(
        new CallbackExternalError({
          errorType: error?.ErrorType ?? "CallbackError",
          message: error?.ErrorMessage ?? `Callback "${name}" ended ${operation.Status}`,
          ...(error?.ErrorData === undefined ? {} : { errorData: error.ErrorData })
        })
      )
    }
  }
}

/**
 * Creates a callback.
 *
 * @example
 * ```ts
 * const approval = yield* Durable.createCallback("approval", { schema: Schema.Struct({ approved: Schema.Boolean }), timeout: "3 days" })
 * yield* Durable.step("ask", sendApprovalEmail(approval.callbackId))
 * const { approved } = yield* approval.await
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const createCallback = <A = string>(
  name: string,
  options: Options<A> = {}
): Effect.Effect<Callback<A>, never, DurableContext> => make(name, options)

/**
 * A callback that may be unnamed (the one `waitForCallback` creates).
 *
 * @internal
 */
export const make = <A = string>(
  name: string | undefined,
  options: Options<A> = {}
): Effect.Effect<Callback<A>, never, DurableContext> =>
  operation({ type: "CALLBACK", subType: OperationSubType.Callback, name }, (started) => {
    const current = started.checkpoint
    const callbackId = current?.CallbackDetails?.CallbackId
    // Replay of a completed callback: its id and its outcome, straight from the checkpoint.
    if (current !== undefined && callbackId !== undefined && isTerminalStatus(current.Status)) {
      return Effect.succeed({ callbackId, await: Effect.suspend(() => awaitResult(started, options)(current)) })
    }
    return traced(started, live(started, name, options), "Durable.createCallback", { "durable.operation.name": name ?? "" })
  })

const live = <A>(started: Started, name: string | undefined, options: Options<A>) =>
  Effect.gen(function*() {
    const { checkpointer, scheduler } = started.context.services
    let current = started.checkpoint
    if (current === undefined) {
      const timeout = yield* toSeconds("timeout", name, options.timeout).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
      const heartbeat = yield* toSeconds("heartbeat timeout", name, options.heartbeatTimeout).pipe(
        Effect.catch((error) => fault(started.context, error))
      )
      yield* scheduler.executing(started.meta)
      current = yield* checkpointer.checkpoint(update(started, "START", {
        CallbackOptions: {
          ...(timeout === undefined ? {} : { TimeoutSeconds: timeout }),
          ...(heartbeat === undefined ? {} : { HeartbeatTimeoutSeconds: heartbeat })
        }
      }))
    }
    const callbackId = current?.CallbackDetails?.CallbackId
    if (callbackId === undefined) {
      return yield* fault(
        started.context,
        new InvalidEventError({ message: `The service returned no CallbackId for callback "${name}"` })
      )
    }
    const registration = yield* scheduler.register(started.meta, {
      state: "IDLE_NOT_AWAITED",
      wakeAt: undefined,
      current,
      until: (operation) => isTerminalStatus(operation.Status)
    })
    const result = awaitResult(started, options)
    return {
      callbackId,
      await: registration.await.pipe(
        Effect.flatMap(result),
        Effect.withSpan("Durable.createCallback.await", { attributes: { "durable.operation.name": started.label } })
      )
    }
  })

/**
 * Options of {@link waitForCallback}.
 *
 * @category models
 * @since 0.1.0
 */
export interface WaitOptions<A, E> extends Options<A> {
  /** The retry policy of the submitter step. */
  readonly retry?: RetryPolicy.RetryPolicy<E | unknown> | undefined
}

/**
 * Creates a callback, runs `submit` with its id as a durable step, and waits
 * for the result.
 *
 * @example
 * ```ts
 * const decision = yield* Durable.waitForCallback(
 *   "manager-approval",
 *   (callbackId) => Effect.promise(() => queue.send({ callbackId, order })),
 *   { schema: Decision, timeout: "2 days" }
 * )
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const waitForCallback = <A = string, E = never, R = never>(
  name: string,
  submit: (callbackId: string) => Effect.Effect<void, E, R>,
  options: WaitOptions<A, E> = {}
): Effect.Effect<
  A,
  CallbackExternalError | CallbackTimeoutError | CallbackSubmitterError,
  DurableContext | Exclude<R, StepContext>
> =>
  Effect.gen(function*() {
    const raw = yield* Child.child(
      name,
      Effect.gen(function*() {
        // The callback and the submitter are unnamed, as the official SDK leaves them.
        const callback = yield* make(undefined, {
          timeout: options.timeout,
          heartbeatTimeout: options.heartbeatTimeout
        })
        yield* Step.make(undefined, submit(callback.callbackId), { retry: options.retry }).pipe(
          Effect.mapError((error) =>
            new CallbackSubmitterError({
              message: error.message,
              errorType: error.errorType,
              ...(error.errorData === undefined ? {} : { errorData: error.errorData })
            })
          )
        )
        return yield* callback.await
      }),
      // The raw callback string is the context's result, JSON-encoded like any child result; a callback
      // completed without a result gives no result at all.
      { subType: OperationSubType.WaitForCallback, success: Schema.UndefinedOr(Schema.String), error: CallbackFailure }
    ).pipe(
      Effect.catchTag("ChildContextError", (error) =>
        Effect.fail(
          new CallbackExternalError({
            message: error.message,
            errorType: error.errorType,
            ...(error.errorData === undefined ? {} : { errorData: error.errorData })
          })
        ))
    )
    if (options.schema === undefined) return raw as A
    return yield* Payload.decode(options.schema, raw, name).pipe(
      Effect.mapError((error) =>
        new CallbackExternalError({
          errorType: "SerdesFailedError",
          message: `The result of callback "${name}" did not decode: ${error.message}`
        })
      )
    )
  }).pipe(Effect.withSpan("Durable.waitForCallback", { attributes: { "durable.operation.name": name } }))

