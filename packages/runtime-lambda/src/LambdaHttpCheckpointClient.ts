/**
 * The light Lambda transport: the core `CheckpointClient` over `node:https`,
 * signed with `@smithy/signature-v4`, without `@aws-sdk/client-lambda`.
 *
 * It sends the two calls a durable workflow makes on Lambda
 * (`CheckpointDurableExecution`, `GetDurableExecutionState`) exactly as the
 * AWS SDK's `LambdaClient` sends them (the same path, query, body bytes and
 * signature; a test compares them), retries them as its standard retry mode
 * does (3 attempts, exponential backoff with full jitter, throttling, 5xx and
 * network failures), with its timeouts (connection 5 s, idle socket 50 s,
 * request 55 s) over kept-alive connections, corrects its clock by the
 * service's `Date` header as it does, and fails with the same
 * classified `CheckpointClientError`s. What it leaves out is what a Lambda
 * function does not need, and that costs the AWS SDK's client ~50 ms of a cold
 * start: the credential provider chain (it reads the keys Lambda puts in the
 * environment, or the ones given), the shared config files, and the endpoint
 * rules engine (it knows Lambda's endpoints in the AWS partitions, FIPS and
 * dual-stack included, and refuses a region it cannot place).
 *
 * It is opt-in: `LambdaHandler.make` keeps the AWS SDK's client, and
 * `LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())` takes this
 * one (and leaves `@aws-sdk/client-lambda` out of a bundle).
 *
 * @since 0.1.0
 */
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import * as Wire from "@effect-durable/core/Wire"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { malformedResponse, traced } from "./internal/conversions.ts"
import * as LambdaHttp from "./internal/lambdaHttp.ts"
import { toCheckpointClientError, VERSION } from "./internal/transport.ts"
import type * as LambdaHandler from "./LambdaHandler.ts"

/**
 * AWS credentials: the access key, its secret and, for temporary credentials
 * (what Lambda gives a function's role), the session token.
 *
 * @example
 * ```ts
 * const credentials: LambdaHttpCheckpointClient.Credentials = { accessKeyId: "AKIA…", secretAccessKey: "…" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Credentials = LambdaHttp.Credentials

/**
 * Settings of the light transport. Each falls back to the environment, as the
 * Lambda runtime sets it:
 *
 * - `region`: `AWS_REGION`, then `AWS_DEFAULT_REGION` (a `fips-` prefix or
 *   `-fips` suffix asks for the FIPS endpoint, as the AWS SDK reads it);
 * - `endpoint`: `AWS_ENDPOINT_URL_LAMBDA`, then `AWS_ENDPOINT_URL` (unless
 *   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else Lambda's endpoint for the
 *   region: `https://lambda.{region}.amazonaws.com` and its FIPS, dual-stack
 *   and partition variants;
 * - `useFipsEndpoint`, `useDualstackEndpoint`: `AWS_USE_FIPS_ENDPOINT`,
 *   `AWS_USE_DUALSTACK_ENDPOINT` (`true` or `false`);
 * - `credentials`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 *   `AWS_SESSION_TOKEN`, read again for every request;
 * - `maxAttempts`: `AWS_MAX_ATTEMPTS`, else 3.
 *
 * The timeouts are the default client's (`LambdaCheckpointClient.defaultClientConfig`).
 *
 * @example
 * ```ts
 * const options: LambdaHttpCheckpointClient.Options = { region: "eu-west-1", maxAttempts: 5 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly region?: string | undefined
  /** A full URL (`https://host[:port][/base/path]`); the operation's path is appended. */
  readonly endpoint?: string | undefined
  readonly useFipsEndpoint?: boolean | undefined
  readonly useDualstackEndpoint?: boolean | undefined
  readonly credentials?: Credentials | undefined
  /** Attempts per call, the first included (at least 1). */
  readonly maxAttempts?: number | undefined
  /** Milliseconds to establish a connection (5,000). */
  readonly connectionTimeout?: number | undefined
  /** Milliseconds a socket may stay idle while a request is in flight (50,000). */
  readonly socketTimeout?: number | undefined
  /** Milliseconds for a whole request, response included (55,000). */
  readonly requestTimeout?: number | undefined
}

