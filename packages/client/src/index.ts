/**
 * effect-durable's client: the service code's side of durable workflows.
 *
 * @since 0.1.0
 */

/**
 * The typed client: start executions, wait for their typed results, complete
 * callbacks, read histories, list and stop executions.
 *
 * @example
 * ```ts
 * import { DurableClient } from "@effect-durable/client"
 *
 * const client = yield* DurableClient.DurableClient
 * const handle = yield* client.start(Greet, { name: "Ada" }, { function: "greet:live" })
 * const greeting = yield* handle.result
 * ```
 *
 * @since 0.1.0
 */
export * as DurableClient from "./DurableClient.ts"

/**
 * The typed errors of the client, one per answer of the service it can act on.
 *
 * @example
 * ```ts
 * import { ClientError } from "@effect-durable/client"
 *
 * client.succeed(id, value).pipe(Effect.catchTag("CallbackTimedOutError", () => Effect.log("too late")))
 * ```
 *
 * @since 0.1.0
 */
export * as ClientError from "./ClientError.ts"

/**
 * The client's seam: the Lambda API's calls about executions, in the
 * service's shapes, with typed errors.
 *
 * @example
 * ```ts
 * import { ExecutionApi } from "@effect-durable/client"
 *
 * const api = yield* ExecutionApi.ExecutionApi
 * ```
 *
 * @since 0.1.0
 */
export * as ExecutionApi from "./ExecutionApi.ts"

/**
 * The `ExecutionApi` over `@aws-sdk/client-lambda`.
 *
 * @example
 * ```ts
 * import { LambdaExecutionApi } from "@effect-durable/client"
 *
 * LambdaExecutionApi.layer({ region: "eu-west-1" })
 * ```
 *
 * @since 0.1.0
 */
export * as LambdaExecutionApi from "./LambdaExecutionApi.ts"
