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
 *   `UnknownOperationException` 404 (no such route),
 *   `RequestTooLargeException` 413 (a body over the limit: 1 MiB for a
 *   callback, 16 MiB otherwise; refused as it streams in, never buffered),
 *   `ServiceException` 500 (a defect of the emulator: never a crash of the
 *   server, never a stack trace). Messages are cut at 16 KiB. A path that is
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
 * | `GET /functions/{name}/durable-executions?Qualifier&DurableExecutionName&Statuses&StartedAfter&StartedBefore&ReverseOrder&Marker&MaxItems` | ListDurableExecutionsByFunction |
 *
 * and `POST /2015-03-31/functions/{name}/invocations` (Invoke) starts a durable
 * execution: the function name (a name, `name:qualifier`, a partial or a full
 * ARN, or the `Qualifier` query), `X-Amz-Durable-Execution-Name` (the
 * idempotency key: the same name and input give the existing execution,
 * another input `DurableExecutionAlreadyStartedException` 409) and the body
 * (the input). `Event` answers 202 with `X-Amz-Durable-Execution-Arn`;
 * `RequestResponse` waits for the execution to end and answers its result (or
 * its error, with `X-Amz-Function-Error: Unhandled`); `DryRun` answers 204.
 * Something else runs the function: `LocalService` (which also tells the
 * server which functions exist, see {@link FunctionRegistry}), a
 * `LocalRunner.drive`, a test.
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
import * as Payload from "@effect-durable/core/Payload"
import * as Wire from "@effect-durable/core/Wire"
import { Cause, Context, Duration, Effect, Layer, PubSub, Schema, Stream } from "effect"
import { HttpRouter, HttpServer, type HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import {
  CallbackError,
  Emulator,
  ExecutionAlreadyStartedError,
  type Execution,
  ExecutionNotFoundError,
  ExecutionNotRunningError,
  InvalidStartError,
  maxCallbackResultBytes
} from "./Emulator.ts"
import * as History from "./History.ts"

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

/**
 * Which functions exist, for `Invoke` and `ListDurableExecutionsByFunction`:
 * an unknown function is a `ResourceNotFoundException`. By default every name
 * is accepted (the emulator alone runs nothing: whoever drives the executions
 * decides); `LocalService.layer` provides its registered functions.
 *
 * @category services
 * @since 0.1.0
 */
export const FunctionRegistry = Context.Reference<{ readonly has: (functionName: string) => boolean }>(
  "@effect-durable/testing/LambdaApiServer/FunctionRegistry",
  { defaultValue: () => ({ has: () => true }) }
)

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
  if (error instanceof ExecutionAlreadyStartedError) {
    return new ApiError({ status: 409, errorType: "DurableExecutionAlreadyStartedException", message: error.message })
  }
  if (error instanceof InvalidStartError) return invalidParameter(error.message)
  if (error instanceof ExecutionNotFoundError) return notFound(error.message)
  if (error instanceof ExecutionNotRunningError) return invalidParameter(error.message)
  if (error instanceof CallbackError) {
    switch (error.reason) {
      case "NotFound":
        return notFound(error.message)
      case "Closed":
        return new ApiError({ status: 400, errorType: "CallbackTimeoutException", message: error.message })
      case "TooLarge":
        return tooLarge(error.message)
    }
  }
  return serviceException(error)
}

const tooLarge = (message: string) => new ApiError({ status: 413, errorType: "RequestTooLargeException", message })

/** A defect of the emulator: its type and message, never its stack. */
const serviceException = (defect: unknown) =>
  new ApiError({
    status: 500,
    errorType: "ServiceException",
    message: `The service failed on this request: ${Payload.errorTypeOf(defect)}: ${Payload.errorMessageOf(defect)}`
  })

const errorResponse = (error: ApiError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(
    {
      __type: error.errorType,
      Type: error.status >= 500 ? "Service" : "User",
      // Lambda's exceptions name the field `message` or `Message`, depending on the exception.
      message: Payload.truncate(error.message),
      Message: Payload.truncate(error.message)
    },
    {
      status: error.status,
      headers: {
        "x-amzn-errortype": error.errorType,
        // The rest of a body refused for its size is not read: the connection cannot be reused.
        ...(error.status === 413 ? { connection: "close" } : {})
      }
    }
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

/**
 * The largest request body the API reads (16 MiB: a checkpoint carrying a
 * 6 MiB result, escaped, fits); a callback's is 1 MiB, the service's limit
 * for a callback result.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxBodyBytes = 16 * 1024 * 1024

const invalidContent = (message: string) =>
  new ApiError({ status: 400, errorType: "InvalidRequestContentException", message })

/**
 * The body as text, read as it streams in and refused (413) as soon as it
 * passes `limit` bytes, or at once when its declared `Content-Length` does:
 * nothing past the limit is ever held in memory.
 */
const readText = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number = maxBodyBytes
): Effect.Effect<string, ApiError> =>
  Effect.gen(function*() {
    const refused = (size: string) =>
      tooLarge(`The request body is ${size} bytes, over the limit of ${limit} bytes for this operation`)
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) return yield* refused(String(declared))
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* request.stream.pipe(
      Stream.runForEach((chunk) => {
        size += chunk.byteLength
        if (size > limit) return Effect.fail(refused(`more than ${limit}`))
        chunks.push(chunk)
        return Effect.void
      }),
      Effect.mapError((error) => error instanceof ApiError ? error : invalidContent(Payload.errorMessageOf(error)))
    )
    return Buffer.concat(chunks, size).toString("utf8")
  })

