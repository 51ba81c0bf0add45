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
