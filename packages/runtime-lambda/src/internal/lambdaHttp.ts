/**
 * The wire of `LambdaHttpCheckpointClient`: the two calls of the durable
 * execution API as `restJson1` HTTP requests, written, signed and read as
 * `@aws-sdk/client-lambda` 3.1164.0 writes, signs and reads them (the facts are
 * the service model's: member order, the idempotency token, label and query
 * encoding, epoch-second timestamps, the error code's places; and the AWS
 * SDK's standard retry mode). A test sends the same calls through both and
 * compares the requests byte for byte.
 */
import type * as Wire from "@effect-durable/core/Wire"
import { SignatureV4 } from "@smithy/signature-v4"
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto"
import Http from "node:http"
import Https from "node:https"

// ---------------------------------------------------------------------------
// SHA-256 for the signer, over node:crypto
// ---------------------------------------------------------------------------

type SourceData = string | ArrayBuffer | ArrayBufferView

const toBuffer = (data: SourceData): Buffer =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data)

/** SHA-256, or HMAC-SHA-256 with a secret: the hash `@smithy/signature-v4` asks for. */
export class Sha256 {
  readonly #secret: Buffer | undefined
  #hash: Hash | Hmac
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret)
    this.#hash = this.#fresh()
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret)
  }
  update(data: SourceData): void {
    this.#hash.update(toBuffer(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest())
  }
  reset(): void {
    this.#hash = this.#fresh()
  }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/** A URI component as the AWS SDK encodes labels and query strings: `encodeURIComponent`, and `!'()*` too. */
export const encodeUriComponent = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** One call, before signing: the path with its label encoded once, the query in the model's order, the body. */
export interface RequestSpec {
  readonly method: "GET" | "POST"
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly body: Buffer | undefined
}

// The AWS SDK 3.1164 checks no label: an empty ARN is sent as `durable-executions//checkpoint`, and so it is here.
const executionPath = (arn: string, action: "checkpoint" | "state"): string =>
  `/2025-12-01/durable-executions/${encodeUriComponent(arn)}/${action}`

// A shape of the service model: a scalar, a structure (its members in the model's order) or a list.
type Shape = "scalar" | Struct | { readonly list: Shape }
type Struct = ReadonlyArray<readonly [name: string, shape: Shape]>

const errorObject: Struct = [
  ["ErrorMessage", "scalar"],
  ["ErrorType", "scalar"],
  ["ErrorData", "scalar"],
  ["StackTrace", { list: "scalar" }]
]

const operationUpdate: Struct = [
  ["Id", "scalar"],
  ["Type", "scalar"],
  ["Action", "scalar"],
  ["ParentId", "scalar"],
  ["Name", "scalar"],
  ["SubType", "scalar"],
  ["Payload", "scalar"],
  ["Error", errorObject],
  ["ContextOptions", [["ReplayChildren", "scalar"]]],
  ["StepOptions", [["NextAttemptDelaySeconds", "scalar"]]],
  ["WaitOptions", [["WaitSeconds", "scalar"]]],
  ["CallbackOptions", [["TimeoutSeconds", "scalar"], ["HeartbeatTimeoutSeconds", "scalar"]]],
  ["ChainedInvokeOptions", [["FunctionName", "scalar"], ["TenantId", "scalar"], ["XAmznTraceId", "scalar"]]]
]

// The body of CheckpointDurableExecution (its label, DurableExecutionArn, is in the path).
const checkpointBody: Struct = [
  ["CheckpointToken", "scalar"],
  ["Updates", { list: operationUpdate }],
  ["ClientToken", "scalar"]
]

/**
 * A value as the AWS SDK's JSON serializer writes it: a structure's members in
 * the model's order, others dropped, `null` and `undefined` left out (of lists
 * too), non-finite numbers as strings. `JSON.stringify` of the result gives
 * its bytes.
 */
const serialize = (shape: Shape, value: unknown): unknown => {
  if (typeof value !== "object" || value === null) {
    return typeof value === "number" && !Number.isFinite(value) ? String(value) : value
  }
  if (shape === "scalar") return value
  if (isStruct(shape)) {
    const out: Record<string, unknown> = {}
    for (const [name, member] of shape) {
      const item = (value as Record<string, unknown>)[name]
      if (item !== undefined && item !== null) out[name] = serialize(member, item)
    }
    return out
  }
  if (!Array.isArray(value)) return value
  const out: Array<unknown> = []
  for (const item of value) if (item !== undefined && item !== null) out.push(serialize(shape.list, item))
  return out
}

