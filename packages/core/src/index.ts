/**
 * @since 0.1.0
 */
export * as CheckpointClient from "./CheckpointClient.ts"
export * as DurableError from "./DurableError.ts"
export * as Invocation from "./Invocation.ts"
export * as OperationId from "./OperationId.ts"
export * as Payload from "./Payload.ts"
export * as Wire from "./Wire.ts"
export * as Workflow from "./Workflow.ts"