/**
 * The transport cannot be configured as asked (no region, no credentials, a
 * region outside the partitions it knows, FIPS with a custom endpoint, an
 * invalid setting): it fails when it is built, before any request, and names
 * the setting. `LambdaCheckpointClient` (the default transport, the AWS SDK's
 * full configuration chain) covers what this one does not.
 *
 * @example
 * ```ts
 * LambdaHttpCheckpointClient.layer({ region: "mars-north-1" })
 * // fails to build: LambdaHttpConfigurationError { setting: "region", message: "…is in no partition…" }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class LambdaHttpConfigurationError extends Schema.TaggedError<LambdaHttpConfigurationError>()(
  "LambdaHttpConfigurationError",
  {
    message: Schema.String,
    setting: Schema.String
  }
) {}

/**
 * A resolved configuration: where the requests go, how they are signed, how
 * often they are tried and how long they may take.
 *
 * @example
 * ```ts
 * const { service } = LambdaHttpCheckpointClient.fromConfig({
 *   endpoint: new URL("http://127.0.0.1:9000"),
 *   region: "us-east-1",
 *   credentials: "environment",
 *   maxAttempts: 3,
 *   timeouts: { connectionTimeout: 5_000, socketTimeout: 50_000, requestTimeout: 55_000 }
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly endpoint: URL
  readonly region: string
  /** Explicit credentials, or `"environment"`: read from `env` for every request. */
  readonly credentials: Credentials | "environment"
  readonly maxAttempts: number
  readonly timeouts: LambdaHttp.Timeouts
}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

type Env = Readonly<Record<string, string | undefined>>

const configError = (setting: string, message: string) =>
  Result.fail(
    new LambdaHttpConfigurationError({
      setting,
      message: `LambdaHttpCheckpointClient: ${message} (the default transport, LambdaCheckpointClient, reads the ` +
        "AWS SDK's whole configuration)"
    })
  )

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value

/** A boolean environment variable as the AWS SDK reads one: `true`, `false` or absent. */
const booleanEnv = (env: Env, name: string): Result.Result<boolean | undefined, LambdaHttpConfigurationError> => {
  const value = env[name]
  if (value === undefined) return Result.succeed(undefined)
  if (value === "true" || value === "false") return Result.succeed(value === "true")
  return configError(name, `${name} must be "true" or "false", not ${JSON.stringify(value)}`)
}

/**
 * Lambda's partitions: which regions each holds and its DNS suffixes (the AWS
 * SDK's partition data, `@aws-sdk/core` 3.981; Lambda's endpoints are
 * `lambda[-fips].{region}.{suffix}`, the dual-stack suffix for dual-stack).
 */
