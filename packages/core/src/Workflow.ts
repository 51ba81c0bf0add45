/**
 * Workflow definitions: a name, Schemas for the input, the output and
 * (optionally) the typed error, and a body written as an ordinary Effect that
 * uses durable operations.
 *
 * A definition is inert: `Invocation.handle` runs one invocation of it against
 * a `CheckpointClient`, and the Lambda adapter and the `LocalRunner` are built
 * on that.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { DurableContext } from "./DurableContext.ts"
import * as Payload from "./Payload.ts"

/**
 * A durable workflow.
 *
 * @category models
 * @since 0.1.0
 */
export interface Workflow<I, O, E, R> {
  readonly name: string
  readonly input: Payload.Codec<I>
  readonly output: Payload.Codec<O>
  readonly error: Payload.Codec<E> | undefined
  readonly body: (input: I) => Effect.Effect<O, E, R>
}

/**
 * Any workflow, whatever its types.
 *
 * @category models
 * @since 0.1.0
 */
export type Any = Workflow<any, any, any, any>

/**
 * The services a workflow's body needs beyond the durable context itself.
 *
 * @category models
 * @since 0.1.0
 */
export type Services<W> = W extends Workflow<any, any, any, infer R> ? Exclude<R, DurableContext> : never

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<I, O, E> {
  /** A name for logs, spans and tools. */
  readonly name: string
  /** Decodes the execution input (the EXECUTION operation's `InputPayload`). Defaults to any JSON. */
  readonly input?: Payload.Codec<I> | undefined
  /** Encodes the result returned to the service. Defaults to any JSON. */
  readonly output?: Payload.Codec<O> | undefined
  /**
   * Encodes the workflow's typed failures into `ErrorData`. Without it, or for
   * a failure it cannot encode (an SDK error the workflow did not handle), a
   * failure is written with its `_tag` (or `name`) and message only.
   */
  readonly error?: Payload.Codec<E> | undefined
}

/**
 * Defines a durable workflow.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Durable } from "@effect-durable/core"
 *
 * export const Greet = Durable.workflow(
 *   { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
 *   Effect.fn(function*({ name }) {
 *     const greeting = yield* Durable.step("compose", Effect.succeed(`Hello, ${name}`))
 *     yield* Durable.wait("pause", "1 hour")
 *     return greeting
 *   })
 * )
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <I = unknown, O = unknown, E = never, R = never>(
  options: Options<I, O, E>,
  body: (input: I) => Effect.Effect<O, E, R>
): Workflow<I, O, E, R> => ({
  name: options.name,
  input: options.input ?? (Payload.Json as Payload.Codec<I>),
  output: options.output ?? (Payload.Json as Payload.Codec<O>),
  error: options.error,
  body
})