const isStruct = (shape: Exclude<Shape, "scalar">): shape is Struct => Array.isArray(shape)

/**
 * CheckpointDurableExecution: `POST .../checkpoint`, the body in the model's
 * order, with the idempotency token `ClientToken` made by `token` when the
 * request has none (as the AWS SDK fills it in: once per call, kept by its
 * retries).
 */
export const checkpointRequest = (request: Wire.CheckpointRequest, token: () => string): RequestSpec => {
  const path = executionPath(request.DurableExecutionArn, "checkpoint")
  const body = serialize(checkpointBody, {
    CheckpointToken: request.CheckpointToken,
    Updates: request.Updates,
    ClientToken: request.ClientToken ?? token()
  })
  return { method: "POST", path, query: {}, body: Buffer.from(JSON.stringify(body), "utf8") }
}

/** GetDurableExecutionState: `GET .../state?CheckpointToken=...&Marker=...&MaxItems=...`, no body. */
export const stateRequest = (request: Wire.GetStateRequest): RequestSpec => {
  const path = executionPath(request.DurableExecutionArn, "state")
  const query: Record<string, string> = {}
  if (request.CheckpointToken != null) query.CheckpointToken = String(request.CheckpointToken)
  if (request.Marker != null) query.Marker = String(request.Marker)
  if (request.MaxItems != null) query.MaxItems = String(request.MaxItems)
  return { method: "GET", path, query, body: undefined }
}

/** The query string as the request line carries it (and as the signer canonicalizes it, sorted). */
export const queryString = (query: Readonly<Record<string, string>>): string => {
  const parts: Array<string> = []
  for (const key in query) parts.push(`${encodeUriComponent(key)}=${encodeUriComponent(query[key]!)}`)
  return parts.join("&")
}

// The part of the Lambda runtime's `InvokeStore` (`globalThis.awslambda.InvokeStore`, the invocation's
// context) that trace propagation reads.
interface InvokeStore {
  readonly getXRayTraceId?: () => unknown
  readonly getTraceparent?: () => unknown
  readonly getTracestate?: () => unknown
  readonly getBaggage?: () => unknown
}

