/**
 * effect-durable: AWS Lambda durable functions, written as Effects.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Batch from "./operations/Batch.ts"
/** @since 0.1.0 */
export * as Callback from "./operations/Callback.ts"
/** @since 0.1.0 */
export * as CheckpointClient from "./CheckpointClient.ts"
/** @since 0.1.0 */
export * as Checkpointer from "./Checkpointer.ts"
/** @since 0.1.0 */
export * as Child from "./operations/Child.ts"
/** @since 0.1.0 */
export * as CostModel from "./CostModel.ts"
/** @since 0.1.0 */
export * as Durable from "./Durable.ts"
/** @since 0.1.0 */
export * as Combinator from "./operations/Combinator.ts"
/** @since 0.1.0 */
export * as DurableContext from "./DurableContext.ts"
/** @since 0.1.0 */
export * as DurableError from "./DurableError.ts"
/** @since 0.1.0 */
export * as DurableLogger from "./DurableLogger.ts"
/** @since 0.1.0 */
export * as Instrumentation from "./Instrumentation.ts"
/** @since 0.1.0 */
export * as Invocation from "./Invocation.ts"
/** @since 0.1.0 */
export * as Invoke from "./operations/Invoke.ts"
/** @since 0.1.0 */
export * as OperationId from "./OperationId.ts"
/** @since 0.1.0 */
export * as Payload from "./Payload.ts"
/** @since 0.1.0 */
export * as Replay from "./Replay.ts"
/** @since 0.1.0 */
export * as RetryPolicy from "./RetryPolicy.ts"
/** @since 0.1.0 */
export * as Scheduler from "./Scheduler.ts"
/** @since 0.1.0 */
export * as ServiceGuard from "./ServiceGuard.ts"
/** @since 0.1.0 */
export * as Step from "./operations/Step.ts"
/** @since 0.1.0 */
export * as Supervisor from "./Supervisor.ts"
/** @since 0.1.0 */
export * as Termination from "./Termination.ts"
/** @since 0.1.0 */
export * as Wait from "./operations/Wait.ts"
/** @since 0.1.0 */
export * as WaitForCondition from "./operations/WaitForCondition.ts"
/** @since 0.1.0 */
export * as Wire from "./Wire.ts"
/** @since 0.1.0 */
export * as Workflow from "./Workflow.ts"
