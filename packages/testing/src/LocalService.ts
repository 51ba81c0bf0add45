/**
 * The local durable service: the `Emulator` plus the functions that run on it.
 *
 * Register workflows by function name, and `LocalService.layer` does what
 * Lambda does for them: every execution of a registered function, however it
 * was started (the Lambda API's `Invoke` on `LambdaApiServer`, the in-memory
 * `DurableClient` of {@link layerClient}, `emulator.start`), is invoked
 * whenever the emulator has work for it (at its start, when a timer fires,
 * when a callback or a chained invoke completes), its answers are recorded,
 * and it goes on until it ends or is stopped. Each execution is driven by
 * `LocalRunner.drive`, the same invocation loop as `LocalRunner.run`;
 * executions run concurrently, each one invocation at a time. Executions that
 * are already running when the layer starts (an emulator whose state survived
 * a restart) are picked up too.
 *
 * Service code talks to it through the `DurableClient`: {@link layerClient}
 * serves the client in process (for `TestClock` tests), and `LambdaApiServer`
 * serves the Lambda REST API over HTTP (for the real `LambdaClient`, a
 * `DurableClient.layer` with an `endpoint`, the CLI). The registered functions
 * are the only ones the API knows: invoking or listing another one is a
 * `ResourceNotFoundException`, as on AWS.
 *
 * Everything is timed with Effect's `Clock`: on the real clock it runs in real
 * time; under `TestClock` the test moves time (see {@link LocalService} `idle`).
 *
 * @example
 * ```ts
 * import { DurableClient } from "@effect-durable/client"
 * import { Emulator, LambdaApiServer, LocalService } from "@effect-durable/testing"
 * import { Layer } from "effect"
 *
 * // in process, for TestClock tests
 * const TestLayer = LocalService.layerTest({ "expense-approval": ExpenseApproval })
 *
 * // over HTTP, for the real LambdaClient
 * const ServerLayer = LambdaApiServer.layer.pipe(
 *   Layer.provideMerge(LocalService.layer({ "expense-approval": ExpenseApproval })),
 *   Layer.provideMerge(Emulator.Emulator.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import {
  CallbackNotFoundError,
  CallbackTimedOutError,
  ExecutionAlreadyStartedError,
  ExecutionNotFoundError,
  ExecutionNotRunningError,
  FunctionNotFoundError,
  LambdaApiError
} from "@effect-durable/client/ClientError"
import * as DurableClient from "@effect-durable/client/DurableClient"
import { ExecutionApi } from "@effect-durable/client/ExecutionApi"
import type * as Api from "@effect-durable/client/ExecutionApi"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Clock, Context, Deferred, Duration, Effect, Exit, FiberSet, Layer, PubSub, Schema } from "effect"
import {
  type CallbackError,
  Emulator,
  type ExecutionNotFoundError as EmulatorExecutionNotFoundError
} from "./Emulator.ts"
import * as History from "./History.ts"
import * as LambdaApiServer from "./LambdaApiServer.ts"
import * as LocalRunner from "./LocalRunner.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The functions of the service: a workflow per function name (1 to 64
 * characters of `[a-zA-Z0-9-_]`).
 *
 * @category models
 * @since 0.1.0
 */
export type Functions = { readonly [functionName: string]: Workflow.Any }

/**
 * How the service runs invocations.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The termination policy (a name, or a name with overrides), passed to every invocation. */
  readonly policy?: Termination.PolicyInput | undefined
  /** How long one invocation may run before it is interrupted. Defaults to 15 minutes. */
  readonly invocationTimeout?: Duration.Input | undefined
  /**
   * After this many invocations in a row fail (or time out), the service stops
   * invoking the execution and reports it in `stalled`. Defaults to 3.
   */
  readonly maxConsecutiveFailures?: number | undefined
  /**
   * Called in order with every event of every execution the service drives:
   * the emulator's (invocations, checkpoints, the service's own changes,
   * answers) and the runner's (`Sleeping`), as `LocalRunner.run`'s `onEvent`.
   * For terminal views and logs.
   */
  readonly onEvent?: ((event: LocalRunner.Event) => Effect.Effect<void>) | undefined
}