const partitions: ReadonlyArray<{
  readonly regions: RegExp
  readonly dnsSuffix: string
  readonly dualStackDnsSuffix: string
}> = [
  { regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
  { regions: /^cn-\w+-\d+$/, dnsSuffix: "amazonaws.com.cn", dualStackDnsSuffix: "api.amazonwebservices.com.cn" },
  { regions: /^eusc-(de)-\w+-\d+$/, dnsSuffix: "amazonaws.eu", dualStackDnsSuffix: "api.amazonwebservices.eu" },
  { regions: /^us-iso-\w+-\d+$/, dnsSuffix: "c2s.ic.gov", dualStackDnsSuffix: "api.aws.ic.gov" },
  { regions: /^us-isob-\w+-\d+$/, dnsSuffix: "sc2s.sgov.gov", dualStackDnsSuffix: "api.aws.scloud" },
  { regions: /^eu-isoe-\w+-\d+$/, dnsSuffix: "cloud.adc-e.uk", dualStackDnsSuffix: "api.cloud-aws.adc-e.uk" },
  { regions: /^us-isof-\w+-\d+$/, dnsSuffix: "csp.hci.ic.gov", dualStackDnsSuffix: "api.aws.hci.ic.gov" },
  { regions: /^us-gov-\w+-\d+$/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" }
]

/**
 * Lambda's endpoint for a region, as the AWS SDK's endpoint rules resolve it
 * (`https://lambda.us-east-1.amazonaws.com`, `https://lambda-fips.…`,
 * `https://lambda.us-east-1.api.aws` dual-stack, the China, GovCloud, ISO and
 * European Sovereign Cloud partitions' suffixes), or `undefined` for a region
 * of no known partition (where the AWS SDK would guess the `aws` partition).
 *
 * @example
 * ```ts
 * LambdaHttpCheckpointClient.endpointFor("cn-north-1", { fips: false, dualStack: false })
 * // "https://lambda.cn-north-1.amazonaws.com.cn"
 * ```
 *
 * @category configuration
 * @since 0.1.0
 */
export const endpointFor = (
  region: string,
  flags: { readonly fips: boolean; readonly dualStack: boolean }
): string | undefined => {
  const partition = partitions.find((p) => p.regions.test(region))
  if (partition === undefined) return undefined
  const suffix = flags.dualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix
  return `https://${flags.fips ? "lambda-fips" : "lambda"}.${region}.${suffix}`
}

// A host label (what a region must be to stand in a host name).
const hostLabel = /^(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/

const positive = (
  name: string,
  value: number | undefined,
  fallback: number
): Result.Result<number, LambdaHttpConfigurationError> =>
  value === undefined
    ? Result.succeed(fallback)
    : Number.isFinite(value) && value >= 0
    ? Result.succeed(value)
    : configError(name, `${name} must be a number of milliseconds, not ${value}`)

/**
 * Resolves the configuration from the options and the environment (`env`,
 * `process.env` by default), or says what is missing or unsupported. Pure: it
 * reads `env` and nothing else.
 *
 * @example
 * ```ts
 * const config = LambdaHttpCheckpointClient.resolveConfig({}, {
 *   AWS_REGION: "eu-west-1",
 *   AWS_ACCESS_KEY_ID: "AKIA…",
 *   AWS_SECRET_ACCESS_KEY: "…"
 * })
 * // Result.succeed({ endpoint: new URL("https://lambda.eu-west-1.amazonaws.com"), region: "eu-west-1", … })
 * ```
 *
 * @category configuration
 * @since 0.1.0
 */
export const resolveConfig = (
  options: Options = {},
  env: Env = process.env
): Result.Result<Config, LambdaHttpConfigurationError> => {
  // Region (a FIPS pseudo-region asks for the FIPS endpoint of the real one).
  const given = nonEmpty(options.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
  if (given === undefined) return configError("region", "no region: set AWS_REGION or the region option")
  const fipsRegion = given.startsWith("fips-") || given.endsWith("-fips")
  const region = fipsRegion ? given.replace(/fips-|-fips/, "") : given
  if (!hostLabel.test(region)) return configError("region", `${JSON.stringify(given)} is not a valid region`)

  const fipsEnv = booleanEnv(env, "AWS_USE_FIPS_ENDPOINT")
  if (Result.isFailure(fipsEnv)) return Result.fail(fipsEnv.failure)
  const dualStackEnv = booleanEnv(env, "AWS_USE_DUALSTACK_ENDPOINT")
  if (Result.isFailure(dualStackEnv)) return Result.fail(dualStackEnv.failure)
  const fips = fipsRegion || (options.useFipsEndpoint ?? fipsEnv.success ?? false)
  const dualStack = options.useDualstackEndpoint ?? dualStackEnv.success ?? false

  // Endpoint: given, configured in the environment, or Lambda's for the region.
  const ignoreConfigured = booleanEnv(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
  if (Result.isFailure(ignoreConfigured)) return Result.fail(ignoreConfigured.failure)
  const configured = ignoreConfigured.success === true
    ? undefined
    : nonEmpty(env.AWS_ENDPOINT_URL_LAMBDA) ?? nonEmpty(env.AWS_ENDPOINT_URL)
  const custom = nonEmpty(options.endpoint) ?? configured
  if (custom !== undefined && fips) {
    return configError("endpoint", "FIPS and a custom endpoint are not supported together (as in the AWS SDK)")
  }
  if (custom !== undefined && dualStack) {
    return configError("endpoint", "dual-stack and a custom endpoint are not supported together (as in the AWS SDK)")
  }
  const resolved = custom ?? endpointFor(region, { fips, dualStack })
  if (resolved === undefined) {
    return configError(
      "region",
      `region ${JSON.stringify(region)} is in no partition this transport knows; give the endpoint option`
    )
  }
  const endpoint = URL.canParse(resolved) ? new URL(resolved) : undefined
  if (endpoint === undefined || (endpoint.protocol !== "https:" && endpoint.protocol !== "http:")) {
    return configError("endpoint", `${JSON.stringify(resolved)} is not an http(s) URL`)
  }
  if (endpoint.search !== "" || endpoint.hash !== "" || endpoint.username !== "" || endpoint.password !== "") {
    return configError("endpoint", `${JSON.stringify(resolved)} must not hold a query, fragment or user`)
  }

  // Credentials: given, or the environment's (checked now, read again for every request).
  let credentials: Credentials | "environment" = "environment"
  if (options.credentials !== undefined) {
    const { accessKeyId, secretAccessKey } = options.credentials
    if (!nonEmpty(accessKeyId) || !nonEmpty(secretAccessKey)) {
      return configError("credentials", "the credentials option needs an accessKeyId and a secretAccessKey")
    }
    credentials = options.credentials
  } else {
    if (nonEmpty(env.AWS_PROFILE) !== undefined) {
      return configError(
        "credentials",
        "AWS_PROFILE names a profile, and this transport reads only the environment's keys; give the credentials option"
      )
    }
    if (fromEnvironment(env) === undefined) {
      // Other sources the AWS SDK's chain would read, named so that the message says why they were not.
      const others = [
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE"
      ].filter((name) => nonEmpty(env[name]) !== undefined)
      return configError(
        "credentials",
        "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the credentials option" +
          (others.length === 0 ? "" : ` (${others.join(", ")} is a source this transport does not read)`)
      )
    }
  }

  // Retries: the standard mode only.
  const mode = env.AWS_RETRY_MODE
  if (mode !== undefined && mode !== "standard" && mode !== "legacy") {
    return configError("AWS_RETRY_MODE", `the ${JSON.stringify(mode)} retry mode is not supported (standard only)`)
  }
  const attemptsEnv = nonEmpty(env.AWS_MAX_ATTEMPTS)
  const maxAttempts = options.maxAttempts ??
    (attemptsEnv === undefined ? LambdaHttp.retry.maxAttempts : Number(attemptsEnv))
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    return configError("maxAttempts", `maxAttempts must be a whole number of at least 1, not ${maxAttempts}`)
  }

  const connectionTimeout = positive("connectionTimeout", options.connectionTimeout, 5_000)
  if (Result.isFailure(connectionTimeout)) return Result.fail(connectionTimeout.failure)
  const socketTimeout = positive("socketTimeout", options.socketTimeout, 50_000)
  if (Result.isFailure(socketTimeout)) return Result.fail(socketTimeout.failure)
  const requestTimeout = positive("requestTimeout", options.requestTimeout, 55_000)
  if (Result.isFailure(requestTimeout)) return Result.fail(requestTimeout.failure)

  return Result.succeed({
    endpoint,
    region,
    credentials,
    maxAttempts,
    timeouts: {
      connectionTimeout: connectionTimeout.success,
      socketTimeout: socketTimeout.success,
      requestTimeout: requestTimeout.success
    }
  })
}

const fromEnvironment = (env: Env): Credentials | undefined => {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID)
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY)
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN)
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken }
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

const userAgent = `effect-durable/${VERSION} transport/http lang/js md/nodejs#${process.versions.node}`

/** A client-side failure with no response (the credentials vanished from the environment). */
class CredentialsError extends Error {
  override readonly name = "CredentialsProviderError"
}

/** Adds the attempts to a failure, as the AWS SDK does (`$metadata.attempts`), when it can. */
const withAttempts = (error: unknown, attempts: number, totalRetryDelay: number): unknown => {
  if (typeof error !== "object" || error === null || !Object.isExtensible(error)) return error
  const metadata = (error as { $metadata?: unknown }).$metadata
  const previous = typeof metadata === "object" && metadata !== null ? metadata : {}
  try {
    Object.assign(error, { $metadata: { ...previous, attempts, totalRetryDelay } })
  } catch {
    // A value that refuses the property keeps what it has.
  }
  return error
}

/**
 * Builds the client of a resolved configuration: its service and the function
 * that closes its kept-alive connections. `env` is where the credentials are
 * read from when they were not given; `uuid` makes the idempotency tokens and
 * invocation ids (tests fix both).
 *
 * @example
 * ```ts
 * const { service, destroy } = LambdaHttpCheckpointClient.fromConfig(config)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromConfig = (
  config: Config,
  env: Env = process.env,
  uuid: () => string = () => globalThis.crypto.randomUUID()
): {
  readonly service: Context.Service.Shape<typeof CheckpointClient.CheckpointClient>
  readonly destroy: () => void
} => {
  const { credentials, endpoint, maxAttempts, timeouts } = config
  const agents = new LambdaHttp.Agents()
  const sign = LambdaHttp.signer(config.region, () => {
    const current = credentials === "environment" ? fromEnvironment(env) : credentials
    return current === undefined
      ? Promise.reject(new CredentialsError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are no longer set"))
      : Promise.resolve(current)
  })
  const basePath = endpoint.pathname.replace(/\/+$/, "")
  // The retry quota of this client, shared by its calls (the standard mode's token bucket).
  let capacity: number = LambdaHttp.retry.capacity
  // What to add to the Clock to read the service's time: requests are signed at the service's time, as the AWS SDK
  // signs them (a signature more than 5 minutes off is refused).
  let clockOffset = 0

  /** One attempt: signed at `now`, sent, its response read (a non-2xx answer fails). */
  const attempt = (
    spec: LambdaHttp.RequestSpec,
    shape: typeof LambdaHttp.stateOutput,
    headers: Record<string, string>,
    now: number,
    signal: AbortSignal
  ): Promise<{ readonly output: Record<string, unknown>; readonly serverDate: string | undefined }> => {
    const path = basePath + spec.path
    return sign.sign({
      method: spec.method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port === "" ? {} : { port: Number(endpoint.port) }),
      path,
      query: spec.query,
      headers,
      body: spec.body
    }, { signingDate: new Date(now) }).then((signed) => {
      const query = LambdaHttp.queryString(spec.query)
      return LambdaHttp.send({ url: endpoint, agent: agents.for(endpoint.protocol), timeouts }, {
        method: spec.method,
        path: query === "" ? path : `${path}?${query}`,
        headers: {
          ...signed.headers as Record<string, string>,
          "user-agent": userAgent
        },
        body: spec.body
      }, signal)
    }).then((response) => {
      if (response.status >= 200 && response.status < 300) {
        return {
          output: LambdaHttp.responseOutput(response, shape),
          serverDate: LambdaHttp.serverDateOf(response.headers)
        }
      }
      throw LambdaHttp.responseError(response, now)
    })
  }

  /** A call: tried up to `maxAttempts` times, as the standard retry mode does, then failed as classified. */
  const call = (operation: string, spec: LambdaHttp.RequestSpec, shape: typeof LambdaHttp.stateOutput) =>
    Effect.gen(function*() {
      const headers: Record<string, string> = { host: endpoint.host }
      if (spec.body !== undefined) {
        headers["content-type"] = "application/json"
        headers["content-length"] = String(spec.body.length)
      }
      // The invocation's trace context (the W3C headers are signed, X-Amzn-Trace-Id is not), then the call's id.
      Object.assign(headers, LambdaHttp.traceHeaders(env))
      headers["amz-sdk-invocation-id"] = uuid()
      let attempts = 0
      let totalRetryDelay = 0
      let retryCost: number | undefined
      while (true) {
        attempts++
        headers["amz-sdk-request"] = `attempt=${attempts}; max=${maxAttempts}`
        const sentAt = yield* Clock.currentTimeMillis
        const offsetBefore = clockOffset
        const outcome = yield* Effect.result(Effect.tryPromise({
          try: (signal) => attempt(spec, shape, { ...headers }, sentAt + offsetBefore, signal),
          catch: (cause) => cause
        }))
        const receivedAt = yield* Clock.currentTimeMillis
        if (Result.isSuccess(outcome)) {
          clockOffset = LambdaHttp.updatedClockOffset(outcome.success.serverDate, clockOffset, sentAt, receivedAt)
          capacity = Math.min(LambdaHttp.retry.capacity, capacity + (retryCost ?? LambdaHttp.retry.noRetryIncrement))
          return outcome.success.output
        }
        const error = outcome.failure
        if (error instanceof LambdaHttp.ServiceError) {
          clockOffset = LambdaHttp.updatedClockOffset(error.serverDate, clockOffset, sentAt, receivedAt)
          // A failure after which the clock was corrected (off by 4 minutes or more) is retried, signed anew.
          if (Math.abs(clockOffset) >= LambdaHttp.clockSkewThreshold && clockOffset !== offsetBefore) {
            error.$metadata.clockSkewCorrected = true
          }
        }
        const kind = LambdaHttp.retryKind(error)
        const cost = kind === "THROTTLING" ? LambdaHttp.retry.throttlingCost : LambdaHttp.retry.cost
        if (kind === "NONE" || attempts >= maxAttempts || capacity < cost) {
          return yield* Effect.fail(toCheckpointClientError(operation, withAttempts(error, attempts, totalRetryDelay)))
        }
        capacity -= cost
        retryCost = cost
        const retryAfter = error instanceof LambdaHttp.ServiceError ? error.retryAfter : undefined
        const delay = LambdaHttp.retryDelay(kind, attempts - 1, yield* Random.next, retryAfter)
        totalRetryDelay += delay
        yield* Effect.sleep(delay)
      }
    })

  /** The spec of a request, or the call's failure when it cannot be written (an empty ARN). */
  const written = (operation: string, f: () => LambdaHttp.RequestSpec) =>
    Effect.try({ try: f, catch: (cause) => toCheckpointClientError(operation, cause) })

  const getExecutionState = (request: Wire.GetStateRequest) =>
    traced(
      "LambdaHttpCheckpointClient.getExecutionState",
      { "durable.execution_arn": request.DurableExecutionArn, "durable.marker": request.Marker ?? "" },
      written("GetDurableExecutionState", () => LambdaHttp.stateRequest(request)).pipe(
        Effect.flatMap((spec) => call("GetDurableExecutionState", spec, LambdaHttp.stateOutput)),
        Effect.flatMap((output) =>
          Wire.decodeGetStateResponse({ Operations: output.Operations, NextMarker: output.NextMarker }).pipe(
            Effect.mapError((error) => malformedResponse("GetDurableExecutionState", error))
          )
        )
      )
    )

  const checkpoint = (request: Wire.CheckpointRequest) =>
    traced(
      "LambdaHttpCheckpointClient.checkpoint",
      { "durable.execution_arn": request.DurableExecutionArn, "durable.updates": request.Updates?.length ?? 0 },
      written("CheckpointDurableExecution", () => LambdaHttp.checkpointRequest(request, uuid)).pipe(
        Effect.flatMap((spec) => call("CheckpointDurableExecution", spec, LambdaHttp.checkpointOutput)),
        Effect.flatMap((output) =>
          Wire.decodeCheckpointResponse({
            CheckpointToken: output.CheckpointToken,
            NewExecutionState: output.NewExecutionState
          }).pipe(Effect.mapError((error) => malformedResponse("CheckpointDurableExecution", error)))
        )
      )
    )

  return {
    service: CheckpointClient.CheckpointClient.of({ getExecutionState, checkpoint }),
    destroy: () => agents.destroy()
  }
}