/** The JSON body, or `undefined` when the body is empty. */
const readJson = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number = maxBodyBytes
): Effect.Effect<unknown, ApiError> =>
  Effect.flatMap(readText(request, limit), (text) =>
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
// Routes
// ---------------------------------------------------------------------------

const executionRoute = /^\/2025-12-01\/durable-executions\/(.+?)(?:\/(checkpoint|state|history|stop))?$/
const callbackRoute = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)$/
const invokeRoute = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/
const listRoute = /^\/2025-12-01\/functions\/([^/]+)\/durable-executions$/

const functionArnOf = (arn: string): string => arn.split("/durable-execution/")[0] ?? arn

const functionPattern =
  /^(?:(?:arn:[a-zA-Z0-9-]+:lambda:[a-z0-9-]+:)?\d{12}:function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/

/**
 * The function name and qualifier in the `FunctionName` of a request (a name,
 * `name:qualifier`, a partial or a full ARN) and its `Qualifier` parameter.
 *
 * @example
 * ```ts
 * LambdaApiServer.parseFunctionName("arn:aws:lambda:us-east-1:123456789012:function:orders:live")
 * // Effect.succeed({ name: "orders", qualifier: "live" })
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const parseFunctionName = (
  functionName: string,
  qualifier?: string | undefined
): Effect.Effect<{ readonly name: string; readonly qualifier: string | undefined }, ApiError> => {
  const match = functionPattern.exec(functionName)
  if (match === null) return Effect.fail(invalidParameter(`Invalid function name "${functionName}"`))
  const inName = match[2]
  if (inName !== undefined && qualifier !== undefined && inName !== qualifier) {
    return Effect.fail(
      invalidParameter(`The qualifier in the function name (${inName}) differs from the Qualifier (${qualifier})`)
    )
  }
  return Effect.succeed({ name: match[1]!, qualifier: inName ?? qualifier })
}

/**
 * The function name and qualifier of an execution ARN
 * (`arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>/durable-execution/...`).
 *
 * @example
 * ```ts
 * LambdaApiServer.functionOf(arn) // { name: "orders", qualifier: "$LATEST" }
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const functionOf = (arn: string): { readonly name: string; readonly qualifier: string } => {
  const [name = "", qualifier = ""] = functionArnOf(arn).split(":function:")[1]?.split(":") ?? []
  return { name, qualifier }
}

/**
 * The filters of `ListDurableExecutionsByFunction`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ListFilter {
  readonly functionName: string
  readonly qualifier?: string | undefined
  readonly executionName?: string | undefined
  readonly statuses?: ReadonlyArray<string> | undefined
  readonly startedAfter?: Date | undefined
  readonly startedBefore?: Date | undefined
  /** Oldest first; the service lists the newest first by default. */
  readonly reverseOrder?: boolean | undefined
}

/**
 * The executions that `ListDurableExecutionsByFunction` lists, in its order
 * (newest first unless `reverseOrder`), in the service's `Execution` shape.
 *
 * @category encoding
 * @since 0.1.0
 */
export const listExecutions = (executions: ReadonlyArray<Execution>, filter: ListFilter) => {
  const selected = executions.filter((execution) => {
    const { name, qualifier } = functionOf(execution.arn)
    return name === filter.functionName &&
      (filter.qualifier === undefined || qualifier === filter.qualifier) &&
      (filter.executionName === undefined || execution.executionName === filter.executionName) &&
      (filter.statuses === undefined || filter.statuses.length === 0 || filter.statuses.includes(execution.status)) &&
      (filter.startedAfter === undefined || execution.startTimestamp.getTime() > filter.startedAfter.getTime()) &&
      (filter.startedBefore === undefined || execution.startTimestamp.getTime() < filter.startedBefore.getTime())
  })
  // `executions` are in creation order
  const ordered = filter.reverseOrder === true ? selected : [...selected].reverse()
  return ordered.map((execution) => ({
    DurableExecutionArn: execution.arn,
    DurableExecutionName: execution.executionName,
    FunctionArn: functionArnOf(execution.arn),
    Status: execution.status,
    StartTimestamp: execution.startTimestamp,
    EndTimestamp: execution.endTimestamp
  }))
}