const fromStore = (store: InvokeStore | undefined, key: keyof InvokeStore): string | undefined => {
  try {
    const value = store?.[key]?.call(store)
    return typeof value === "string" && value.length > 0 ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * The invocation's trace context, as the AWS SDK forwards it on Lambda: the
 * X-Ray trace id (`X-Amzn-Trace-Id`, from the runtime's `InvokeStore`, else
 * `_X_AMZN_TRACE_ID`; only in a Lambda function) and the W3C `traceparent`,
 * `tracestate` and `baggage` the runtime holds. Read for every call (they
 * change with each invocation).
 */
export const traceHeaders = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const store = (globalThis as { readonly awslambda?: { readonly InvokeStore?: InvokeStore } }).awslambda?.InvokeStore
  const headers: Record<string, string> = {}
  const traceId = fromStore(store, "getXRayTraceId") ?? (env._X_AMZN_TRACE_ID || undefined)
  if (env.AWS_LAMBDA_FUNCTION_NAME && traceId !== undefined) headers["x-amzn-trace-id"] = traceId
  const traceparent = fromStore(store, "getTraceparent")
  if (traceparent !== undefined) {
    headers.traceparent = traceparent
    const tracestate = fromStore(store, "getTracestate")
    if (tracestate !== undefined) headers.tracestate = tracestate
    const baggage = fromStore(store, "getBaggage")
    if (baggage !== undefined) headers.baggage = baggage
  }
  return headers
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

// A shape of a response: timestamps (epoch seconds on the wire) and numbers are read, the rest kept.
type ReadShape = "scalar" | "number" | "timestamp" | ReadStruct | { readonly list: ReadShape }
type ReadStruct = ReadonlyArray<readonly [name: string, shape: ReadShape]>

const errorRead: ReadStruct = [
  ["ErrorMessage", "scalar"],
  ["ErrorType", "scalar"],
  ["ErrorData", "scalar"],
  ["StackTrace", "scalar"]
]

const operationRead: ReadStruct = [
  ["Id", "scalar"],
  ["Type", "scalar"],
  ["StartTimestamp", "timestamp"],
  ["Status", "scalar"],
  ["ParentId", "scalar"],
  ["Name", "scalar"],
  ["SubType", "scalar"],
  ["EndTimestamp", "timestamp"],
  ["ExecutionDetails", [["InputPayload", "scalar"]]],
  ["ContextDetails", [["ReplayChildren", "scalar"], ["Result", "scalar"], ["Error", errorRead]]],
  ["StepDetails", [
    ["Attempt", "number"],
    ["NextAttemptTimestamp", "timestamp"],
    ["Result", "scalar"],
    ["Error", errorRead]
  ]],
  ["WaitDetails", [["ScheduledEndTimestamp", "timestamp"]]],
  ["CallbackDetails", [["CallbackId", "scalar"], ["Result", "scalar"], ["Error", errorRead]]],
  ["ChainedInvokeDetails", [["Result", "scalar"], ["Error", errorRead]]]
]

const operationsRead: ReadShape = { list: operationRead }

/** The outputs of the two calls. */
export const checkpointOutput: ReadStruct = [
  ["NewExecutionState", [["Operations", operationsRead], ["NextMarker", "scalar"]]],
  ["CheckpointToken", "scalar"]
]
export const stateOutput: ReadStruct = [["Operations", operationsRead], ["NextMarker", "scalar"]]

const isReadStruct = (shape: Exclude<ReadShape, "scalar" | "number" | "timestamp">): shape is ReadStruct =>
  Array.isArray(shape)

// A number as the service writes one: JSON's grammar, no more.
const numeric = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/** An epoch-seconds timestamp (a number, or its text) as a `Date`, rounded to the millisecond; throws otherwise. */
export const parseEpochSeconds = (value: unknown): Date => {
  const seconds = typeof value === "number"
    ? value
    : typeof value === "string" && numeric.test(value)
    ? Number(value)
    : Number.NaN
  if (!Number.isFinite(seconds)) {
    throw new TypeError(`Epoch timestamps must be finite numbers or their text, got ${JSON.stringify(value)}`)
  }
  return new Date(Math.round(seconds * 1000))
}

/**
 * A response body's value as the AWS SDK reads it: a structure keeps the
 * model's members (others and `null`s dropped), timestamps become `Date`s,
 * numbers sent as "NaN"/"Infinity" become numbers; anything else is kept as
 * it is, for the `Wire` decoders to judge. Throws a `TypeError` on a timestamp
 * that is not one (the AWS SDK fails the call too).
 */
export const read = (shape: ReadShape, value: unknown): unknown => {
  if (value === null || value === undefined) return value
  switch (shape) {
    case "scalar":
      return value
    case "timestamp":
      return parseEpochSeconds(value)
    case "number":
      return value === "NaN" ? Number.NaN : value === "Infinity" ? Infinity : value === "-Infinity" ? -Infinity : value
  }
  if (typeof value !== "object") return value
  if (isReadStruct(shape)) {
    const out: Record<string, unknown> = {}
    for (const [name, member] of shape) {
      const item = (value as Record<string, unknown>)[name]
      if (item !== undefined && item !== null) out[name] = read(member, item)
    }
    return out
  }
  return Array.isArray(value) ? value.map((item) => typeof item === "object" ? read(shape.list, item) : item) : value
}

// ---------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------

/**
 * A failed call, shaped as the AWS SDK's errors are (`name`, `message`,
 * `$metadata.httpStatusCode`, `$metadata.attempts`, `$fault`), so that
 * `CheckpointClient.describeFailure` reads it as it reads theirs.
 */
export class ServiceError extends Error {
  override readonly name: string
  readonly $fault: "client" | "server"
  readonly $metadata: {
    httpStatusCode?: number
    requestId?: string
    attempts?: number
    totalRetryDelay?: number
    /** The client corrected its clock by this response (its clock was off by 4 minutes or more): retried. */
    clockSkewCorrected?: boolean
  }
  /** How long after this response the service asked to be called again (`retry-after`, `x-amz-retry-after`), ms. */
  readonly retryAfter: number | undefined
  /** The service's time, when the response says it (see {@link serverDateOf}). */
  readonly serverDate: string | undefined
  constructor(options: {
    readonly name: string
    readonly message: string
    readonly statusCode: number
    readonly requestId?: string | undefined
    readonly retryAfter?: number | undefined
    readonly serverDate?: string | undefined
  }) {
    super(options.message)
    this.name = options.name
    this.$fault = options.statusCode < 500 ? "client" : "server"
    this.$metadata = {
      httpStatusCode: options.statusCode,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId })
    }
    this.retryAfter = options.retryAfter
    this.serverDate = options.serverDate
  }
}