// ---------------------------------------------------------------------------
// Constructors and layers
// ---------------------------------------------------------------------------

/**
 * The `CheckpointClient` service over the light transport, configured from
 * `options` and the environment; its connections are closed with the scope.
 * Fails with a `LambdaHttpConfigurationError` when the configuration cannot be
 * resolved.
 *
 * @example
 * ```ts
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const client = yield* LambdaHttpCheckpointClient.make({ region: "eu-west-1" })
 *   return yield* client.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: token })
 * }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options?: Options
): Effect.Effect<
  Context.Service.Shape<typeof CheckpointClient.CheckpointClient>,
  LambdaHttpConfigurationError,
  Scope.Scope
> =>
  Effect.suspend(() => Effect.fromResult(resolveConfig(options))).pipe(
    Effect.flatMap((config) =>
      Effect.acquireRelease(Effect.sync(() => fromConfig(config)), (client) => Effect.sync(client.destroy))
    ),
    Effect.map((client) => client.service)
  )

/**
 * Provides the `CheckpointClient` over the light transport (see {@link make}).
 *
 * @example
 * ```ts
 * const handler = LambdaHandler.make(OrderWorkflow, {
 *   layer: Payments.layer,
 *   checkpointClient: LambdaHttpCheckpointClient.layer()
 * })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options?: Options
): Layer.Layer<CheckpointClient.CheckpointClient, LambdaHttpConfigurationError> =>
  Layer.effect(CheckpointClient.CheckpointClient, make(options))

/**
 * The light transport as a Lambda handler's transport: give it to
 * `LambdaHandler.makeWith`. The handler builds it on its container's first
 * invocation (a configuration error fails that invocation, and the next one
 * tries again) and, unlike `LambdaHandler.make`, never references
 * `@aws-sdk/client-lambda`: a bundle of the handler leaves the AWS SDK out.
 *
 * @example
 * ```ts
 * export const handler = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())(HelloWorld)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const transport = (options?: Options): LambdaHandler.Transport => ({
  make: () => Result.map(resolveConfig(options), (config) => fromConfig(config)),
  layer: layer(options)
})
