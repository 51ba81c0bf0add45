/**
 * What a suite's handlers file provides for each requirement: the function
 * under test, written with effect-durable as a user would write it, and what
 * it needs to run.
 *
 * @since 0.1.0
 */
import type { Workflow } from "@effect-durable/core"
import { Schema } from "effect"
import type { Layer } from "effect"
import type { Logs } from "./Logs.ts"
import type { Outside } from "./Outside.ts"

/**
 * The function under test for one requirement.
 *
 * @category models
 * @since 0.1.0
 */
export interface Handler {
  /**
   * The durable function; its input is the harness event `{ "Input": <the requirement's Input> }`. It may
   * use `Logs` (the log stream) and `Outside` (state kept outside the function).
   */
  readonly workflow: Workflow.Workflow<any, any, any, any>
  /**
   * What the workflow needs besides the durable context and the log stream:
   * e.g. its instrumentation plugins.
   */
  readonly layer?: Layer.Layer<never, never, Logs | Outside> | undefined
  /**
   * The functions it invokes (`Durable.invoke`), by function name: each runs as
   * a durable execution of its own when invoked.
   */
  readonly functions?: Readonly<Record<string, Workflow.Workflow<any, any, any, any>>> | undefined
  /** Why the requirement does not pass, when that is understood (shown in the reports). */
  readonly knownFailure?: string | undefined
}

/**
 * A requirement deliberately left without a handler, and why.
 *
 * @category models
 * @since 0.1.0
 */
export interface Omitted {
  readonly omitted: string
}

/**
 * The handlers of one suite folder, by requirement id (`"1-11"`).
 *
 * @category models
 * @since 0.1.0
 */
export type Suite = Readonly<Record<string, Handler | Omitted>>

/**
 * Whether a suite entry is a deliberate omission.
 *
 * @category models
 * @since 0.1.0
 */
export const isOmitted = (entry: Handler | Omitted): entry is Omitted => "omitted" in entry

/**
 * The event the reference harness invokes the function with: the
 * requirement's `Input` under the key `Input` (null when the file gives none).
 *
 * @example
 * ```ts
 * Durable.workflow({ name: "1-1", input: Handler.event(Schema.String) }, ({ Input }) => ...)
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const event = <S extends Schema.Top>(input: S) => Schema.Struct({ Input: input })

/**
 * The harness event when the function ignores its input.
 *
 * @category schemas
 * @since 0.1.0
 */
export const anyEvent = Schema.Struct({ Input: Schema.Unknown })