type Headers = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value as string | undefined
}

/** An error code as the AWS SDK cleans it: before `,` and `:`, after `#`. */
export const sanitizeErrorCode = (raw: unknown): string => {
  let code = String(raw)
  if (code.includes(",")) code = code.split(",")[0]!
  if (code.includes(":")) code = code.split(":")[0]!
  if (code.includes("#")) code = code.split("#")[1]!
  return code
}

/**
 * The error code of a `restJson1` error response, where the AWS SDK looks for
 * it: the `x-amzn-errortype` header, then the body's `code` (any case), then
 * its `__type`.
 */
export const errorCode = (headers: Headers, body: Record<string, unknown>): string | undefined => {
  const fromHeader = header(headers, "x-amzn-errortype")
  if (fromHeader !== undefined) return sanitizeErrorCode(fromHeader)
  const codeKey = Object.keys(body).find((key) => key.toLowerCase() === "code")
  if (codeKey !== undefined && body[codeKey] !== undefined) return sanitizeErrorCode(body[codeKey])
  if (body.__type !== undefined) return sanitizeErrorCode(body.__type)
  return undefined
}

/** The service's time in a response: its `Date` header, unless a cache's `Age` header says it is not the service's. */
export const serverDateOf = (headers: Headers): string | undefined =>
  header(headers, "age") === undefined ? header(headers, "date") : undefined

/**
 * The clock offset (ms to add to the local clock to read the service's) after
 * a response that said the service's time, as the AWS SDK keeps it: the
 * service's time at the response's receipt, unless the date does not parse or
 * the request took more than 15 minutes.
 */
export const updatedClockOffset = (
  serverDate: string | undefined,
  current: number,
  sentAt: number,
  receivedAt: number
): number => {
  if (serverDate === undefined) return current
  const serverTime = Date.parse(serverDate)
  if (Number.isNaN(serverTime) || receivedAt - sentAt > 900_000) return current
  return serverTime - receivedAt
}

/** How far off the clock must be for a failure to be retried once the clock is corrected (ms). */
export const clockSkewThreshold = 240_000

/**
 * How long after a response it asks to be retried, in ms: `retry-after` in
 * seconds or as a date (read against `now`, the time the request was signed
 * at), or `x-amz-retry-after` in ms.
 */
export const retryAfterOf = (headers: Headers, now: number): number | undefined => {
  const after = header(headers, "retry-after")
  if (after !== undefined) {
    const ms = /^\d+(?:\.\d+)?$/.test(after) ? Number(after) * 1000 : Date.parse(after) - now
    return Number.isNaN(ms) ? undefined : ms
  }
  const amz = header(headers, "x-amz-retry-after")
  if (amz === undefined) return undefined
  const ms = Number(amz)
  return Number.isNaN(ms) ? undefined : ms
}

/** The failure a non-2xx response stands for: its code and message as the AWS SDK reads them. */
export const responseError = (response: Response, now: number): Error => {
  const requestId = header(response.headers, "x-amzn-requestid")
  let body: Record<string, unknown> = {}
  if (response.body.length > 0) {
    const text = response.body.toString("utf8")
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      // The AWS SDK fails with the parser's error, and the response's status.
      return new ServiceError({
        name: "SyntaxError",
        message: `${(error as Error).message} (the error response is not JSON)`,
        statusCode: response.status,
        requestId,
        retryAfter: retryAfterOf(response.headers, now),
        serverDate: serverDateOf(response.headers)
      })
    }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>
    }
  }
  const message = body.message ?? body.Message
  return new ServiceError({
    name: errorCode(response.headers, body) ?? "Unknown",
    message: typeof message === "string" && message.length > 0 ? message : "UnknownError",
    statusCode: response.status,
    requestId,
    retryAfter: retryAfterOf(response.headers, now),
    serverDate: serverDateOf(response.headers)
  })
}

