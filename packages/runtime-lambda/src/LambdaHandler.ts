/**
 * The AWS Lambda entrypoint of a durable workflow.
 *
 * `LambdaHandler.make(workflow)` returns the function to export as the Lambda
 * handler. A container builds its services once (without layers of its own, the
 * checkpoint client and the logger with the handler, in Lambda's Init phase;
 * with them, every service on the first invocation); warm invocations reuse
 * them. Each invocation runs `Invocation.handle` in a scope of its own, with
 * the deadline Lambda gives it, and answers the durable execution service with
 * `SUCCEEDED`, `FAILED` or `PENDING`. Failures that the service must retry (an
 * invalid event, a checkpoint that failed for this invocation only, an
 * unreadable payload) and defects reject the promise, so Lambda retries the
 * invocation.
 *
 * @since 0.1.0
 */
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import * as DurableError from "@effect-durable/core/DurableError"
import * as DurableLogger from "@effect-durable/core/DurableLogger"
import * as Invocation from "@effect-durable/core/Invocation"
import * as Payload from "@effect-durable/core/Payload"
import type * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as DurableExecutionClient from "./DurableExecutionClient.ts"
import { traced } from "./internal/conversions.ts"
import * as LambdaCheckpointClient from "./LambdaCheckpointClient.ts"

/**
 * The part of the Lambda context object that the handler uses. The `Context` of
 * `@types/aws-lambda` satisfies it.
 *
 * @category models
 * @since 0.1.0
 */
export interface LambdaContext {
  /** The id of this invocation, written to logs and spans. */
  readonly awsRequestId: string
  /** Milliseconds left before Lambda ends the invocation. */
  getRemainingTimeInMillis(): number
  readonly functionName?: string | undefined
  readonly functionVersion?: string | undefined
  readonly invokedFunctionArn?: string | undefined
}

/**
 * Options of {@link make} that do not depend on the workflow.
 *
 * @category models
 * @since 0.1.0
 */
export interface BaseOptions {
  /**
   * The `CheckpointClient` to use instead of the handler's transport
   * (`LambdaCheckpointClient.layer` for {@link make}; see {@link makeWith})
   * (a client with other settings, the in-memory emulator in tests).
   */
  readonly checkpointClient?: Layer.Layer<CheckpointClient.CheckpointClient, unknown> | undefined
  /**
   * A transport with the official SDK's `DurableExecutionClient` shape, to use
   * instead of the handler's transport (exclusive with
   * `checkpointClient`). A transport injected in the event
   * (`durableExecutionClient`, as the official testing library does) wins over
   * both for that invocation.
   */
  readonly durableExecutionClient?: DurableExecutionClient.DurableExecutionClient | undefined
  /** The termination policy (`"cost"`, the default, `"latency"`, `"eager"`, or one with overrides), passed to `Invocation.handle`. */
  readonly policy?: Invocation.Options["policy"]
  /**
   * The logger of the invocations. Defaults to `DurableLogger.layer()`: one
   * JSON line per record, as Lambda writes them, with replayed records
   * dropped. Give `Layer.empty` to keep Effect's default logger.
   */
  readonly logger?: Layer.Layer<never> | undefined
}

/**
 * Options of {@link make}. `layer` provides the services the workflow's body
 * needs besides the durable context; it is required exactly when there are
 * some.
 *
 * @example
 * ```ts
 * export const handler = LambdaHandler.make(OrderWorkflow, { layer: Payments.layer })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Options<W extends Workflow.Any> =
  & BaseOptions
  & ([Workflow.Services<W>] extends [never] ? { readonly layer?: Layer.Layer<never, unknown> | undefined }
    : { readonly layer: Layer.Layer<Workflow.Services<W>, unknown> })

// Types only: nothing of it exists at runtime. It has the name and the members of the official
// SDK's `InvocationStatus` enum, and TypeScript relates enums of the same name and members.
declare enum InvocationStatus {
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  PENDING = "PENDING"
}

/**
 * A `Wire.InvocationOutput` typed as the official SDK types its handlers'
 * answers: `Status` is its TypeScript enum (of the same strings). Only
 * {@link Handler}'s second call signature uses it.
 *
 * @category models
 * @since 0.1.0
 */
