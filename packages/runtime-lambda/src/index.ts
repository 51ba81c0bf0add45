/**
 * The AWS Lambda adapter of effect-durable.
 *
 * @since 0.1.0
 */

/**
 * The Lambda entrypoint of a durable workflow: `LambdaHandler.make(workflow)`
 * returns the function to export as the handler.
 *
 * @example
 * ```ts
 * import { LambdaHandler } from "@effect-durable/runtime-lambda"
 *
 * export const handler = LambdaHandler.make(Greet)
 * ```
 *
 * @since 0.1.0
 */
export * as LambdaHandler from "./LambdaHandler.ts"

/**
 * The core `CheckpointClient` over `@aws-sdk/client-lambda`: `layer` (one
 * default client), `layerFromClient(client)` and `make(client)`.
 *
 * @example
 * ```ts
 * LambdaHandler.make(Greet, { checkpointClient: LambdaCheckpointClient.layerFromClient(new LambdaClient({})) })
 * ```
 *
 * @since 0.1.0
 */
export * as LambdaCheckpointClient from "./LambdaCheckpointClient.ts"

/**
 * The light Lambda transport: the core `CheckpointClient` over `node:https`
 * and `@smithy/signature-v4`, without `@aws-sdk/client-lambda` (opt-in; for
 * the cold start). `transport()` for `LambdaHandler.makeWith`, `layer()`,
 * `make()`.
 *
 * @example
 * ```ts
 * export const handler = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())(Greet)
 * ```
 *
 * @since 0.1.0
 */
export * as LambdaHttpCheckpointClient from "./LambdaHttpCheckpointClient.ts"

/**
 * Transport injection: the core `CheckpointClient` over any object with the
 * official SDK's `DurableExecutionClient` shape (`getExecutionState`,
 * `checkpoint`), as the official testing library injects in the event.
 *
 * @example
 * ```ts
 * LambdaHandler.make(Greet, { durableExecutionClient: new DurableExecutionApiClient(lambdaClient) })
 * ```
 *
 * @since 0.1.0
 */
export * as DurableExecutionClient from "./DurableExecutionClient.ts"