/**
 * An execution the service gave up invoking (it is still RUNNING on the
 * emulator).
 *
 * @category models
 * @since 0.1.0
 */
export interface Stalled {
  readonly arn: string
  readonly functionName: string
  readonly at: number
  readonly error: LocalRunner.RunError
}

/**
 * A function name the service cannot register (the service's names are 1 to
 * 64 characters of `[a-zA-Z0-9-_]`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidFunctionNameError extends Schema.TaggedError<InvalidFunctionNameError>()(
  "InvalidFunctionNameError",
  { functionName: Schema.String, message: Schema.String }
) {}

/**
 * The running service.
 *
 * - `functions`: the registered function names;
 * - `idle`: waits until nothing is to be done now: no invocation in progress
 *   and every execution of a registered function waiting for a timer or an
 *   external completion. Under `TestClock`, run the invocations with a policy
 *   that suspends without a warmup (`{ name: "eager", warmup: 0, maxInProcessWait: 0 }`),
 *   then alternate `idle` and `TestClock.adjust` to move through time exactly;
 * - `stalled`: the executions it gave up invoking.
 *
 * @example
 * ```ts
 * const local = yield* LocalService.LocalService
 * const handle = yield* client.start(Approval, input, { function: "approval" })
 * yield* local.idle // the first invocation ran and suspended on its callback
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class LocalService extends Context.Service<LocalService, {
  readonly functions: ReadonlyArray<string>
  readonly idle: Effect.Effect<void>
  readonly stalled: Effect.Effect<ReadonlyArray<Stalled>>
}>()("@effect-durable/testing/LocalService") {}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

const functionNamePattern = /^[a-zA-Z0-9_-]{1,64}$/

const make = <F extends Functions>(functions: F, options: Options) =>
  Effect.gen(function*() {
    for (const functionName of Object.keys(functions)) {
      if (!functionNamePattern.test(functionName)) {
        return yield* new InvalidFunctionNameError({
          functionName,
          message: `Invalid function name "${functionName}": it must be 1 to 64 characters of [a-zA-Z0-9-_]`
        })
      }
    }
    const registry = new Map<string, Workflow.Any>(Object.entries(functions))
    const emulator = yield* Emulator
    // The workflows' services, given to every invocation.
    const services = yield* Effect.context<Workflow.Services<F[keyof F]>>()
    const fibers = yield* FiberSet.make()

    /** Drives in progress: whether each one is waiting (after `Sleeping`, until its next invocation). */
    const driving = new Map<string, { sleeping: boolean }>()
    const stalled: Array<Stalled> = []
    const gaveUp = new Set<string>()

    // Woken on every change that can end a wait for `idle`.
    let changed = Deferred.makeUnsafe<void>()
    const notify = Effect.sync(() => {
      const previous = changed
      changed = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(previous, Exit.void)
    })

    const drive = (arn: string) =>
      Effect.suspend(() => {
        const functionName = LambdaApiServer.functionOf(arn).name
        const workflow = registry.get(functionName)
        if (workflow === undefined || driving.has(arn) || gaveUp.has(arn)) return Effect.void
        const state = { sleeping: false }
        driving.set(arn, state)
        return FiberSet.run(
          fibers,
          LocalRunner.drive(workflow, arn, {
            waitForExternal: true,
            maxInvocations: Number.POSITIVE_INFINITY,
            ...(options.policy === undefined ? {} : { policy: options.policy }),
            ...(options.invocationTimeout === undefined ? {} : { invocationTimeout: options.invocationTimeout }),
            ...(options.maxConsecutiveFailures === undefined
              ? {}
              : { maxConsecutiveFailures: options.maxConsecutiveFailures }),
            onEvent: (event) =>
              Effect.sync(() => {
                state.sleeping = event._tag === "Sleeping"
              }).pipe(
                Effect.andThen(options.onEvent === undefined ? Effect.void : options.onEvent(event)),
                Effect.andThen(notify)
              )
          }).pipe(
            Effect.provideContext(services),
            Effect.catch((error) =>
              Effect.gen(function*() {
                gaveUp.add(arn)
                stalled.push({ arn, functionName, at: yield* Clock.currentTimeMillis, error })
                yield* Effect.logWarning(`LocalService: gave up invoking ${arn}: ${error.message}`)
              })
            ),
            Effect.ensuring(Effect.andThen(Effect.sync(() => driving.delete(arn)), notify))
          )
        )
      })

    // Follow new executions (subscribed before looking at the existing ones, so that none is missed).
    const subscription = yield* emulator.subscribe
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const event = yield* PubSub.take(subscription)
      if (event._tag === "ExecutionStarted") yield* drive(event.arn)
      yield* notify
    })))
    for (const execution of yield* emulator.executions) {
      if (execution.status === "RUNNING") yield* drive(execution.arn)
    }

    const isIdle = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const execution of yield* emulator.executions) {
        if (execution.status !== "RUNNING" || gaveUp.has(execution.arn)) continue
        if (!registry.has(LambdaApiServer.functionOf(execution.arn).name)) continue
        const state = driving.get(execution.arn)
        if (state === undefined || !state.sleeping || execution.invocation !== undefined) return false
        const wakeup = yield* Effect.orDie(emulator.nextWakeup(execution.arn))
        if (wakeup !== undefined && wakeup <= now) return false
      }
      return true
    })

    const idle: Effect.Effect<void> = Effect.gen(function*() {
      while (true) {
        const next = changed
        if (yield* isIdle) return
        yield* Deferred.await(next)
      }
    }).pipe(Effect.withSpan("LocalService.idle"))

    return LocalService.of({
      functions: [...registry.keys()],
      idle,
      stalled: Effect.sync(() => stalled.slice())
    })
  })

