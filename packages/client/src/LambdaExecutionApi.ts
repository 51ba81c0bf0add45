/**
 * The client's `ExecutionApi` over `@aws-sdk/client-lambda`: the real
 * service, or anything that speaks its REST API (the local service's
 * `LambdaApiServer`, through an `endpoint` override).
 *
 * Each call sends one command, decodes the answer with the core `Wire`
 * schemas, and maps the service's exceptions to the typed errors of
 * `ClientError`. Interrupting a call aborts its HTTP request. The region and
 * the credentials are resolved by the AWS SDK as usual (environment, shared
 * config, instance role), unless the `LambdaClientConfig` says otherwise.
 *
 * @since 0.1.0
 */
import {
  type ErrorObject as AwsErrorObject,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  type LambdaClientConfig,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand
} from "@aws-sdk/client-lambda"
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import * as Payload from "@effect-durable/core/Payload"
import * as Wire from "@effect-durable/core/Wire"
import { Effect, Layer, Schema } from "effect"
import {
  CallbackNotFoundError,
  CallbackTimedOutError,
  ExecutionAlreadyStartedError,
  ExecutionNotFoundError,
  FunctionNotFoundError,
  LambdaApiError
} from "./ClientError.ts"
import * as Api from "./ExecutionApi.ts"
import { ExecutionApi } from "./ExecutionApi.ts"

/**
 * The version of the client named in the user agent of its default
 * `LambdaClient`.
 *
 * @category constants
 * @since 0.1.0
 */
export const VERSION = "0.1.0"

/**
 * The settings every `LambdaClient` made by {@link layer} starts from: a user
 * agent naming the client. Everything else (region, credentials, retries,
 * endpoint) is the AWS SDK's default or the caller's.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultClientConfig: LambdaClientConfig = {
  customUserAgent: [["effect-durable-client", VERSION]]
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * What is known of a failure thrown by the AWS client: the exception's name,
 * its message, the HTTP status and how many attempts the client made (the AWS
 * SDK retries throttling, 5xx and network failures by itself).
 *
 * @example
 * ```ts
 * LambdaExecutionApi.describeFailure(error)
 * // { name: "CallbackTimeoutException", message: "...", statusCode: 400, attempts: 2 }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const describeFailure = (cause: unknown): {
  readonly name: string
  readonly message: string
  readonly statusCode: number | undefined
  readonly attempts: number
} => {
  const failure = CheckpointClient.describeFailure(cause)
  return {
    name: failure.name ?? "UnknownError",
    message: failure.message ?? Payload.errorMessageOf(cause),
    statusCode: failure.statusCode,
    attempts: failure.attempts ?? 1
  }
}

const apiError = (operation: string, cause: unknown): LambdaApiError => {
  const failure = describeFailure(cause)
  return new LambdaApiError({
    operation,
    errorName: failure.name,
    message: `Lambda ${operation} failed: ${failure.name}: ${failure.message}`,
    ...(failure.statusCode === undefined ? {} : { statusCode: failure.statusCode }),
    cause
  })
}

const malformed = (operation: string, error: Schema.SchemaError): LambdaApiError =>
  new LambdaApiError({
    operation,
    errorName: "MalformedResponse",
    message: `Lambda ${operation} returned a malformed response: ${error.message}`,
    cause: error
  })

const decodeExecution = Schema.decodeUnknownEffect(Wire.GetExecutionResponse)
const decodeSummaries = Schema.decodeUnknownEffect(Schema.Array(Wire.ExecutionSummary))
const decodeEvents = Schema.decodeUnknownEffect(Schema.Array(Wire.HistoryEvent))

const encoder = new TextEncoder()

/** The AWS SDK's (mutable) `ErrorObject`. */
const toAwsError = (error: Wire.ErrorObject | undefined): AwsErrorObject | undefined =>
  error === undefined ? undefined : {
    ...error,
    StackTrace: error.StackTrace === undefined ? undefined : [...error.StackTrace]
  }

// ---------------------------------------------------------------------------
// Constructors and layers
// ---------------------------------------------------------------------------