export type OfficialOutput =
  | { readonly Status: InvocationStatus.SUCCEEDED; readonly Result?: string }
  | { readonly Status: InvocationStatus.FAILED; readonly Error: Omit<Wire.ErrorObject, "StackTrace"> }
  | { readonly Status: InvocationStatus.PENDING }

/**
 * A Lambda handler for a durable workflow, with access to its runtime.
 *
 * A call answers a `Wire.InvocationOutput`. The second call signature (the
 * same function, typed as the official SDK types a `DurableLambdaHandler`)
 * makes a handler assignable to the official type, so that the official
 * testing library runs it without a cast.
 *
 * @example
 * ```ts
 * import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing"
 *
 * const runner = new LocalDurableTestRunner({ handlerFunction: LambdaHandler.make(HelloWorld) })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Handler {
  (event: unknown, context: LambdaContext): Promise<Wire.InvocationOutput>
  (event: unknown, context: LambdaContext): Promise<OfficialOutput>
  /**
   * The runtime of this container, over the services its invocations run with:
   * `undefined` until the first invocation (and after `dispose`).
   */
  readonly runtime: () => ManagedRuntime.ManagedRuntime<never, unknown> | undefined
  /**
   * Interrupts the invocations in flight and releases the services (the
   * Lambda client, the workflow's services). A later invocation builds them
   * again.
   */
  readonly dispose: () => Promise<void>
}

/**
 * Why the handler rejected: the invocation failed in a way Lambda must retry
 * (`InvocationFailed`: the typed error is the `cause`), the runtime could not
 * be built (`RuntimeBuildFailed`), the invocation died (`Defect`) or was
 * interrupted (`Interrupted`).
 *
 * @category errors
 * @since 0.1.0
 */
export class LambdaHandlerError extends Schema.TaggedError<LambdaHandlerError>()("LambdaHandlerError", {
  message: Schema.String,
  reason: Schema.Literals(["InvocationFailed", "RuntimeBuildFailed", "Defect", "Interrupted"]),
  cause: Schema.optionalKey(Schema.Defect())
}) {}

// Total and bounded: the message becomes Lambda's error response, whatever was thrown.
const describe = (u: unknown): string =>
  Payload.truncate(`${Payload.errorTypeOf(u)}: ${Payload.errorMessageOf(u)}`)

/**
 * The error the handler rejects with, as Lambda answers it: its type and
 * message, without stack frames (they would only point into this adapter; the
 * `cause` keeps its own, for logs).
 */
const rejection = (error: LambdaHandlerError): LambdaHandlerError => {
  error.stack = `${error.name}: ${error.message}`
  return error
}

const fromCause = (cause: Cause.Cause<unknown>, building: boolean): LambdaHandlerError => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) {
    return building
      ? new LambdaHandlerError({
        message: `Could not build the durable runtime: ${describe(error.value)}`,
        reason: "RuntimeBuildFailed",
        cause: error.value
      })
      : new LambdaHandlerError({
        message: `Durable invocation failed and will be retried: ${describe(error.value)}`,
        reason: "InvocationFailed",
        cause: error.value
      })
  }
  const defect = Cause.findDefect(cause)
  if (Result.isSuccess(defect)) {
    return new LambdaHandlerError({
      message: building
        ? `Could not build the durable runtime: ${describe(defect.success)}`
        : `Durable invocation died: ${describe(defect.success)}`,
      reason: building ? "RuntimeBuildFailed" : "Defect",
      // Lambda logs the rejection with its cause: a value that throws when read is left out.
      ...(Payload.isReadable(defect.success) ? { cause: defect.success } : {})
    })
  }
  return new LambdaHandlerError({ message: "Durable invocation was interrupted", reason: "Interrupted" })
}