/**
 * Registers `functions` and runs their executions on the `Emulator` in
 * context, for as long as the layer lives. Also tells `LambdaApiServer` (and
 * {@link layerClient}) which functions exist. The layer needs the services the
 * workflows need.
 *
 * @example
 * ```ts
 * LocalService.layer({ "expense-approval": ExpenseApproval }, { policy: "latency" }).pipe(
 *   Layer.provide(Mailer.layer),
 *   Layer.provideMerge(Emulator.Emulator.layer)
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = <const F extends Functions>(
  functions: F,
  options: Options = {}
): Layer.Layer<LocalService, InvalidFunctionNameError, Emulator | Workflow.Services<F[keyof F]>> =>
  Layer.merge(
    Layer.effect(LocalService, make(functions, options)),
    Layer.succeed(LambdaApiServer.FunctionRegistry, { has: (name: string) => Object.hasOwn(functions, name) })
  )

// ---------------------------------------------------------------------------
// The Lambda API, in process
// ---------------------------------------------------------------------------

const fromApiError = (operation: string) => (error: LambdaApiServer.ApiError) =>
  new LambdaApiError({ operation, errorName: error.errorType, statusCode: error.status, message: error.message })

const executionNotFound = (error: EmulatorExecutionNotFoundError) =>
  new ExecutionNotFoundError({ arn: error.arn, message: error.message })

/** The emulator's refusal of a callback completion, as the Lambda API answers it (see `LambdaApiServer`). */
const callbackFailure = (operation: string) => (error: CallbackError) => {
  switch (error.reason) {
    case "NotFound":
      return new CallbackNotFoundError({ callbackId: error.callbackId, message: error.message })
    case "Closed":
      return new CallbackTimedOutError({ callbackId: error.callbackId, message: error.message, retried: false })
    case "TooLarge":
      return new LambdaApiError({ operation, errorName: "RequestTooLargeException", statusCode: 413, message: error.message })
  }
}