/**
 * Builds the `ExecutionApi` over a given `LambdaClient`.
 *
 * - `invoke` sends `InvokeCommand` with `InvocationType: "Event"` and the
 *   durable execution name, and reads `DurableExecutionArn` from the answer;
 * - the other calls send the command of the same name.
 *
 * Every call is a span (`LambdaExecutionApi.<call>`) and is interruptible.
 *
 * @example
 * ```ts
 * const api = LambdaExecutionApi.make(new LambdaClient({ region: "eu-west-1" }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (client: LambdaClient): ExecutionApi["Service"] => {
  /** Sends one command; `notFound` and `known` map the service's exceptions that the call can answer with. */
  const send = <A, E>(
    operation: string,
    f: (signal: AbortSignal) => Promise<A>,
    known: (failure: ReturnType<typeof describeFailure>) => E | undefined
  ): Effect.Effect<A, E | LambdaApiError> =>
    Effect.tryPromise({
      try: f,
      catch: (cause) => known(describeFailure(cause)) ?? apiError(operation, cause)
    })

  const notFoundExecution = (arn: string) => (failure: ReturnType<typeof describeFailure>) =>
    failure.name === "ResourceNotFoundException"
      ? new ExecutionNotFoundError({ arn, message: failure.message })
      : undefined

  const callbackErrors = (callbackId: string) => (failure: ReturnType<typeof describeFailure>) =>
    failure.name === "ResourceNotFoundException"
      ? new CallbackNotFoundError({ callbackId, message: failure.message })
      : failure.name === "CallbackTimeoutException"
      ? new CallbackTimedOutError({ callbackId, message: failure.message, retried: failure.attempts > 1 })
      : undefined

  const invoke = Effect.fn("LambdaExecutionApi.invoke")(function*(request: Api.InvokeRequest) {
    yield* Effect.annotateCurrentSpan({
      "durable.function": request.FunctionName,
      "durable.execution_name": request.DurableExecutionName
    })
    const output = yield* send(
      "Invoke",
      (signal) =>
        client.send(
          new InvokeCommand({
            FunctionName: request.FunctionName,
            InvocationType: "Event",
            DurableExecutionName: request.DurableExecutionName,
            ...(request.Payload === undefined ? {} : { Payload: encoder.encode(request.Payload) }),
            Qualifier: request.Qualifier,
            TenantId: request.TenantId
          }),
          { abortSignal: signal }
        ),
      (failure) =>
        failure.name === "ResourceNotFoundException"
          ? new FunctionNotFoundError({ functionName: request.FunctionName, message: failure.message })
          : failure.name === "DurableExecutionAlreadyStartedException"
          ? new ExecutionAlreadyStartedError({
            functionName: request.FunctionName,
            executionName: request.DurableExecutionName,
            message: failure.message
          })
          : undefined
    )
    if (output.DurableExecutionArn === undefined || output.DurableExecutionArn === "") {
      return yield* new LambdaApiError({
        operation: "Invoke",
        errorName: "NotADurableFunction",
        message: `Invoking ${request.FunctionName} did not start a durable execution (no DurableExecutionArn in the ` +
          "answer): is it a durable function (DurableConfig), invoked by a qualified name (version or alias)?"
      })
    }
    return { DurableExecutionArn: output.DurableExecutionArn }
  })

  const getExecution = Effect.fn("LambdaExecutionApi.getExecution")(function*(
    request: Api.GetExecutionRequest
  ) {
    const output = yield* send(
      "GetDurableExecution",
      (signal) =>
        client.send(
          new GetDurableExecutionCommand({
            DurableExecutionArn: request.DurableExecutionArn,
            IncludeExecutionData: request.IncludeExecutionData ?? true
          }),
          { abortSignal: signal }
        ),
      notFoundExecution(request.DurableExecutionArn)
    )
    const { $metadata: _, ...fields } = output
    return yield* decodeExecution(Wire.withoutUndefined(fields), { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((error) => malformed("GetDurableExecution", error))
    )
  })

  const getHistory = Effect.fn("LambdaExecutionApi.getHistory")(function*(request: Api.GetHistoryRequest) {
    const output = yield* send(
      "GetDurableExecutionHistory",
      (signal) => client.send(new GetDurableExecutionHistoryCommand({ ...request }), { abortSignal: signal }),
      notFoundExecution(request.DurableExecutionArn)
    )
    const events = yield* decodeEvents(Wire.withoutUndefined(output.Events ?? []), { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((error) => malformed("GetDurableExecutionHistory", error))
    )
    return output.NextMarker ? { Events: events, NextMarker: output.NextMarker } : { Events: events }
  })

  const list = Effect.fn("LambdaExecutionApi.list")(function*(request: Api.ListRequest) {
    const output = yield* send(
      "ListDurableExecutionsByFunction",
      (signal) =>
        client.send(
          new ListDurableExecutionsByFunctionCommand({
            ...request,
            Statuses: request.Statuses === undefined ? undefined : [...request.Statuses]
          }),
          { abortSignal: signal }
        ),
      (failure) =>
        failure.name === "ResourceNotFoundException"
          ? new FunctionNotFoundError({ functionName: request.FunctionName, message: failure.message })
          : undefined
    )
    const executions = yield* decodeSummaries(Wire.withoutUndefined(output.DurableExecutions ?? []), {
      onExcessProperty: "ignore"
    }).pipe(Effect.mapError((error) => malformed("ListDurableExecutionsByFunction", error)))
    return output.NextMarker ? { DurableExecutions: executions, NextMarker: output.NextMarker } : {
      DurableExecutions: executions
    }
  })

  const stop = Effect.fn("LambdaExecutionApi.stop")(function*(request: Api.StopRequest) {
    const output = yield* send(
      "StopDurableExecution",
      (signal) =>
        client.send(
          new StopDurableExecutionCommand({
            DurableExecutionArn: request.DurableExecutionArn,
            Error: toAwsError(request.Error)
          }),
          { abortSignal: signal }
        ),
      notFoundExecution(request.DurableExecutionArn)
    )
    return { StopTimestamp: output.StopTimestamp ?? new Date() }
  })

  const sendCallbackSuccess = Effect.fn("LambdaExecutionApi.sendCallbackSuccess")(function*(
    request: Api.CallbackSuccessRequest
  ) {
    yield* send(
      "SendDurableExecutionCallbackSuccess",
      (signal) =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: request.CallbackId,
            ...(request.Result === undefined ? {} : { Result: encoder.encode(request.Result) })
          }),
          { abortSignal: signal }
        ),
      callbackErrors(request.CallbackId)
    )
  })

  const sendCallbackFailure = Effect.fn("LambdaExecutionApi.sendCallbackFailure")(function*(
    request: Api.CallbackFailureRequest
  ) {
    yield* send(
      "SendDurableExecutionCallbackFailure",
      (signal) =>
        client.send(
          new SendDurableExecutionCallbackFailureCommand({
            CallbackId: request.CallbackId,
            Error: toAwsError(request.Error)
          }),
          { abortSignal: signal }
        ),
      callbackErrors(request.CallbackId)
    )
  })

  const sendCallbackHeartbeat = Effect.fn("LambdaExecutionApi.sendCallbackHeartbeat")(function*(
    request: { readonly CallbackId: string }
  ) {
    yield* send(
      "SendDurableExecutionCallbackHeartbeat",
      (signal) =>
        client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: request.CallbackId }), {
          abortSignal: signal
        }),
      callbackErrors(request.CallbackId)
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
}

/**
 * The `ExecutionApi` over a `LambdaClient` that the caller owns (and destroys).
 *
 * @example
 * ```ts
 * LambdaExecutionApi.layerFromClient(new LambdaClient({ region: "eu-west-1", maxAttempts: 5 }))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFromClient = (client: LambdaClient): Layer.Layer<ExecutionApi> =>
  Layer.succeed(ExecutionApi, make(client))

/**
 * The `ExecutionApi` over a `LambdaClient` made from {@link defaultClientConfig}
 * and `config`, created with the layer and destroyed with it.
 *
 * @example
 * ```ts
 * LambdaExecutionApi.layer({ region: "eu-west-1" })
 * LambdaExecutionApi.layer({ endpoint: "http://127.0.0.1:9014" }) // the local service
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (config: LambdaClientConfig = {}): Layer.Layer<ExecutionApi> =>
  Layer.effect(
    ExecutionApi,
    Effect.acquireRelease(
      Effect.sync(() => new LambdaClient({ ...defaultClientConfig, ...config })),
      (client) => Effect.sync(() => client.destroy())
    ).pipe(Effect.map(make))
  )
