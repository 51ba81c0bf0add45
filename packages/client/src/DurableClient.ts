/**
 * The other side of a workflow: a typed client for the service code that
 * starts durable executions, waits for their results, completes their
 * callbacks, reads their history and stops them.
 *
 * The client knows a workflow's types from its definition: `start` encodes the
 * input with the workflow's input Schema before anything is sent, and a
 * handle's `result` decodes the output with its output Schema, or the failure
 * with its error Schema (as the workflow wrote it on the wire), so service code
 * gets back the workflow's own typed error.
 *
 * The same service code runs against AWS ({@link layer}: `@aws-sdk/client-lambda`,
 * region and credentials as the AWS SDK resolves them), against the local
 * service over HTTP ({@link layer} with an `endpoint`), and in `TestClock` tests
 * (the local service's in-memory client in `@effect-durable/testing`).
 *
 * @example
 * ```ts
 * import { DurableClient } from "@effect-durable/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* DurableClient.DurableClient
 *   const order = yield* client.start(OrderWorkflow, { orderId: "o-42" }, {
 *     function: "orders:live",
 *     executionName: "order-o-42" // the idempotency key: starting it again gives the same execution
 *   })
 *   const receipt = yield* order.result // polls with back-off, decodes the output or the typed error
 * }).pipe(Effect.provide(DurableClient.layer()))
 * ```
 *
 * @since 0.1.0
 */
import type { LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda"
import { WorkflowError } from "@effect-durable/core/DurableError"
import * as Payload from "@effect-durable/core/Payload"
import type * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Context, Effect, Exit, Layer, Option, Schedule, Stream } from "effect"
import {
  CallbackNotFoundError,
  CallbackTimedOutError,
  ExecutionAlreadyStartedError,
  ExecutionNotFoundError,
  ExecutionNotRunningError,
  ExecutionStillRunningError,
  ExecutionStoppedError,
  ExecutionTimedOutError,
  FunctionNotFoundError,
  InvalidPayloadError,
  InvalidRequestError,
  LambdaApiError
} from "./ClientError.ts"
import { ExecutionApi } from "./ExecutionApi.ts"
import * as LambdaExecutionApi from "./LambdaExecutionApi.ts"

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/**
 * The input type of a workflow.
 *
 * @category models
 * @since 0.1.0
 */
export type InputOf<W> = W extends Workflow.Workflow<infer I, any, any, any> ? I : never

/**
 * The output type of a workflow.
 *
 * @category models
 * @since 0.1.0
 */
export type OutputOf<W> = W extends Workflow.Workflow<any, infer O, any, any> ? O : never

/**
 * The typed error of a workflow.
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorOf<W> = W extends Workflow.Workflow<any, any, infer E, any> ? E : never

/**
 * How an execution can end without an output: the workflow's typed error
 * (decoded with its error Schema), a `WorkflowError` for a failure that its
 * Schema does not describe (or when it has none), a stop, or a timeout.
 *
 * @category models
 * @since 0.1.0
 */
export type Failure<W> = ErrorOf<W> | WorkflowError | ExecutionStoppedError | ExecutionTimedOutError

/**
 * A durable execution as the service describes it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Execution {
  readonly arn: string
  readonly name: string
  readonly functionArn: string
  readonly status: Wire.ExecutionStatus
  readonly startedAt: Date
  readonly endedAt: Date | undefined
}

/**
 * Options of `start`.
 *
 * @category models
 * @since 0.1.0
 */
export interface StartOptions {
  /**
   * The durable function: a name, `name:qualifier`, a partial or a full ARN.
   * Lambda runs durable functions by qualified name (a version or an alias,
   * e.g. `orders:live`).
   */
  readonly function: string
  /**
   * The execution name, which is the idempotency key of the start: starting
   * again with the same name and the same input gives the same execution (even
   * one that has ended); with another input it fails with an
   * `ExecutionAlreadyStartedError`. 1 to 64 characters of `[a-zA-Z0-9-_]`.
   * Without it the client generates one (a UUID) before the first attempt, so
   * that a call the AWS SDK retries never starts two executions.
   */
  readonly executionName?: string | undefined
  /** The tenant, for a function with tenant isolation. */
  readonly tenantId?: string | undefined
}