// The two fields every durable event has, checked before anything is built so
// that a wrong event (a test event from the console, a non-durable trigger)
// fails with a clear message. `Invocation.handle` decodes the whole event.
const EventEnvelope = Schema.Struct({ DurableExecutionArn: Schema.String, CheckpointToken: Schema.String })
const decodeEnvelope = Schema.decodeUnknownEffect(EventEnvelope)

// The check of a well-formed envelope by hand: it spares the cold start compiling the Schema parser before
// anything else needs it (~0.5 ms); any other event goes through the Schema, whose message names the field.
const isEnvelope = (event: unknown): boolean => {
  try {
    return typeof event === "object" && event !== null &&
      typeof (event as Record<string, unknown>).DurableExecutionArn === "string" &&
      typeof (event as Record<string, unknown>).CheckpointToken === "string"
  } catch {
    return false
  }
}

const checkEvent = (event: unknown): Effect.Effect<unknown, DurableError.InvalidEventError> =>
  isEnvelope(event) ? Effect.succeed(event) : decodeEnvelope(event, { onExcessProperty: "ignore" }).pipe(
    Effect.as(event),
    Effect.mapError((error) =>
      new DurableError.InvalidEventError({
        message: "Malformed durable execution event (is the function invoked by a durable execution?): " +
          error.message
      })
    )
  )

/** The services of a container: what its invocations run with, and how to release them. */
interface Services<R> {
  readonly context: Context.Context<R>
  readonly release: Effect.Effect<void>
}

/**
 * The services of a handler without a layer of its own: the checkpoint client
 * and the durable logger are plain values, put in a context directly. A Layer
 * graph (a MemoMap, a scope per layer, their concurrent merge) would cost the
 * cold start ~1.3 ms of V8 compiling its machinery on the first invocation,
 * for services that need none of it.
 */
const builtIn = (
  transport: Transport,
  injected: DurableExecutionClient.DurableExecutionClient | undefined
): Exit.Exit<Services<CheckpointClient.CheckpointClient>, unknown> => {
  // A transport that throws while it is made (built with the handler, at import) fails the first invocation.
  const made = injected === undefined
    ? Result.flatMap(Result.try(() => transport.make()), (made) => made)
    : Result.succeed({ service: DurableExecutionClient.make(injected), destroy: () => {} })
  if (Result.isFailure(made)) return Exit.fail(made.failure)
  const client = made.success
  return Exit.succeed({
    // One flat context, as a layer build makes it: `Context.add` would put the logger in an overlay that
    // invalidates the fibers' reference caches, and every step of the invocation would pay for it (+14 % CPU).
    context: Context.mergeAll(
      Context.make(CheckpointClient.CheckpointClient, client.service),
      Context.make(Logger.CurrentLoggers, new Set([DurableLogger.make()]))
    ),
    release: Effect.sync(client.destroy)
  })
}

/** Builds the layers of a handler in a scope of their own, closed by `release` (or at once if the build fails). */
const buildLayers = <R>(layer: Layer.Layer<R, unknown>): Effect.Effect<Services<R>, unknown> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(layer, scope).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
    return { context, release: Scope.close(scope, Exit.void) }
  })

type AllOptions<S> = BaseOptions & { readonly layer?: Layer.Layer<S, unknown> | undefined }

/**
 * The checkpoint transport a handler uses when its options give none: how to
 * build the client when the handler is made (its service and the
 * function that releases it, or why it cannot be built), and the same client
 * as a layer, for handlers with layers of their own. `LambdaHandler.make`
 * uses the AWS SDK's (`LambdaCheckpointClient`);
 * `LambdaHttpCheckpointClient.transport()` is the light one.
 *
 * @example
 * ```ts
 * const transport: LambdaHandler.Transport = LambdaHttpCheckpointClient.transport({ region: "eu-west-1" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Transport {
  readonly make: () => Result.Result<{
    readonly service: Context.Service.Shape<typeof CheckpointClient.CheckpointClient>
    readonly destroy: () => void
  }, unknown>
  readonly layer: Layer.Layer<CheckpointClient.CheckpointClient, unknown>
}

/**
 * The AWS SDK's client (`LambdaCheckpointClient.makeDefault`, `LambdaCheckpointClient.layer`).
 */