const decodeWith = <S extends Schema.Codec<any, unknown>>(schema: S, operation: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (value: unknown): Effect.Effect<S["Type"], LambdaApiError> =>
    decode(Wire.withoutUndefined(value), { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((error) =>
        new LambdaApiError({
          operation,
          errorName: "MalformedResponse",
          message: `${operation} returned a malformed response: ${error.message}`,
          cause: error
        })
      )
    ) as Effect.Effect<S["Type"], LambdaApiError>
}

const decodeExecution = decodeWith(Wire.GetExecutionResponse, "GetDurableExecution")
const decodeEvents = decodeWith(Schema.Array(Wire.HistoryEvent), "GetDurableExecutionHistory")
const decodeSummaries = decodeWith(Schema.Array(Wire.ExecutionSummary), "ListDurableExecutionsByFunction")

/**
 * The client's `ExecutionApi` served by the `Emulator` in context, in
 * process: the same answers and the same typed errors as the Lambda API over
 * `LambdaApiServer`, without HTTP.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeExecutionApi = Effect.gen(function*() {
  const emulator = yield* Emulator
  const registry = yield* LambdaApiServer.FunctionRegistry

  const functionOf = (operation: string, request: { readonly FunctionName: string; readonly Qualifier?: string | undefined }) =>
    Effect.gen(function*() {
      const fn = yield* LambdaApiServer.parseFunctionName(request.FunctionName, request.Qualifier).pipe(
        Effect.mapError(fromApiError(operation))
      )
      if (!registry.has(fn.name)) {
        return yield* new FunctionNotFoundError({
          functionName: request.FunctionName,
          message: `Function not found: ${fn.name}`
        })
      }
      return fn
    })

  const invoke = Effect.fn("LocalService.invoke")(function*(request: Api.InvokeRequest) {
    const fn = yield* functionOf("Invoke", request)
    const arn = yield* emulator.start({
      name: fn.name,
      ...(fn.qualifier === undefined ? {} : { qualifier: fn.qualifier }),
      executionName: request.DurableExecutionName,
      ...(request.Payload === undefined ? {} : { input: request.Payload })
    }).pipe(
      Effect.catchTags({
        ExecutionAlreadyStartedError: (error) =>
          Effect.fail(
            new ExecutionAlreadyStartedError({
              functionName: request.FunctionName,
              executionName: error.executionName,
              message: error.message
            })
          ),
        InvalidStartError: (error) =>
          Effect.fail(
            new LambdaApiError({
              operation: "Invoke",
              errorName: "InvalidParameterValueException",
              statusCode: 400,
              message: error.message
            })
          )
      })
    )
    return { DurableExecutionArn: arn }
  })

  const getExecution = Effect.fn("LocalService.getExecution")(function*(request: Api.GetExecutionRequest) {
    const execution = yield* emulator.execution(request.DurableExecutionArn).pipe(Effect.mapError(executionNotFound))
    return yield* decodeExecution(
      LambdaApiServer.describeExecution(execution, request.IncludeExecutionData ?? true)
    )
  })

  const getHistory = Effect.fn("LocalService.getHistory")(function*(request: Api.GetHistoryRequest) {
    const execution = yield* emulator.execution(request.DurableExecutionArn).pipe(Effect.mapError(executionNotFound))
    const events = History.fromExecution(execution, { includeExecutionData: request.IncludeExecutionData ?? true })
    const ordered = request.ReverseOrder === true ? [...events].reverse() : events
    const { items, next } = yield* LambdaApiServer.pageOf(ordered, request.Marker, request.MaxItems).pipe(
      Effect.mapError(fromApiError("GetDurableExecutionHistory"))
    )
    const decoded = yield* decodeEvents(items)
    return next === undefined ? { Events: decoded } : { Events: decoded, NextMarker: next }
  })

  const list = Effect.fn("LocalService.list")(function*(request: Api.ListRequest) {
    const fn = yield* functionOf("ListDurableExecutionsByFunction", request)
    const executions = LambdaApiServer.listExecutions(yield* emulator.executions, {
      functionName: fn.name,
      qualifier: fn.qualifier,
      executionName: request.DurableExecutionName,
      statuses: request.Statuses,
      startedAfter: request.StartedAfter,
      startedBefore: request.StartedBefore,
      reverseOrder: request.ReverseOrder
    })
    const { items, next } = yield* LambdaApiServer.pageOf(executions, request.Marker, request.MaxItems).pipe(
      Effect.mapError(fromApiError("ListDurableExecutionsByFunction"))
    )
    const decoded = yield* decodeSummaries(items)
    return next === undefined ? { DurableExecutions: decoded } : { DurableExecutions: decoded, NextMarker: next }
  })

  const stop = Effect.fn("LocalService.stop")(function*(request: Api.StopRequest) {
    const at = yield* emulator.stop(request.DurableExecutionArn, request.Error).pipe(
      Effect.catchTags({
        ExecutionNotFoundError: (error) => Effect.fail(executionNotFound(error)),
        ExecutionNotRunningError: (error) =>
          Effect.fail(new ExecutionNotRunningError({ arn: error.arn, status: error.status, message: error.message }))
      })
    )
    return { StopTimestamp: at }
  })

  const sendCallbackSuccess = Effect.fn("LocalService.sendCallbackSuccess")(function*(
    request: Api.CallbackSuccessRequest
  ) {
    return yield* emulator.sendCallbackSuccess(request.CallbackId, request.Result).pipe(
      Effect.mapError(callbackFailure("SendDurableExecutionCallbackSuccess"))
    )
  })

  const sendCallbackFailure = Effect.fn("LocalService.sendCallbackFailure")(function*(
    request: Api.CallbackFailureRequest
  ) {
    return yield* emulator.sendCallbackFailure(request.CallbackId, request.Error).pipe(
      Effect.mapError(callbackFailure("SendDurableExecutionCallbackFailure"))
    )
  })

  const sendCallbackHeartbeat = Effect.fn("LocalService.sendCallbackHeartbeat")(function*(
    request: { readonly CallbackId: string }
  ) {
    return yield* emulator.sendCallbackHeartbeat(request.CallbackId).pipe(
      Effect.mapError(callbackFailure("SendDurableExecutionCallbackHeartbeat"))
    )
  })

  return ExecutionApi.of({
    invoke,
    getExecution,
    getHistory,
    list,
    stop,
    sendCallbackSuccess,
    sendCallbackFailure,
    sendCallbackHeartbeat
  })
})

/**
 * The client's `ExecutionApi` over the `Emulator` in context, in process (see
 * {@link makeExecutionApi}).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerExecutionApi: Layer.Layer<ExecutionApi, never, Emulator> = Layer.effect(
  ExecutionApi,
  makeExecutionApi
)

/**
 * The `DurableClient` over the `Emulator` in context, in process: for tests
 * under `TestClock`, where service code and workflows run in one program.
 *
 * @example
 * ```ts
 * const TestLayer = LocalService.layerClient().pipe(
 *   Layer.provideMerge(LocalService.layer({ "expense-approval": ExpenseApproval })),
 *   Layer.provideMerge(Emulator.Emulator.layer)
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerClient = (
  options: DurableClient.Options = {}
): Layer.Layer<DurableClient.DurableClient, never, Emulator> =>
  DurableClient.layerApi(options).pipe(Layer.provide(layerExecutionApi))

/** Suspends as soon as nothing runs: no warmup, no wait in process. */
const immediately = { name: "eager", warmup: Duration.zero, maxInProcessWait: Duration.zero } as const

/**
 * Everything a `TestClock` test of service code needs, in process: a fresh
 * `Emulator`, the `LocalService` running `functions`, and the `DurableClient`
 * over them. Invocations suspend as soon as they are idle (no warmup), unless
 * `options.policy` says otherwise, so that `idle` and `TestClock.adjust` move
 * through time exactly.
 *
 * @example
 * ```ts
 * it.effect("approves", () =>
 *   Effect.gen(function*() {
 *     const client = yield* DurableClient.DurableClient
 *     const handle = yield* client.start(ExpenseApproval, expense, { function: "expense-approval" })
 *     // ...
 *   }).pipe(Effect.provide(LocalService.layerTest({ "expense-approval": ExpenseApproval }).pipe(Layer.provide(Mailer.layer)))))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerTest = <const F extends Functions>(
  functions: F,
  options: Options & { readonly client?: DurableClient.Options | undefined } = {}
): Layer.Layer<
  DurableClient.DurableClient | LocalService | Emulator,
  InvalidFunctionNameError,
  Workflow.Services<F[keyof F]>
> =>
  layerClient(options.client).pipe(
    Layer.provideMerge(
      layer(functions, {
        ...options,
        policy: typeof options.policy === "string" ? options.policy : { ...immediately, ...options.policy }
      })
    ),
    Layer.provideMerge(Emulator.layer)
  )