/**
 * Options of `list`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListOptions {
  /** The function: a name, a partial or a full ARN. */
  readonly function: string
  /** Only the executions of this version or alias. */
  readonly qualifier?: string | undefined
  /** Only the execution with this name. */
  readonly executionName?: string | undefined
  readonly statuses?: ReadonlyArray<Wire.ExecutionStatus> | undefined
  readonly startedAfter?: Date | undefined
  readonly startedBefore?: Date | undefined
  /** The oldest first. By default the service lists the newest first. */
  readonly oldestFirst?: boolean | undefined
  /** Executions per call, 1 to 1000 (the service's default is 100). */
  readonly pageSize?: number | undefined
}

/**
 * Options of a handle's `history`.
 *
 * @category models
 * @since 0.1.0
 */
export interface HistoryOptions {
  /** Include inputs, results and errors (default `true`). */
  readonly includeData?: boolean | undefined
  /** The newest first. By default the history is in the order things happened. */
  readonly newestFirst?: boolean | undefined
  /** Events per call, 1 to 1000 (the service's default is 100). */
  readonly pageSize?: number | undefined
}

/**
 * The failures of a call about one execution.
 *
 * @category models
 * @since 0.1.0
 */
export type ExecutionError = ExecutionNotFoundError | LambdaApiError

/**
 * The failures of `start`.
 *
 * @category models
 * @since 0.1.0
 */
export type StartError =
  | InvalidPayloadError
  | InvalidRequestError
  | FunctionNotFoundError
  | ExecutionAlreadyStartedError
  | LambdaApiError

/**
 * The failures of a callback completion.
 *
 * @category models
 * @since 0.1.0
 */
export type CallbackError = CallbackNotFoundError | CallbackTimedOutError | InvalidPayloadError | LambdaApiError

/**
 * One execution of a workflow, typed by it.
 *
 * @category models
 * @since 0.1.0
 */
export interface ExecutionHandle<W extends Workflow.Any> {
  readonly arn: string
  readonly executionName: string
  readonly workflow: W
  /** Where the execution is (`GetDurableExecution`, without its data). */
  readonly status: Effect.Effect<Execution, ExecutionError>
  /**
   * Looks once: `None` while the execution runs; once it has ended, its
   * output or its failure, decoded with the workflow's Schemas.
   */
  readonly poll: Effect.Effect<Option.Option<Exit.Exit<OutputOf<W>, Failure<W>>>, ExecutionError | InvalidPayloadError>
  /**
   * Waits for the end, polling with the client's back-off (see
   * {@link defaultPollSchedule}), and gives the decoded output; fails with the
   * workflow's typed error, a `WorkflowError`, an `ExecutionStoppedError` or an
   * `ExecutionTimedOutError`.
   */
  readonly result: Effect.Effect<OutputOf<W>, Failure<W> | ExecutionError | InvalidPayloadError>
  /**
   * `result` polling on `schedule` instead; an `ExecutionStillRunningError`
   * when the schedule ends first.
   *
   * @example
   * ```ts
   * handle.resultWith(Schedule.spaced("5 seconds").pipe(Schedule.upTo("1 minute")))
   * ```
   */
  readonly resultWith: (
    schedule: Schedule.Schedule<unknown>
  ) => Effect.Effect<OutputOf<W>, Failure<W> | ExecutionStillRunningError | ExecutionError | InvalidPayloadError>
  /** The events of the execution (`GetDurableExecutionHistory`), every page, decoded. */
  readonly history: (options?: HistoryOptions) => Stream.Stream<Wire.HistoryEvent, ExecutionError | InvalidRequestError>
  /**
   * Stops the execution (`StopDurableExecution`) and gives the stop time. The
   * optional error (a message, or any error: its `_tag` or `name` becomes the
   * error type) is recorded as the execution's error. Stopping an execution
   * already STOPPED succeeds with its stop time, so a retried stop is not an
   * error; stopping one that ended otherwise is an `ExecutionNotRunningError`.
   */
  readonly stop: (error?: unknown) => Effect.Effect<Date, ExecutionError | ExecutionNotRunningError>
}

