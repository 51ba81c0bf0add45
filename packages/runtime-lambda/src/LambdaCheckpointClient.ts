/**
 * The core `CheckpointClient` over `@aws-sdk/client-lambda`: the transport a
 * durable workflow uses when it runs on AWS Lambda.
 *
 * Each call sends one command (`GetDurableExecutionStateCommand`,
 * `CheckpointDurableExecutionCommand`), decodes the answer with the core `Wire`
 * schemas (so `Date`s and absent fields come out exactly as the engine expects),
 * and turns every AWS failure into a `CheckpointClientError` classified by
 * `CheckpointClient.classify`. Interrupting a call aborts its HTTP request.
 *
 * @since 0.1.0
 */
import type { LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda"
import * as CheckpointClient from "@effect-durable/core/CheckpointClient"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AwsLambdaModule from "#awsLambda"
import type { AwsLambda } from "./internal/awsLambda.ts"
import { fromPromises } from "./internal/conversions.ts"
import * as Transport from "./internal/transport.ts"

let loading: Promise<AwsLambda> | undefined
let loaded: AwsLambda | undefined = AwsLambdaModule.preloaded

/**
 * `@aws-sdk/client-lambda`'s client and two commands (`#awsLambda`, see
 * package.json `imports`): in plain Node, loaded on first use (the first
 * invocation's first call), so that a program using another transport never
 * loads the AWS SDK; in a bundle, imported with it by name, so that the bundler
 * keeps only what the transport sends.
 */
const withAwsLambda = <A>(f: (aws: AwsLambda) => A | Promise<A>): Promise<A> =>
  loaded !== undefined
    ? Promise.resolve(f(loaded))
    : (loading ??= AwsLambdaModule.load().then((aws) => loaded = aws)).then(f)

/**
 * The version of effect-durable named in the user agent of the default client.
 *
 * @category constants
 * @since 0.1.0
 */
export const VERSION = Transport.VERSION

/**
 * The settings of the default `LambdaClient`, the same as the official SDK's:
 * a custom user agent naming effect-durable, and connection, socket and request
 * timeouts of 5 s, 50 s and 55 s. The region (and credentials) come from the
 * environment, as the Lambda runtime sets them.
 *
 * @example
 * ```ts
 * const client = new LambdaClient({ ...LambdaCheckpointClient.defaultClientConfig, maxAttempts: 5 })
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultClientConfig: LambdaClientConfig = {
  customUserAgent: [["effect-durable", VERSION]],
  requestHandler: {
    connectionTimeout: 5_000,
    socketTimeout: 50_000,
    requestTimeout: 55_000,
    throwOnRequestTimeout: true
  }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * Reads what is known of a failure thrown by the AWS client (a service
 * exception, a network error or anything else): its `name`, its `message`,
 * the HTTP status in `$metadata.httpStatusCode` and the attempts. Total (see
 * `CheckpointClient.describeFailure`, which it is).
 *
 * @example
 * ```ts
 * LambdaCheckpointClient.describeFailure(error)
 * // { name: "TooManyRequestsException", message: "Rate exceeded", statusCode: 429, attempts: 3 }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const describeFailure: (cause: unknown) => CheckpointClient.FailureDescription = CheckpointClient.describeFailure

/**
 * Turns a failure thrown by the AWS client into a `CheckpointClientError`,
 * classified with `CheckpointClient.classify`, keeping the error name, the HTTP
 * status and the original error as `cause`.
 *
 * @example
 * ```ts
 * LambdaCheckpointClient.toCheckpointClientError("checkpoint", error).scope // "INVOCATION" for a 503
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const toCheckpointClientError: (operation: string, cause: unknown) => CheckpointClient.CheckpointClientError =
  Transport.toCheckpointClientError

// ---------------------------------------------------------------------------
// Constructors and layers
// ---------------------------------------------------------------------------

/**
 * Builds the `CheckpointClient` service over a given `LambdaClient`.
 *
 * - `getExecutionState` sends `GetDurableExecutionStateCommand` with the
 *   caller's `Marker` and `MaxItems` (the engine asks for 1000);
 * - `checkpoint` sends `CheckpointDurableExecutionCommand`.
 *
 * Both are traced (`LambdaCheckpointClient.getExecutionState`,
 * `LambdaCheckpointClient.checkpoint`) and interruptible: interruption aborts
 * the request.
 *
 * @example
 * ```ts
 * const service = LambdaCheckpointClient.make(new LambdaClient({ region: "eu-west-1" }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (client: LambdaClient): Context.Service.Shape<typeof CheckpointClient.CheckpointClient> =>
  over(() => client)

/** The service over the client `client` gives (called on each call, once the AWS SDK is loaded). */
const over = (client: (aws: AwsLambda) => LambdaClient): Context.Service.Shape<typeof CheckpointClient.CheckpointClient> =>
  fromPromises("LambdaCheckpointClient", {
    abortable: true,
    getExecutionState: (request, signal) =>
      withAwsLambda((aws) =>
        client(aws).send(new aws.GetDurableExecutionStateCommand(request), { abortSignal: signal })
      ),
    checkpoint: (request, signal) =>
      withAwsLambda((aws) =>
        client(aws).send(new aws.CheckpointDurableExecutionCommand(request), { abortSignal: signal })
      )
  }, toCheckpointClientError)

/**
 * Provides the `CheckpointClient` over a `LambdaClient` that the caller owns
 * (and destroys).
 *
 * @example
 * ```ts
 * const handler = LambdaHandler.make(MyWorkflow, {
 *   checkpointClient: LambdaCheckpointClient.layerFromClient(new LambdaClient({ maxAttempts: 5 }))
 * })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFromClient = (client: LambdaClient): Layer.Layer<CheckpointClient.CheckpointClient> =>
  Layer.succeed(CheckpointClient.CheckpointClient, make(client))

/**
 * The `CheckpointClient` over one default `LambdaClient` (see
 * {@link defaultClientConfig}), with the function that destroys that client.
 * In a bundle, where the AWS SDK is imported with the code, the client is
 * built here: a handler made at a module's top level builds it in Lambda's
 * Init phase, which runs on a full vCPU, rather than in its first invocation,
 * which runs on the memory size's share of one. In plain Node it is built on
 * the first call, once the AWS SDK is loaded (a program that never calls never
 * loads it). {@link layer} provides it and destroys the client
 * when it is released; `LambdaHandler.make` uses it directly when the handler
 * has no layer of its own.
 *
 * @example
 * ```ts
 * const { service, destroy } = LambdaCheckpointClient.makeDefault()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeDefault = (): {
  readonly service: Context.Service.Shape<typeof CheckpointClient.CheckpointClient>
  readonly destroy: () => void
} => {
  let client: LambdaClient | undefined = loaded === undefined ? undefined : new loaded.LambdaClient(defaultClientConfig)
  return {
    service: over((aws) => client ??= new aws.LambdaClient(defaultClientConfig)),
    destroy: () => client?.destroy()
  }
}

/**
 * Provides the `CheckpointClient` over one default `LambdaClient` (see
 * {@link makeDefault}), destroyed when the layer is released.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<CheckpointClient.CheckpointClient> = Layer.effect(
  CheckpointClient.CheckpointClient,
  Effect.acquireRelease(Effect.sync(makeDefault), (client) => Effect.sync(client.destroy)).pipe(
    Effect.map((client) => client.service)
  )
)