/**
 * The answer of `GetDurableExecution` for an execution of the emulator.
 *
 * @category encoding
 * @since 0.1.0
 */
export const describeExecution = (execution: Execution, includeData: boolean) => ({
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

/**
 * One page of `items` as the service pages: `MaxItems` (1 to 1000, default
 * 100) from the `marker` of the previous page; `next` is the marker of the
 * following page, if there is one.
 *
 * @category encoding
 * @since 0.1.0
 */
export const pageOf = <A>(
  items: ReadonlyArray<A>,
  marker: string | null | undefined,
  maxItems: number | undefined
): Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly next: string | undefined }, ApiError> => {
  const size = maxItems ?? 100
  if (size < 1 || size > 1000) return Effect.fail(invalidParameter(`MaxItems must be from 1 to 1000 (got ${size})`))
  const offset = marker === null || marker === undefined ? 0 : /^\d+$/.test(marker) ? Number(marker) : -1
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
      const events = History.fromExecution(execution, {
        includeExecutionData: booleanParam(query, "IncludeExecutionData", true)
      })
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
      return ok(describeExecution(execution, booleanParam(query, "IncludeExecutionData", true)))
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
      // The result is the raw body (a blob payload), up to 1 MiB in the service.
      const text = yield* readText(request, maxCallbackResultBytes)
      yield* emulator.sendCallbackSuccess(callbackId, text === "" ? undefined : text)
      break
    }
    case "fail": {
      const body = yield* readJson(request, maxCallbackResultBytes)
      yield* emulator.sendCallbackFailure(callbackId, body === undefined ? undefined : yield* decodeErrorObject(body))
      break
    }
    default:
      yield* emulator.sendCallbackHeartbeat(callbackId)
  }
  return ok({})
})

type Registry = typeof FunctionRegistry.Service

const unknownFunction = (name: string) => notFound(`Function not found: ${name}`)

const handleInvoke = Effect.fnUntraced(function*(
  emulator: Emulator["Service"],
  registry: Registry,
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  rawName: string
) {
  if (request.method !== "POST") {
    return yield* new ApiError({ status: 404, errorType: "UnknownOperationException", message: "Invoke is a POST" })
  }
  const fn = yield* parseFunctionName(yield* decodeSegment(rawName), url.searchParams.get("Qualifier") ?? undefined)
  if (!registry.has(fn.name)) return yield* unknownFunction(fn.name)
  const invocationType = request.headers["x-amz-invocation-type"] ?? "RequestResponse"
  if (invocationType === "DryRun") return HttpServerResponse.empty({ status: 204 })
  if (invocationType !== "Event" && invocationType !== "RequestResponse") {
    return yield* invalidParameter(`Invalid InvocationType "${invocationType}"`)
  }
  const body = yield* readText(request)
  const executionName = request.headers["x-amz-durable-execution-name"]
  const arn = yield* emulator.start({
    name: fn.name,
    ...(fn.qualifier === undefined ? {} : { qualifier: fn.qualifier }),
    ...(executionName === undefined ? {} : { executionName }),
    ...(body === "" ? {} : { input: body })
  })
  const headers = {
    "x-amz-durable-execution-arn": arn,
    "x-amz-executed-version": functionArnOf(arn).split(":").at(-1) ?? "$LATEST"
  }
  if (invocationType === "Event") return HttpServerResponse.empty({ status: 202, headers })
  // RequestResponse: the answer is the execution's end (at once for an execution that has already ended),
  // within the 15 minutes a synchronous invocation may last; the execution goes on after them.
  const ended = yield* Effect.scoped(Effect.gen(function*() {
    const subscription = yield* emulator.subscribe
    let execution = yield* emulator.execution(arn)
    while (execution.status === "RUNNING") {
      const event = yield* PubSub.take(subscription)
      if (event.arn === arn && event._tag === "ExecutionCompleted") execution = yield* emulator.execution(arn)
    }
    return execution
  })).pipe(Effect.timeoutOption(synchronousLimit))
  if (ended._tag === "None") {
    return HttpServerResponse.jsonUnsafe({
      errorType: "Sandbox.Timedout",
      errorMessage: `The durable execution did not end within the ${
        Duration.format(synchronousLimit)
      } of a synchronous invocation; it goes on (invoke it asynchronously, and read its result with GetDurableExecution)`
    }, { status: 200, headers: { ...headers, "x-amz-function-error": "Unhandled" } })
  }
  return answerOf(ended.value, headers)
})