/**
 * Options of the client's layers.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /**
   * How `result` polls (defaults to {@link defaultPollSchedule}). It must not
   * end (`result` dies if it does): bound a wait with `resultWith` or
   * `Effect.timeout` instead.
   */
  readonly pollSchedule?: Schedule.Schedule<unknown> | undefined
}

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LayerOptions extends Options {
  /**
   * Settings of the `LambdaClient`: `region`, `credentials`, `endpoint` (the
   * local service's URL), `maxAttempts`, ... Unset, the AWS SDK resolves them
   * as usual.
   */
  readonly clientConfig?: LambdaClientConfig | undefined
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/**
 * How `result` polls by default: after 1 s, then 1.5 times longer each time,
 * at most every 20 s.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultPollSchedule: Schedule.Schedule<unknown> = Schedule.min([
  Schedule.exponential("1 second", 1.5),
  Schedule.spaced("20 seconds")
])

/**
 * The largest execution input of an asynchronous `Invoke` (1 MB); the client
 * refuses a larger one before any call.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxInputBytes = 1024 * 1024

/**
 * The largest callback result, and the largest callback error (all fields
 * together), the service accepts (1 MB).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxCallbackBytes = 1024 * 1024

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * The client.
 *
 * - `start(workflow, input, { function, executionName? })` starts an execution
 *   and gives its {@link ExecutionHandle};
 * - `handle(workflow, arn)` gives the handle of an execution started earlier
 *   (`handle(arn)` one with JSON for output and errors);
 * - `list({ function, ... })` streams a function's executions, every page;
 * - `succeed(callbackId, value, schema?)`, `fail(callbackId, error, schema?)`,
 *   `heartbeat(callbackId)` complete a workflow's callbacks.
 *
 * @example
 * ```ts
 * const client = yield* DurableClient.DurableClient
 * yield* client.succeed(callbackId, { approved: true }, Decision)
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class DurableClient extends Context.Service<DurableClient, {
  readonly start: <W extends Workflow.Any>(
    workflow: W,
    input: InputOf<W>,
    options: StartOptions
  ) => Effect.Effect<ExecutionHandle<W>, StartError>
  readonly handle: {
    <W extends Workflow.Any>(workflow: W, arn: string): ExecutionHandle<W>
    (arn: string): ExecutionHandle<Workflow.Workflow<unknown, unknown, never, never>>
  }
  readonly list: (
    options: ListOptions
  ) => Stream.Stream<Execution, FunctionNotFoundError | InvalidRequestError | LambdaApiError>
  readonly succeed: <A = unknown>(
    callbackId: string,
    value: A,
    schema?: Payload.Codec<A>
  ) => Effect.Effect<void, CallbackError>
  readonly fail: <E = unknown>(
    callbackId: string,
    error: E,
    schema?: Payload.Codec<E>
  ) => Effect.Effect<void, CallbackError>
  readonly heartbeat: (
    callbackId: string
  ) => Effect.Effect<void, CallbackNotFoundError | CallbackTimedOutError | LambdaApiError>
}>()("@effect-durable/client/DurableClient") {}

// ---------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/

/** Any JSON both ways: the codecs of `handle(arn)`. */
const jsonWorkflow: Workflow.Workflow<unknown, unknown, never, never> = {
  name: "json",
  input: Payload.Json,
  output: Payload.Json,
  error: undefined,
  body: () => Effect.die("not a workflow")
}

/** The execution name in an execution ARN (`…/durable-execution/<name>/<id>`). */
const executionNameOf = (arn: string): string => arn.split("/durable-execution/")[1]?.split("/")[0] ?? ""

const toExecution = (summary: Wire.ExecutionSummary): Execution => ({
  arn: summary.DurableExecutionArn,
  name: summary.DurableExecutionName,
  functionArn: summary.FunctionArn,
  status: summary.Status,
  startedAt: summary.StartTimestamp,
  endedAt: summary.EndTimestamp
})

const invalidPayload = (payload: string) => (cause: { readonly message: string }) =>
  new InvalidPayloadError({ payload, message: cause.message, cause })

/** Fails with an `InvalidPayloadError` when `text` is over `limit` bytes. */
const checkBytes = (payload: string, text: string | undefined, limit: number) =>
  Payload.checkSize(text, payload, limit).pipe(Effect.mapError(invalidPayload(payload)))

const checkPageSize = (pageSize: number | undefined) =>
  pageSize === undefined || (Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000)
    ? Effect.void
    : Effect.fail(new InvalidRequestError({ message: `The page size must be an integer from 1 to 1000 (got ${pageSize})` }))

/** Pages through `fetch` by marker, as one stream. */
const paged = <A, E>(
  fetch: (marker: string | undefined) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly next?: string | undefined }, E>
): Stream.Stream<A, E> =>
  Stream.paginate(undefined as string | undefined, (marker) =>
    Effect.map(fetch(marker), ({ items, next }) =>
      [items, next === undefined || next === "" ? Option.none() : Option.some(next)] as const))

