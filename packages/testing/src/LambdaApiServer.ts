/**
 * The Lambda durable execution REST API, served over HTTP by the in-memory
 * `Emulator`, on 127.0.0.1 only.
 *
 * Point any client of the real service at it: `@aws-sdk/client-lambda` (with
 * an `endpoint` override), the official SDK's `DurableExecutionApiClient`,
 * `LambdaCheckpointClient`, curl. It speaks the service's `restJson1` protocol
 * as `@aws-sdk/client-lambda@3.1164.0` expects it:
 *
 * - the execution ARN is one URL-encoded path segment (`%3A`, `%2F`, `%24`);
 * - bodies are JSON with the service's field names; timestamps in responses are
 *   epoch seconds;
 * - errors carry their name in the `x-amzn-errortype` header (and `__type` in
 *   the body), a `message`, and the service's status code:
 *   `InvalidParameterValueException` 400 (a stale token: "Invalid checkpoint
 *   token"; a rejected update; a bad query), `ResourceNotFoundException` 404,
 *   `CallbackTimeoutException` 400 (a callback already closed),
 *   `InvalidRequestContentException` 400 (a body that is not JSON),
 *   `UnknownOperationException` 404 (no such route), `ServiceException` 500
 *   (a defect of the emulator: never a crash of the server). A path that is
 *   not valid percent-encoding is refused by the router itself (a bare 404).
 *
 * Routes (all under `/2025-12-01`):
 *
 * | route | API |
 * |---|---|
 * | `POST /durable-executions/{arn}/checkpoint` | CheckpointDurableExecution |
 * | `GET /durable-executions/{arn}/state?CheckpointToken&Marker&MaxItems` | GetDurableExecutionState |
 * | `GET /durable-executions/{arn}/history?IncludeExecutionData&MaxItems&Marker&ReverseOrder` | GetDurableExecutionHistory |
 * | `POST /durable-executions/{arn}/stop` | StopDurableExecution |
 * | `GET /durable-executions/{arn}?IncludeExecutionData` | GetDurableExecution |
 * | `POST /durable-execution-callbacks/{id}/succeed\|fail\|heartbeat` | SendDurableExecutionCallback* |
 *
 * @example
 * ```ts
 * import { LambdaClient, GetDurableExecutionCommand } from "@aws-sdk/client-lambda"
 * import { Emulator, LambdaApiServer } from "@effect-durable/testing"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* LambdaApiServer.LambdaApiServer
 *   const client = new LambdaClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } })
 *   const arn = yield* (yield* Emulator.Emulator).start({ input: "{}" })
 *   const execution = yield* Effect.promise(() => client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn })))
 * }).pipe(Effect.provide(LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.Emulator.layer))))
 * ```
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { CheckpointClientError } from "@effect-durable/core/CheckpointClient"
import * as Wire from "@effect-durable/core/Wire"
import { Cause, Context, Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServer, type HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import {
  CallbackError,
  Emulator,
  type Event as EmulatorEvent,
  type Execution,
  ExecutionNotFoundError,
  ExecutionNotRunningError
} from "./Emulator.ts"

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * The running server: `url` is its base URL (`http://127.0.0.1:<port>`), to
 * give clients as their `endpoint`.
 *
 * @example
 * ```ts
 * const { url } = yield* LambdaApiServer.LambdaApiServer
 * const client = new LambdaClient({ endpoint: url, region: "us-east-1", credentials })
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class LambdaApiServer extends Context.Service<LambdaApiServer, {
  readonly url: string
}>()("@effect-durable/testing/LambdaApiServer") {}

// ---------------------------------------------------------------------------
// Errors as the service writes them
// ---------------------------------------------------------------------------

/**
 * An error answer of the API: the HTTP status, the exception name and its
 * message.
 *
 * @category errors
 * @since 0.1.0
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  status: Schema.Number,
  errorType: Schema.String,
  message: Schema.String
}) {}

const invalidParameter = (message: string) =>
  new ApiError({ status: 400, errorType: "InvalidParameterValueException", message })

const notFound = (message: string) => new ApiError({ status: 404, errorType: "ResourceNotFoundException", message })

/** Maps every failure of the emulator to the error the service answers with. */
const fromEmulator = (error: unknown): ApiError => {
  if (error instanceof ApiError) return error
  if (error instanceof CheckpointClientError) {
    return new ApiError({
      status: error.statusCode ?? 400,
      errorType: error.errorName ?? "InvalidParameterValueException",
      message: error.message
    })
  }
  if (error instanceof ExecutionNotFoundError) return notFound(error.message)
  if (error instanceof ExecutionNotRunningError) return invalidParameter(error.message)
  if (error instanceof CallbackError) {
    // The emulator refuses an unknown id, or a callback that is no longer STARTED.
    return error.message.startsWith("No callback")
      ? notFound(error.message)
      : new ApiError({ status: 400, errorType: "CallbackTimeoutException", message: error.message })
  }
  return new ApiError({ status: 500, errorType: "ServiceException", message: String(error) })
}