/** The output of a 2xx response, read with `shape`; a body that is not JSON fails as the AWS SDK's does. */
export const responseOutput = (response: Response, shape: ReadStruct): Record<string, unknown> => {
  try {
    if (response.body.length === 0) return {}
    const parsed: unknown = JSON.parse(response.body.toString("utf8"))
    return typeof parsed === "object" && parsed !== null ? read(shape, parsed) as Record<string, unknown> : {}
  } catch (error) {
    const cause = error as Error
    throw new ServiceError({
      name: cause.name,
      message: cause.message,
      statusCode: response.status,
      serverDate: serverDateOf(response.headers)
    })
  }
}

// ---------------------------------------------------------------------------
// Retries: the AWS SDK's standard mode
// ---------------------------------------------------------------------------

/** How a failed attempt is retried: throttling and transient failures are, others not. */
export type RetryKind = "THROTTLING" | "TRANSIENT" | "NONE"

const throttlingCodes = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException"
])
const transientCodes = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"])
const transientStatuses = new Set([500, 502, 503, 504])
const networkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN"
])

const isTransient = (error: unknown, depth: number): boolean => {
  if (typeof error !== "object" || error === null) return false
  const { $metadata, cause, code, message, name } = error as {
    readonly name?: unknown
    readonly message?: unknown
    readonly code?: unknown
    readonly cause?: unknown
    readonly $metadata?: { readonly httpStatusCode?: unknown; readonly clockSkewCorrected?: unknown }
  }
  if (name === "AbortError") return false
  return $metadata?.clockSkewCorrected === true ||
    transientCodes.has(name as string) ||
    (name === "InvalidSignatureException" && typeof message === "string" && message.includes("Signature expired")) ||
    networkCodes.has(code as string) ||
    transientStatuses.has($metadata?.httpStatusCode as number) ||
    (code === "ERR_HTTP2_STREAM_ERROR" && typeof message === "string" && message.includes("NGHTTP2_REFUSED_STREAM")) ||
    (cause !== undefined && depth < 10 && isTransient(cause, depth + 1))
}

/**
 * How the AWS SDK's standard retry mode treats a failed attempt: throttling
 * (429 or a throttling error code), transient (timeouts, the network errors
 * of Node, 500/502/503/504, a failure after which the clock was corrected), or not retried (any other 4xx, a client-side
 * error, an abort).
 */
export const retryKind = (error: unknown): RetryKind => {
  if (typeof error !== "object" || error === null) return "NONE"
  const { $metadata, name } = error as {
    readonly name?: unknown
    readonly $metadata?: { readonly httpStatusCode?: unknown }
  }
  if ($metadata?.httpStatusCode === 429 || throttlingCodes.has(name as string)) return "THROTTLING"
  return isTransient(error, 0) ? "TRANSIENT" : "NONE"
}

/** The standard mode's constants (`@smithy/core` 3.41's retry strategy, which `@aws-sdk/client-lambda` 3.1164 uses). */
export const retry = {
  maxAttempts: 3,
  baseDelayMs: 50,
  throttlingBaseDelayMs: 1_000,
  maxDelayMs: 20_000,
  /** The retry quota: a client's capacity, and what each retry takes from it (a success gives it back). */
  capacity: 500,
  cost: 14,
  throttlingCost: 5,
  noRetryIncrement: 1,
  /** How far past the backoff a `retry-after` may push a retry. */
  maxRetryAfterExtraMs: 5_000
} as const

/**
 * The delay before retry number `retries + 1`: full jitter over an
 * exponential backoff (`random` in [0, 1)), `min(base × 2^retries, 20 s)`,
 * the base 50 ms (1 s after throttling); a `retry-after` from the service
 * (`retryAfterMs` from now) lengthens it, by 5 s at most.
 */