/**
 * Builds the client over the `ExecutionApi` in context.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const api = yield* ExecutionApi
    const pollSchedule = options.pollSchedule ?? defaultPollSchedule

    const makeHandle = <W extends Workflow.Any>(workflow: W, arn: string): ExecutionHandle<W> => {
      const describe = api.getExecution({ DurableExecutionArn: arn, IncludeExecutionData: false })

      const status = Effect.map(describe, toExecution).pipe(
        Effect.withSpan("DurableClient.status", { attributes: { "durable.execution_arn": arn } })
      )

      const poll = Effect.gen(function*() {
        // Without its data while it runs (the input would come again with every poll, up to 1 MB);
        // once it has ended, one more call reads its result or error.
        const brief = yield* describe
        if (brief.Status === "RUNNING") return Option.none()
        const execution = yield* api.getExecution({ DurableExecutionArn: arn, IncludeExecutionData: true })
        const error = execution.Error
        switch (execution.Status) {
          case "RUNNING":
            return Option.none()
          case "SUCCEEDED": {
            const output = yield* Payload.decode(workflow.output, execution.Result, "execution result").pipe(
              Effect.mapError(invalidPayload("output"))
            )
            return Option.some(Exit.succeed(output as OutputOf<W>))
          }
          case "FAILED": {
            const failure = yield* Payload.decodeError(
              workflow.error as Payload.Codec<ErrorOf<W>> | undefined,
              error,
              (fields) => new WorkflowError(fields)
            )
            return Option.some(Exit.fail(failure))
          }
          case "STOPPED":
            return Option.some(Exit.fail(
              new ExecutionStoppedError({
                arn,
                message: error?.ErrorMessage ?? "The execution was stopped",
                ...(error?.ErrorType === undefined ? {} : { errorType: error.ErrorType }),
                ...(error?.ErrorData === undefined ? {} : { errorData: error.ErrorData })
              })
            ))
          case "TIMED_OUT":
            return Option.some(Exit.fail(
              new ExecutionTimedOutError({ arn, message: error?.ErrorMessage ?? "The execution timed out" })
            ))
        }
      }).pipe(
        Effect.withSpan("DurableClient.poll", { attributes: { "durable.execution_arn": arn } })
      ) as ExecutionHandle<W>["poll"]

      const stillRunning = new ExecutionStillRunningError({
        arn,
        message: `The execution ${arn} was still running when the polling schedule ended`
      })

      const resultWith = (schedule: Schedule.Schedule<unknown>) =>
        poll.pipe(
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(stillRunning), onSome: Effect.succeed })),
          Effect.retry({ schedule, while: (error) => error === stillRunning }),
          Effect.flatten,
          Effect.withSpan("DurableClient.result", { attributes: { "durable.execution_arn": arn } })
        )

      const history = (historyOptions: HistoryOptions = {}) =>
        Stream.unwrap(Effect.as(
          checkPageSize(historyOptions.pageSize),
          paged((marker) =>
            Effect.map(
              api.getHistory({
                DurableExecutionArn: arn,
                IncludeExecutionData: historyOptions.includeData ?? true,
                ReverseOrder: historyOptions.newestFirst ?? false,
                MaxItems: historyOptions.pageSize,
                Marker: marker
              }),
              (page) => ({ items: page.Events, next: page.NextMarker })
            )
          )
        )).pipe(Stream.withSpan("DurableClient.history", { attributes: { "durable.execution_arn": arn } }))

      const stop = Effect.fn("DurableClient.stop")(function*(error?: unknown) {
        yield* Effect.annotateCurrentSpan({ "durable.execution_arn": arn })
        const errorObject = error === undefined
          ? undefined
          : typeof error === "string"
          ? { ErrorMessage: error }
          : yield* Effect.orDie(Payload.encodeError(undefined, error)) // without a codec it cannot fail
        /** The stop was refused: a retried stop the service already applied, or an execution that has ended. */
        const refused = <E>(original: E): Effect.Effect<Date, E | ExecutionNotRunningError | ExecutionError> =>
          Effect.flatMap(describe, (execution) =>
            execution.Status === "STOPPED"
              ? Effect.succeed(execution.EndTimestamp ?? new Date(0))
              : execution.Status === "RUNNING"
              ? Effect.fail<E | ExecutionNotRunningError>(original)
              : Effect.fail(
                new ExecutionNotRunningError({
                  arn,
                  status: execution.Status,
                  message: `The execution ${arn} has already ended (status ${execution.Status})`
                })
              ))
        return yield* api.stop({ DurableExecutionArn: arn, Error: errorObject }).pipe(
          Effect.map((response) => response.StopTimestamp),
          Effect.catchTags({
            ExecutionNotRunningError: (error) => refused(error),
            LambdaApiError: (error) =>
              error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 &&
                error.statusCode !== 429
                ? refused(error)
                : Effect.fail(error)
          })
        )
      })

      return {
        arn,
        executionName: executionNameOf(arn),
        workflow,
        status,
        poll,
        result: resultWith(pollSchedule).pipe(
          Effect.catchTag("ExecutionStillRunningError", (error) =>
            Effect.die(
              new Error(
                `DurableClient: the pollSchedule of the layer ended before the execution did (${error.message}); ` +
                  "give it a schedule that never ends, and bound a wait with resultWith or Effect.timeout"
              )
            ))
        ) as ExecutionHandle<W>["result"],
        resultWith,
        history,
        stop
      }
    }

    const start = Effect.fn("DurableClient.start")(function*<W extends Workflow.Any>(
      workflow: W,
      input: InputOf<W>,
      startOptions: StartOptions
    ): Effect.fn.Return<ExecutionHandle<W>, StartError> {
      // Everything is checked and encoded before the first call.
      if (startOptions.function.trim() === "") {
        return yield* new InvalidRequestError({ message: "The function name is empty" })
      }
      if (startOptions.executionName !== undefined && !namePattern.test(startOptions.executionName)) {
        return yield* new InvalidRequestError({
          message:
            `Invalid execution name "${startOptions.executionName}": it must be 1 to 64 characters of [a-zA-Z0-9-_]`
        })
      }
      const payload = yield* Payload.encode(workflow.input, input, "execution input").pipe(
        Effect.mapError(invalidPayload("input"))
      )
      yield* checkBytes("input", payload, maxInputBytes)
      // A name generated once, before the first attempt: the service recognises a retried call by it.
      const executionName = startOptions.executionName ?? (yield* Effect.sync(() => crypto.randomUUID()))
      yield* Effect.annotateCurrentSpan({
        "durable.workflow": workflow.name,
        "durable.function": startOptions.function,
        "durable.execution_name": executionName
      })
      const { DurableExecutionArn } = yield* api.invoke({
        FunctionName: startOptions.function,
        DurableExecutionName: executionName,
        Payload: payload,
        TenantId: startOptions.tenantId
      })
      return makeHandle(workflow, DurableExecutionArn)
    })

    const handle = ((workflowOrArn: Workflow.Any | string, arn?: string) =>
      typeof workflowOrArn === "string"
        ? makeHandle(jsonWorkflow, workflowOrArn)
        : makeHandle(workflowOrArn, arn!)) as DurableClient["Service"]["handle"]

    const list = (listOptions: ListOptions) =>
      Stream.unwrap(Effect.as(
        checkPageSize(listOptions.pageSize),
        paged((marker) =>
          Effect.map(
            api.list({
              FunctionName: listOptions.function,
              Qualifier: listOptions.qualifier,
              DurableExecutionName: listOptions.executionName,
              Statuses: listOptions.statuses,
              StartedAfter: listOptions.startedAfter,
              StartedBefore: listOptions.startedBefore,
              ReverseOrder: listOptions.oldestFirst ?? false,
              MaxItems: listOptions.pageSize,
              Marker: marker
            }),
            (page) => ({ items: page.DurableExecutions.map(toExecution), next: page.NextMarker })
          )
        )
      )).pipe(Stream.withSpan("DurableClient.list", { attributes: { "durable.function": listOptions.function } }))

    const succeed = Effect.fn("DurableClient.succeed")(function*<A>(
      callbackId: string,
      value: A,
      schema?: Payload.Codec<A>
    ) {
      yield* Effect.annotateCurrentSpan({ "durable.callback_id": callbackId })
      const result = yield* Payload.encode(schema ?? (Payload.Json as Payload.Codec<A>), value, "callback result").pipe(
        Effect.mapError(invalidPayload("callback result"))
      )
      yield* checkBytes("callback result", result, maxCallbackBytes)
      return yield* api.sendCallbackSuccess({ CallbackId: callbackId, Result: result })
    })

    const fail = Effect.fn("DurableClient.fail")(function*<E>(
      callbackId: string,
      error: E,
      schema?: Payload.Codec<E>
    ) {
      yield* Effect.annotateCurrentSpan({ "durable.callback_id": callbackId })
      const errorObject = yield* Payload.encodeError(schema, error, "callback error").pipe(
        Effect.mapError(invalidPayload("callback error"))
      )
      yield* checkBytes("callback error", JSON.stringify(errorObject), maxCallbackBytes)
      return yield* api.sendCallbackFailure({ CallbackId: callbackId, Error: errorObject })
    })

    const heartbeat = Effect.fn("DurableClient.heartbeat")(function*(callbackId: string) {
      yield* Effect.annotateCurrentSpan({ "durable.callback_id": callbackId })
      return yield* api.sendCallbackHeartbeat({ CallbackId: callbackId })
    })

    return DurableClient.of({ start, handle, list, succeed, fail, heartbeat })
  })