const errorResponse = (error: ApiError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(
    {
      __type: error.errorType,
      Type: error.status >= 500 ? "Service" : "User",
      // Lambda's exceptions name the field `message` or `Message`, depending on the exception.
      message: error.message,
      Message: error.message
    },
    { status: error.status, headers: { "x-amzn-errortype": error.errorType } }
  )

// ---------------------------------------------------------------------------
// JSON as the service writes it
// ---------------------------------------------------------------------------

/**
 * Turns a value into the service's JSON: `Date`s become epoch seconds (the
 * `restJson1` timestamp format) and `undefined` fields are dropped.
 *
 * @example
 * ```ts
 * LambdaApiServer.toServiceJson({ StartTimestamp: new Date(1500) }) // { StartTimestamp: 1.5 }
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toServiceJson = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime() / 1000
  if (Array.isArray(value)) return value.map(toServiceJson)
  if (value === null || typeof value !== "object") return value
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toServiceJson(field)
  return out
}

const ok = (body: unknown) => HttpServerResponse.jsonUnsafe(toServiceJson(body))

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

const readText = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, ApiError> =>
  Effect.mapError(
    request.text,
    (error) => new ApiError({ status: 400, errorType: "InvalidRequestContentException", message: error.message })
  )

/** The JSON body, or `undefined` when the body is empty. */
const readJson = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<unknown, ApiError> =>
  Effect.flatMap(readText(request), (text) =>
    text.trim() === "" ? Effect.succeed(undefined) : Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () =>
        new ApiError({
          status: 400,
          errorType: "InvalidRequestContentException",
          message: "Could not parse the request body as JSON"
        })
    }))

const decodeWith = <S extends Schema.Top>(schema: S, what: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (input: unknown): Effect.Effect<S["Type"], ApiError, S["DecodingServices"]> =>
    Effect.mapError(
      decode(input, { onExcessProperty: "ignore" }),
      (error) => invalidParameter(`Invalid ${what}: ${error.message}`)
    )
}

const decodeCheckpointRequest = decodeWith(Wire.CheckpointRequest, "CheckpointDurableExecution request")
const decodeGetStateRequest = decodeWith(Wire.GetStateRequest, "GetDurableExecutionState request")
const decodeErrorObject = decodeWith(Wire.ErrorObject, "error object")

const integerParam = (params: URLSearchParams, name: string): Effect.Effect<number | undefined, ApiError> => {
  const raw = params.get(name)
  if (raw === null) return Effect.succeed(undefined)
  const value = Number(raw)
  return Number.isInteger(value)
    ? Effect.succeed(value)
    : Effect.fail(invalidParameter(`${name} must be an integer (got "${raw}")`))
}

const booleanParam = (params: URLSearchParams, name: string, fallback: boolean): boolean => {
  const raw = params.get(name)
  return raw === null ? fallback : raw === "true"
}

const decodeSegment = (raw: string): Effect.Effect<string, ApiError> =>
  Effect.try({
    try: () => decodeURIComponent(raw),
    catch: () => invalidParameter(`Malformed path segment "${raw}"`)
  })