/** How long a synchronous invocation may last. */
const synchronousLimit = Duration.minutes(15)

/** The answer of a synchronous `Invoke` for an execution that has ended. */
const answerOf = (ended: Execution, headers: Record<string, string>) => {
  if (ended.status === "SUCCEEDED") return HttpServerResponse.text(ended.result ?? "null", { status: 200, headers })
  return HttpServerResponse.jsonUnsafe({
    errorType: ended.error?.ErrorType ?? `Execution${ended.status}`,
    errorMessage: ended.error?.ErrorMessage ?? `The durable execution ended ${ended.status}`
  }, { status: 200, headers: { ...headers, "x-amz-function-error": "Unhandled" } })
}

const handleList = Effect.fnUntraced(function*(
  emulator: Emulator["Service"],
  registry: Registry,
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  rawName: string
) {
  if (request.method !== "GET") {
    return yield* new ApiError({
      status: 404,
      errorType: "UnknownOperationException",
      message: "ListDurableExecutionsByFunction is a GET"
    })
  }
  const query = url.searchParams
  const fn = yield* parseFunctionName(yield* decodeSegment(rawName), query.get("Qualifier") ?? undefined)
  if (!registry.has(fn.name)) return yield* unknownFunction(fn.name)
  const dateParam = (name: string) => {
    const raw = query.get(name)
    if (raw === null) return Effect.succeed(undefined)
    const date = new Date(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : raw)
    return Number.isNaN(date.getTime())
      ? Effect.fail(invalidParameter(`${name} must be a timestamp (got "${raw}")`))
      : Effect.succeed(date)
  }
  const statuses = query.getAll("Statuses").flatMap((value) => value.split(","))
  const invalid = statuses.find((status) => !executionStatuses.has(status))
  if (invalid !== undefined) return yield* invalidParameter(`Invalid status "${invalid}"`)
  const executions = listExecutions(yield* emulator.executions, {
    functionName: fn.name,
    qualifier: fn.qualifier,
    executionName: query.get("DurableExecutionName") ?? undefined,
    statuses,
    startedAfter: yield* dateParam("StartedAfter"),
    startedBefore: yield* dateParam("StartedBefore"),
    reverseOrder: booleanParam(query, "ReverseOrder", false)
  })
  const { items, next } = yield* pageOf(executions, query.get("Marker"), yield* integerParam(query, "MaxItems"))
  return ok({ DurableExecutions: items, NextMarker: next })
})

const executionStatuses: ReadonlySet<string> = new Set(Wire.ExecutionStatus.literals)

/**
 * Answers one request of the API: never fails, every error (including a defect
 * of the emulator) becomes the service's error answer.
 */
const handle = (emulator: Emulator["Service"], registry: Registry) =>
(
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<HttpServerResponse.HttpServerResponse, never> => {
  const url = new URL(request.url, "http://127.0.0.1")
  // Matched on the raw path: the ARN is one segment whose `/` arrive encoded as %2F.
  const execution = executionRoute.exec(url.pathname)
  const callback = execution === null ? callbackRoute.exec(url.pathname) : null
  const invoke = invokeRoute.exec(url.pathname)
  const list = listRoute.exec(url.pathname)
  const answer: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown> = execution !== null
    ? handleExecution(emulator, request, url, execution[1]!, execution[2])
    : callback !== null
    ? handleCallback(emulator, request, callback[1]!, callback[2]!)
    : invoke !== null
    ? handleInvoke(emulator, registry, request, url, invoke[1]!)
    : list !== null
    ? handleList(emulator, registry, request, url, list[1]!)
    : Effect.fail(
      new ApiError({ status: 404, errorType: "UnknownOperationException", message: `No route for ${url.pathname}` })
    )
  return answer.pipe(
    Effect.catchCause((cause) => {
      const error = Cause.findErrorOption(cause)
      return Effect.succeed(errorResponse(
        error._tag === "Some"
          ? fromEmulator(error.value)
          : serviceException(Cause.squash(cause))
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
    const answer = handle(emulator, yield* FunctionRegistry)
    yield* router.add("*", "/2025-12-01/durable-executions/*", answer)
    yield* router.add("*", "/2025-12-01/durable-execution-callbacks/*", answer)
    yield* router.add("*", "/2025-12-01/functions/*", answer)
    yield* router.add("*", "/2015-03-31/functions/*", answer)
    // everything else: the service's UnknownOperationException rather than an empty 404
    yield* router.add("*", "/*", answer)
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
