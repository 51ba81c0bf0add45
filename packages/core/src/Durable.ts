/**
 * The public API of effect-durable, in one namespace.
 *
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Durable } from "@effect-durable/core"
 *
 * export const HelloWorld = Durable.workflow(
 *   { name: "hello-world", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
 *   Effect.fn(function*({ name }) {
 *     const greeting = yield* Durable.step("greet", Effect.succeed(`Hello, ${name}!`))
 *     yield* Durable.wait("pause", "10 seconds")
 *     return greeting
 *   })
 * )
 * ```
 *
 * Every operation requires the `DurableContext` service, which only a running
 * workflow provides: calling one outside a workflow does not type-check.
 *
 * @since 0.1.0
 */
import * as Batch from "./operations/Batch.ts"
import * as Callback from "./operations/Callback.ts"
import * as Child from "./operations/Child.ts"
import * as Combinator from "./operations/Combinator.ts"
import * as Invoke from "./operations/Invoke.ts"
import * as Step from "./operations/Step.ts"
import * as Wait from "./operations/Wait.ts"
import * as WaitForCondition from "./operations/WaitForCondition.ts"
import * as Workflow from "./Workflow.ts"

/**
 * Defines a durable workflow. See `Workflow.make`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const workflow = Workflow.make

/**
 * Runs an effect as a durable step: checkpointed, retried with a `Schedule`,
 * replayed from its checkpoint. See `Step.step`.
 *
 * @category operations
 * @since 0.1.0
 */
export const step = Step.step

/**
 * Waits durably (whole seconds on the wire). See `Wait.wait`.
 *
 * @category operations
 * @since 0.1.0
 */
export const wait = Wait.wait

/**
 * Runs an effect in a child context (the official `runInChildContext`). See
 * `Child.child`.
 *
 * @category operations
 * @since 0.1.0
 */
export const child = Child.child

/**
 * Creates a callback for an external system and returns its id and an Effect
 * that awaits its result. See `Callback.createCallback`.
 *
 * @category operations
 * @since 0.1.0
 */
export const createCallback = Callback.createCallback

/**
 * Creates a callback, hands its id to a submitter step, and waits for the
 * result. See `Callback.waitForCallback`.
 *
 * @category operations
 * @since 0.1.0
 */
export const waitForCallback = Callback.waitForCallback

/**
 * Invokes another Lambda function durably (a chained invoke). See
 * `Invoke.invoke`.
 *
 * @category operations
 * @since 0.1.0
 */
export const invoke = Invoke.invoke

/**
 * Polls a check durably until a strategy says the condition holds. See
 * `WaitForCondition.waitForCondition`.
 *
 * @category operations
 * @since 0.1.0
 */
export const waitForCondition = WaitForCondition.waitForCondition

/**
 * Runs a function over items as a durable batch, with a concurrency limit and
 * a completion policy. See `Batch.map`.
 *
 * @category operations
 * @since 0.1.0
 */
export const map = Batch.map

/**
 * Runs branches as a durable batch. See `Batch.parallel`.
 *
 * @category operations
 * @since 0.1.0
 */
export const parallel = Batch.parallel

/**
 * Runs durable effects concurrently and checkpoints all their results (fails
 * at the first failure). See `Combinator.all`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const all = Combinator.all

/**
 * Runs durable effects concurrently and checkpoints every outcome. See
 * `Combinator.allSettled`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const allSettled = Combinator.allSettled

/**
 * Runs durable effects concurrently and checkpoints the first success. See
 * `Combinator.any`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const any = Combinator.any

/**
 * Runs durable effects concurrently and checkpoints the first outcome. See
 * `Combinator.race`.
 *
 * @category combinators
 * @since 0.1.0
 */
export const race = Combinator.race

/**
 * The attempt a step's code is running. See `Step.StepContext`.
 *
 * @category services
 * @since 0.1.0
 */
export const StepContext = Step.StepContext
/** @since 0.1.0 */
export type StepContext = Step.StepContext

/**
 * Options of {@link step}.
 *
 * @category models
 * @since 0.1.0
 */
export type StepOptions<A, E> = Step.Options<A, E>