// ---------------------------------------------------------------------------
// History, in the service's `Event` shape
// ---------------------------------------------------------------------------

type HistoryEvent = Record<string, unknown> & { readonly EventType: string }

const payload = (value: string | undefined, include: boolean) =>
  include && value !== undefined ? { Payload: value } : {}

const errorPayload = (value: Wire.ErrorObject | undefined, include: boolean) =>
  include && value !== undefined ? { Payload: value } : {}

const operationFields = (update: { Id: string; Name?: string; ParentId?: string; SubType?: string }) => ({
  Id: update.Id,
  Name: update.Name,
  ParentId: update.ParentId,
  SubType: update.SubType
})

const updateEvent = (
  update: Wire.OperationUpdate,
  operation: Wire.Operation | undefined,
  at: Date,
  include: boolean
): HistoryEvent | undefined => {
  const base = { ...operationFields(update), EventTimestamp: at }
  const attempt = operation?.StepDetails?.Attempt
  switch (`${update.Type} ${update.Action}`) {
    case "STEP START":
      return { ...base, EventType: "StepStarted", StepStartedDetails: {} }
    case "STEP SUCCEED":
      return {
        ...base,
        EventType: "StepSucceeded",
        StepSucceededDetails: { Result: payload(update.Payload, include), RetryDetails: { CurrentAttempt: attempt } }
      }
    case "STEP FAIL":
    case "STEP RETRY":
      return {
        ...base,
        EventType: "StepFailed",
        StepFailedDetails: {
          Error: errorPayload(update.Error, include),
          RetryDetails: {
            CurrentAttempt: attempt,
            NextAttemptDelaySeconds: update.Action === "RETRY" ? update.StepOptions?.NextAttemptDelaySeconds : undefined
          }
        }
      }
    case "WAIT START":
      return {
        ...base,
        EventType: "WaitStarted",
        WaitStartedDetails: {
          Duration: update.WaitOptions?.WaitSeconds,
          ScheduledEndTimestamp: operation?.WaitDetails?.ScheduledEndTimestamp
        }
      }
    case "WAIT CANCEL":
      return { ...base, EventType: "WaitCancelled", WaitCancelledDetails: {} }
    case "CALLBACK START":
      return {
        ...base,
        EventType: "CallbackStarted",
        CallbackStartedDetails: {
          CallbackId: operation?.CallbackDetails?.CallbackId,
          Timeout: update.CallbackOptions?.TimeoutSeconds,
          HeartbeatTimeout: update.CallbackOptions?.HeartbeatTimeoutSeconds
        }
      }
    case "CONTEXT START":
      return { ...base, EventType: "ContextStarted", ContextStartedDetails: {} }
    case "CONTEXT SUCCEED":
      return { ...base, EventType: "ContextSucceeded", ContextSucceededDetails: { Result: payload(update.Payload, include) } }
    case "CONTEXT FAIL":
      return { ...base, EventType: "ContextFailed", ContextFailedDetails: { Error: errorPayload(update.Error, include) } }
    case "CHAINED_INVOKE START":
      return {
        ...base,
        EventType: "ChainedInvokeStarted",
        ChainedInvokeStartedDetails: {
          FunctionName: update.ChainedInvokeOptions?.FunctionName,
          TenantId: update.ChainedInvokeOptions?.TenantId,
          Input: payload(update.Payload, include)
        }
      }
    default:
      // EXECUTION updates end the execution (an `ExecutionCompleted` follows); other actions have no event.
      return undefined
  }
}