// ---------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------

/**
 * The client over the `ExecutionApi` in context: the way to put it on another
 * transport (the local service's in-memory API, a custom one).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerApi = (options: Options = {}): Layer.Layer<DurableClient, never, ExecutionApi> =>
  Layer.effect(DurableClient, make(options))

/**
 * The client over `@aws-sdk/client-lambda`, with a `LambdaClient` made for the
 * layer (and destroyed with it). Region and credentials are resolved by the
 * AWS SDK unless `clientConfig` sets them; `clientConfig.endpoint` points it at
 * the local service.
 *
 * @example
 * ```ts
 * Effect.provide(program, DurableClient.layer())                                        // AWS
 * Effect.provide(program, DurableClient.layer({ clientConfig: { region: "eu-west-1" } }))
 * Effect.provide(program, DurableClient.layer({ clientConfig: { endpoint: "http://127.0.0.1:9014" } }))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: LayerOptions = {}): Layer.Layer<DurableClient> =>
  layerApi(options).pipe(Layer.provide(LambdaExecutionApi.layer(options.clientConfig)))

/**
 * The client over a `LambdaClient` that the caller owns (and destroys).
 *
 * @example
 * ```ts
 * DurableClient.layerFromClient(new LambdaClient({ region: "eu-west-1", maxAttempts: 5 }))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFromClient = (client: LambdaClient, options: Options = {}): Layer.Layer<DurableClient> =>
  layerApi(options).pipe(Layer.provide(LambdaExecutionApi.layerFromClient(client)))