const awsTransport: Transport = {
  make: () => Result.succeed(LambdaCheckpointClient.makeDefault()),
  layer: LambdaCheckpointClient.layer
}

/**
 * A {@link make} over another default transport, chosen once for every
 * handler it makes (what {@link makeWith} returns).
 *
 * @example
 * ```ts
 * const make: LambdaHandler.Make = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())
 * export const handler = make(OrderWorkflow, { layer: Payments.layer })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Make {
  <W extends Workflow.Any>(
    workflow: W,
    ...options: [Workflow.Services<W>] extends [never] ? [options?: Options<W>] : [options: Options<W>]
  ): Handler
}

/**
 * Builds the Lambda handler of a durable workflow.
 *
 * The services are built once and reused by warm invocations: the `layer`,
 * `checkpointClient` and `logger` layers on the first invocation, or without
 * them the default checkpoint client and logger, as plain values, with the
 * handler: made at a module's top level, that is Lambda's Init phase, which
 * runs on a full vCPU, where the invocation runs on the memory size's share of
 * one (a transport that cannot be made fails the first invocation, and the
 * next makes it again). Each invocation runs
 * `Invocation.handle(workflow, event, { deadline, requestId })` where the
 * deadline is now plus `context.getRemainingTimeInMillis()`; nothing it starts
 * outlives it.
 *
 * The returned promise resolves with the `InvocationOutput` for the service,
 * and rejects with a `LambdaHandlerError` (so Lambda retries the invocation)
 * when the invocation fails with an `InvocationFailure`, dies, or the runtime
 * cannot be built. Layers that failed to build are released, and the next
 * invocation builds them again.
 *
 * @example
 * ```ts
 * import { LambdaHandler } from "@effect-durable/runtime-lambda"
 * import { Greet } from "./Greet.ts"
 *
 * export const handler = LambdaHandler.make(Greet)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export function make<W extends Workflow.Any>(
  workflow: W,
  ...options: [Workflow.Services<W>] extends [never] ? [options?: Options<W>] : [options: Options<W>]
): Handler
export function make<W extends Workflow.Any>(workflow: W, options?: AllOptions<Workflow.Services<W>>): Handler {
  return makeHandler(workflow, options, awsTransport)
}

/**
 * {@link make} over another default transport: the handlers it makes use
 * `transport` when their options give no `checkpointClient` or
 * `durableExecutionClient`. With `LambdaHttpCheckpointClient.transport()` the
 * handler never references `@aws-sdk/client-lambda`, so a bundle of it leaves
 * the AWS SDK out (the cold start's largest part: see the package's README).
 *
 * @example
 * ```ts
 * import { LambdaHandler, LambdaHttpCheckpointClient } from "@effect-durable/runtime-lambda"
 *
 * export const handler = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())(Greet)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeWith = (transport: Transport): Make =>
  ((workflow: Workflow.Any, options?: AllOptions<Workflow.Services<Workflow.Any>>) =>
    makeHandler(workflow, options, transport)) as Make

function makeHandler<W extends Workflow.Any>(
  workflow: W,
  options: AllOptions<Workflow.Services<W>> | undefined,
  transport: Transport
): Handler {
  if (options?.checkpointClient !== undefined && options.durableExecutionClient !== undefined) {
    throw new TypeError("LambdaHandler.make: give either checkpointClient or durableExecutionClient, not both")
  }
  type R = CheckpointClient.CheckpointClient | Workflow.Services<W>
  type Runtime = ManagedRuntime.ManagedRuntime<R, unknown>
  // The services of the container, reused by warm invocations.
  let services: Promise<Exit.Exit<Services<R>, unknown>> | undefined
  let built: Services<R> | undefined
  let runtime: Runtime | undefined
  // The invocations (and the layers' build) in flight, interrupted by `dispose`.
  const running = new Set<Fiber.Fiber<unknown, unknown>>()
  const track = <A, E, S>(context: Context.Context<S>, effect: Effect.Effect<A, E, S>): Promise<Exit.Exit<A, E>> => {
    let fiber: Fiber.Fiber<unknown, unknown> | undefined
    return Effect.runPromiseExitWith(context)(effect, { onFiberStart: (started) => running.add(fiber = started) })
      .then((exit) => {
        if (fiber !== undefined) running.delete(fiber)
        return exit
      })
  }

  // Without a layer the workflow needs no services of its own: `R` is the checkpoint client.
  const builtInOnly = options?.layer === undefined && options?.checkpointClient === undefined &&
    options?.logger === undefined
  const build = (): Promise<Exit.Exit<Services<R>, unknown>> =>
    builtInOnly
      ? Promise.resolve(builtIn(transport, options?.durableExecutionClient) as Exit.Exit<Services<R>, unknown>)
      : track(Context.empty(), buildLayers(Layer.mergeAll(
        options?.checkpointClient ??
          (options?.durableExecutionClient === undefined
            ? transport.layer
            : DurableExecutionClient.layer(options.durableExecutionClient)),
        options?.layer ?? Layer.empty,
        options?.logger ?? DurableLogger.layer()
      )))

  // Built-in services are built with the handler: made at a module's top level, on Lambda that is the Init
  // phase, which runs on a full vCPU, where the first invocation runs on the memory size's share of one. A
  // failure waits for the first invocation, which reports it (and the next one builds them again). Layers
  // are built on the first invocation, as they may do anything.
  if (builtInOnly) services = build()

  // A span only with a tracing backend, as for every span of effect-durable.
  const invoke = (event: unknown, context: LambdaContext) =>
    traced(
      "LambdaHandler.invoke",
      { "faas.invocation_id": context.awsRequestId, "durable.workflow": workflow.name },
      Effect.scoped(handleEvent(event, context))
    )
  const handleEvent = Effect.fnUntraced(
    function*(event: unknown, context: LambdaContext) {
      yield* checkEvent(event)
      const now = yield* Clock.currentTimeMillis
      const run = Invocation.handle(workflow, event, {
        deadline: now + context.getRemainingTimeInMillis(),
        requestId: context.awsRequestId,
        policy: options?.policy
      })
      const injected = DurableExecutionClient.fromEvent(event)
      return yield* injected === undefined
        ? run
        : Effect.provideService(run, CheckpointClient.CheckpointClient, DurableExecutionClient.make(injected))
    }
  )

  const handler = async (event: unknown, context: LambdaContext): Promise<Wire.InvocationOutput> => {
    const current = services ??= build()
    const ready = await current
    if (Exit.isFailure(ready)) {
      if (services === current) services = undefined
      throw rejection(fromCause(ready.cause, true))
    }
    if (services === current) built = ready.value
    const exit = await track(ready.value.context, invoke(event, context))
    if (Exit.isSuccess(exit)) return exit.value
    throw rejection(fromCause(exit.cause, false))
  }

  const dispose = async (): Promise<void> => {
    const current = services
    services = undefined
    built = undefined
    const made = runtime
    runtime = undefined
    const fibers = Array.from(running)
    running.clear()
    await Effect.runPromise(Fiber.interruptAll(fibers))
    if (made !== undefined) await made.dispose()
    const ready = current === undefined ? undefined : await current
    if (ready !== undefined && Exit.isSuccess(ready)) await Effect.runPromise(ready.value.release)
  }

  // The container's runtime is made on demand, over the services its invocations run with.
  const runtimeOf = (): Runtime | undefined =>
    built === undefined ? undefined : runtime ??= ManagedRuntime.make(Layer.succeedContext(built.context))

  // The cast adds the official typing of the same function (see `Handler`).
  return Object.assign(handler, { runtime: runtimeOf, dispose }) as Handler
}