const serviceChangeEvent = (operation: Wire.Operation, at: Date, include: boolean): HistoryEvent | undefined => {
  const base = { ...operationFields(operation), EventTimestamp: at }
  switch (`${operation.Type} ${operation.Status}`) {
    case "WAIT SUCCEEDED":
      return { ...base, EventType: "WaitSucceeded", WaitSucceededDetails: {} }
    case "CALLBACK SUCCEEDED":
      return {
        ...base,
        EventType: "CallbackSucceeded",
        CallbackSucceededDetails: { Result: payload(operation.CallbackDetails?.Result, include) }
      }
    case "CALLBACK FAILED":
      return {
        ...base,
        EventType: "CallbackFailed",
        CallbackFailedDetails: { Error: errorPayload(operation.CallbackDetails?.Error, include) }
      }
    case "CALLBACK TIMED_OUT":
      return {
        ...base,
        EventType: "CallbackTimedOut",
        CallbackTimedOutDetails: { Error: errorPayload(operation.CallbackDetails?.Error, include) }
      }
    case "CHAINED_INVOKE SUCCEEDED":
      return {
        ...base,
        EventType: "ChainedInvokeSucceeded",
        ChainedInvokeSucceededDetails: { Result: payload(operation.ChainedInvokeDetails?.Result, include) }
      }
    case "CHAINED_INVOKE FAILED":
    case "CHAINED_INVOKE TIMED_OUT":
    case "CHAINED_INVOKE STOPPED": {
      const kind = operation.Status === "FAILED" ? "Failed" : operation.Status === "TIMED_OUT" ? "TimedOut" : "Stopped"
      return {
        ...base,
        EventType: `ChainedInvoke${kind}`,
        [`ChainedInvoke${kind}Details`]: { Error: errorPayload(operation.ChainedInvokeDetails?.Error, include) }
      }
    }
    default:
      // A STEP becoming READY for its next attempt has no event of its own.
      return undefined
  }
}