export const retryDelay = (
  kind: Exclude<RetryKind, "NONE">,
  retries: number,
  random: number,
  retryAfterMs?: number | undefined
): number => {
  const base = kind === "THROTTLING" ? retry.throttlingBaseDelayMs : retry.baseDelayMs
  const backoff = Math.floor(random * Math.min(base * 2 ** retries, retry.maxDelayMs))
  return retryAfterMs === undefined
    ? backoff
    : Math.max(backoff, Math.min(retryAfterMs, backoff + retry.maxRetryAfterExtraMs))
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

/** A response, read whole. */
export interface Response {
  readonly status: number
  readonly headers: Headers
  readonly body: Buffer
}

/** The timeouts of a request (as `@smithy/node-http-handler`'s): to connect, of an idle socket, in all (ms). */
export interface Timeouts {
  readonly connectionTimeout: number
  readonly socketTimeout: number
  readonly requestTimeout: number
}

const timeoutError = (message: string, code?: string): Error =>
  Object.assign(new Error(message), { name: "TimeoutError" }, code === undefined ? {} : { code })

const abortError = (): Error => Object.assign(new Error("Request aborted"), { name: "AbortError" })

/** The keep-alive agents of one client, made on first use, destroyed with the client. */
export class Agents {
  #http: Http.Agent | undefined
  #https: Https.Agent | undefined
  for(protocol: string): Http.Agent {
    return protocol === "https:"
      ? this.#https ??= new Https.Agent({ keepAlive: true, maxSockets: 50 })
      : this.#http ??= new Http.Agent({ keepAlive: true, maxSockets: 50 })
  }
  destroy(): void {
    this.#http?.destroy()
    this.#https?.destroy()
    this.#http = this.#https = undefined
  }
}

/**
 * Sends one request and reads its whole response: `http.request` or
 * `https.request` (called through the module, so that instrumentation which
 * patches it sees the call), the agent's kept-alive sockets, the three
 * timeouts, and `signal` aborting it.
 */
export const send = (
  target: {
    readonly url: URL
    readonly agent: Http.Agent
    readonly timeouts: Timeouts
  },
  request: {
    readonly method: string
    readonly path: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: Buffer | undefined
  },
  signal: AbortSignal
): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(abortError())
    const { timeouts, url } = target
    const timers: Array<ReturnType<typeof setTimeout>> = []
    let settled = false
    const settle = (f: () => void) => {
      if (settled) return
      settled = true
      for (const timer of timers) clearTimeout(timer)
      signal.removeEventListener("abort", onAbort)
      f()
    }
    const fail = (error: Error) => {
      settle(() => reject(error))
      req.destroy()
    }
    const onAbort = () => fail(abortError())
    const options: Http.RequestOptions = {
      agent: target.agent,
      protocol: url.protocol,
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      method: request.method,
      path: request.path,
      headers: request.headers
    }
    const req = url.protocol === "https:" ? Https.request(options) : Http.request(options)
    signal.addEventListener("abort", onAbort, { once: true })
    if (timeouts.requestTimeout > 0) {
      timers.push(setTimeout(
        () => fail(timeoutError(`The request exceeded the ${timeouts.requestTimeout} ms request timeout`, "ETIMEDOUT")),
        timeouts.requestTimeout
      ))
    }
    req.on("socket", (socket) => {
      if (timeouts.connectionTimeout > 0 && socket.connecting) {
        const timer = setTimeout(
          () => fail(timeoutError(`No connection within the ${timeouts.connectionTimeout} ms connection timeout`)),
          timeouts.connectionTimeout
        )
        timers.push(timer)
        socket.once("connect", () => clearTimeout(timer))
      }
    })
    if (timeouts.socketTimeout > 0) {
      req.setTimeout(
        timeouts.socketTimeout,
        () => fail(timeoutError(`The socket was idle for the ${timeouts.socketTimeout} ms socket timeout`))
      )
    }
    req.on("error", (error) => fail(error))
    req.on("response", (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", (error) => fail(error))
      // A connection that closes before the response's end fails as a reset (a transient failure).
      res.on("close", () => {
        if (!res.complete) {
          fail(Object.assign(new Error("The connection closed before the response ended"), { code: "ECONNRESET" }))
        }
      })
      res.on("end", () =>
        settle(() =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Headers,
            body: Buffer.concat(chunks)
          })
        ))
    })
    req.end(request.body)
  })

// ---------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------

/** AWS credentials, as the Lambda runtime gives them to a function. */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** A SigV4 signer for Lambda in `region`, over `credentials` (read at each signature). */
export const signer = (region: string, credentials: () => Promise<Credentials>): SignatureV4 =>
  new SignatureV4({
    service: "lambda",
    region,
    // An absent session token is left out (the signer sends the header only when there is one).
    credentials: credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: true
  })