/**
 * The execution's history in the service's `Event` shape (the answer of
 * GetDurableExecutionHistory), derived from what the emulator recorded.
 * `includeData: false` leaves out inputs, results and errors.
 *
 * @example
 * ```ts
 * const events = LambdaApiServer.historyEvents(yield* emulator.execution(arn), true)
 * events.map((e) => e.EventType) // ["ExecutionStarted", "StepStarted", "StepSucceeded", ...]
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const historyEvents = (
  execution: Execution,
  includeData: boolean
): ReadonlyArray<HistoryEvent> => {
  const events: Array<HistoryEvent> = []
  const executionId = execution.operations.find((o) => o.Type === "EXECUTION")?.Id
  const invocationStarts = new Map<number, number>()
  const push = (event: HistoryEvent | undefined) => {
    if (event !== undefined) events.push({ ...event, EventId: events.length + 1 })
  }
  const invocationCompleted = (invocation: number, at: number, error: Wire.ErrorObject | undefined) =>
    push({
      EventType: "InvocationCompleted",
      Id: executionId,
      Name: execution.executionName,
      EventTimestamp: new Date(at),
      InvocationCompletedDetails: {
        StartTimestamp: new Date(invocationStarts.get(invocation) ?? at),
        EndTimestamp: new Date(at),
        RequestId: `invocation-${invocation}`,
        ...(error === undefined ? {} : { Error: errorPayload(error, true) })
      }
    })
  for (const event of execution.history as ReadonlyArray<EmulatorEvent>) {
    const at = new Date(event.at)
    switch (event._tag) {
      case "ExecutionStarted":
        push({
          EventType: "ExecutionStarted",
          Id: executionId,
          Name: execution.executionName,
          EventTimestamp: at,
          ExecutionStartedDetails: { Input: payload(event.input, includeData) }
        })
        break
      case "InvocationStarted":
        invocationStarts.set(event.invocation, event.at)
        break
      case "Checkpointed":
        for (const update of event.updates) {
          push(updateEvent(update, event.operations.find((o) => o.Id === update.Id), at, includeData))
        }
        break
      case "OperationsUpdated":
        for (const operation of event.operations) push(serviceChangeEvent(operation, at, includeData))
        break
      case "InvocationCompleted":
        invocationCompleted(
          event.invocation,
          event.at,
          event.error === undefined ? undefined : { ErrorType: "InvalidInvocationOutput", ErrorMessage: event.error }
        )
        break
      case "InvocationAbandoned":
        invocationCompleted(event.invocation, event.at, { ErrorType: "InvocationFailed", ErrorMessage: event.reason })
        break
      case "ExecutionCompleted": {
        const base = { Id: executionId, Name: execution.executionName, EventTimestamp: at }
        if (event.status === "SUCCEEDED") {
          push({ ...base, EventType: "ExecutionSucceeded", ExecutionSucceededDetails: { Result: payload(event.result, includeData) } })
        } else {
          const kind = event.status === "FAILED" ? "Failed" : event.status === "STOPPED" ? "Stopped" : "TimedOut"
          push({
            ...base,
            EventType: `Execution${kind}`,
            [`Execution${kind}Details`]: { Error: errorPayload(event.error, includeData) }
          })
        }
        break
      }
      case "CheckpointRejected":
        break
    }
  }
  return events
}

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

const executionRoute = /^\/2025-12-01\/durable-executions\/(.+?)(?:\/(checkpoint|state|history|stop))?$/
const callbackRoute = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)$/

const functionArnOf = (arn: string): string => arn.split("/durable-execution/")[0] ?? arn

const getExecution = (execution: Execution, includeData: boolean) => ({
  DurableExecutionArn: execution.arn,
  DurableExecutionName: execution.executionName,
  FunctionArn: functionArnOf(execution.arn),
  Status: execution.status,
  StartTimestamp: execution.startTimestamp,
  EndTimestamp: execution.endTimestamp,
  Version: functionArnOf(execution.arn).split(":").at(-1),
  ...(includeData ? { InputPayload: execution.input, Result: execution.result, Error: execution.error } : {}),
  ExecutionDataIncluded: includeData
})

const pageOf = <A>(items: ReadonlyArray<A>, marker: string | null, maxItems: number | undefined) => {
  const size = maxItems ?? 100
  if (size < 1 || size > 1000) return Effect.fail(invalidParameter(`MaxItems must be from 1 to 1000 (got ${size})`))
  const offset = marker === null ? 0 : /^\d+$/.test(marker) ? Number(marker) : -1
  if (offset < 0 || offset > items.length) return Effect.fail(invalidParameter(`Invalid marker "${marker}"`))
  const end = offset + size
  return Effect.succeed({ items: items.slice(offset, end), next: end < items.length ? String(end) : undefined })
}

const handleExecution = Effect.fnUntraced(function*(
  emulator: Emulator["Service"],
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  rawArn: string,
  action: string | undefined
) {
  const arn = yield* decodeSegment(rawArn)
  const query = url.searchParams
  switch (`${request.method} ${action ?? ""}`) {
    case "POST checkpoint": {
      const body = yield* readJson(request)
      const input = yield* decodeCheckpointRequest({ ...(typeof body === "object" ? body : {}), DurableExecutionArn: arn })
      return ok(yield* emulator.client.checkpoint(input))
    }
    case "GET state": {
      const maxItems = yield* integerParam(query, "MaxItems")
      const input = yield* decodeGetStateRequest({
        DurableExecutionArn: arn,
        ...(query.get("CheckpointToken") === null ? {} : { CheckpointToken: query.get("CheckpointToken") }),
        ...(query.get("Marker") === null ? {} : { Marker: query.get("Marker") }),
        ...(maxItems === undefined ? {} : { MaxItems: maxItems })
      })
      return ok(yield* emulator.client.getExecutionState(input))
    }
    case "GET history": {
      const maxItems = yield* integerParam(query, "MaxItems")
      const execution = yield* emulator.execution(arn)
      const events = historyEvents(execution, booleanParam(query, "IncludeExecutionData", true))
      const ordered = booleanParam(query, "ReverseOrder", false) ? [...events].reverse() : events
      const { items, next } = yield* pageOf(ordered, query.get("Marker"), maxItems)
      return ok({ Events: items, NextMarker: next })
    }
    case "POST stop": {
      const body = yield* readJson(request)
      const error = body === undefined ? undefined : yield* decodeErrorObject(body)
      return ok({ StopTimestamp: yield* emulator.stop(arn, error) })
    }
    case "GET ": {
      const execution = yield* emulator.execution(arn)
      return ok(getExecution(execution, booleanParam(query, "IncludeExecutionData", true)))
    }
    default:
      return yield* new ApiError({
        status: 404,
        errorType: "UnknownOperationException",
        message: `No operation for ${request.method} ${url.pathname}`
      })
  }
})

const handleCallback = Effect.fnUntraced(function*(
  emulator: Emulator["Service"],
  request: HttpServerRequest.HttpServerRequest,
  rawId: string,
  action: string
) {
  const callbackId = yield* decodeSegment(rawId)
  if (request.method !== "POST") {
    return yield* new ApiError({
      status: 404,
      errorType: "UnknownOperationException",
      message: `No operation for ${request.method} on a callback`
    })
  }
  switch (action) {
    case "succeed": {
      // The result is the raw body (a blob payload), up to 1 MB in the service.
      const text = yield* readText(request)
      yield* emulator.sendCallbackSuccess(callbackId, text === "" ? undefined : text)
      break
    }
    case "fail": {
      const body = yield* readJson(request)
      yield* emulator.sendCallbackFailure(callbackId, body === undefined ? undefined : yield* decodeErrorObject(body))
      break
    }
    default:
      yield* emulator.sendCallbackHeartbeat(callbackId)
  }
  return ok({})
})

/**
 * Answers one request of the API: never fails, every error (including a defect
 * of the emulator) becomes the service's error answer.
 */
const handle = (emulator: Emulator["Service"]) =>
(
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<HttpServerResponse.HttpServerResponse, never> => {
  const url = new URL(request.url, "http://127.0.0.1")
  // Matched on the raw path: the ARN is one segment whose `/` arrive encoded as %2F.
  const execution = executionRoute.exec(url.pathname)
  const callback = execution === null ? callbackRoute.exec(url.pathname) : null
  const answer: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown> = execution !== null
    ? handleExecution(emulator, request, url, execution[1]!, execution[2])
    : callback !== null
    ? handleCallback(emulator, request, callback[1]!, callback[2]!)
    : Effect.fail(
      new ApiError({ status: 404, errorType: "UnknownOperationException", message: `No route for ${url.pathname}` })
    )
  return answer.pipe(
    Effect.catchCause((cause) => {
      const error = Cause.findErrorOption(cause)
      return Effect.succeed(errorResponse(
        error._tag === "Some"
          ? fromEmulator(error.value)
          : new ApiError({ status: 500, errorType: "ServiceException", message: Cause.pretty(cause) })
      ))
    })
  )
}

/**
 * The API's routes, for an `HttpRouter`: use it to serve the API next to other
 * routes, or with another server than {@link layer}'s.
 *
 * @category layers
 * @since 0.1.0
 */
export const routes: Layer.Layer<never, never, HttpRouter.HttpRouter | Emulator> = HttpRouter.use(
  Effect.fnUntraced(function*(router) {
    const emulator = yield* Emulator
    yield* router.add("*", "/2025-12-01/durable-executions/*", handle(emulator))
    yield* router.add("*", "/2025-12-01/durable-execution-callbacks/*", handle(emulator))
    // everything else: the service's UnknownOperationException rather than an empty 404
    yield* router.add("*", "/*", handle(emulator))
  })
)

/**
 * Options of {@link layerWith}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The port to listen on, on 127.0.0.1. Defaults to 0: any free port. */
  readonly port?: number | undefined
}

/**
 * Serves the API of the `Emulator` in context on `127.0.0.1:<port>` for as
 * long as the layer lives, and provides the {@link LambdaApiServer} (its URL).
 *
 * @example
 * ```ts
 * const ServerLayer = LambdaApiServer.layerWith({ port: 9014 }).pipe(Layer.provideMerge(Emulator.Emulator.layer))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (
  options: Options = {}
): Layer.Layer<LambdaApiServer, HttpServerError.ServeError, Emulator> =>
  Layer.mergeAll(
    HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }),
    Layer.effect(
      LambdaApiServer,
      HttpServer.addressFormattedWith((url) => Effect.succeed(LambdaApiServer.of({ url })))
    )
  ).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: options.port ?? 0, host: "127.0.0.1" })))

/**
 * Serves the API of the `Emulator` in context on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * Effect.provide(program, LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.Emulator.layer)))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<LambdaApiServer, HttpServerError.ServeError, Emulator> = layerWith()
