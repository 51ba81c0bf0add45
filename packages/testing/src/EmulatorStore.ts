/**
 * Where the `Emulator` keeps its state when it must outlive the process: the
 * store interface of the local durable service.
 *
 * The emulator works on its state in memory (its rules are pure functions of
 * that state); with a store, every call also writes what it changed, as rows,
 * and returns only once the store has committed them. So an accepted
 * checkpoint is durable before the function hears of it, and an emulator made
 * again over the same store (after a restart, or a kill -9) goes on where the
 * last committed call left it: executions, operations, timers, callbacks and
 * history.
 *
 * The rows are JSON written by the emulator's own codec; a store does not
 * interpret them. `@effect-durable/local` has the SQLite store; without a
 * store (`Emulator.layer`), the state lives in memory only.
 *
 * @example
 * ```ts
 * import { Emulator, EmulatorStore } from "@effect-durable/testing"
 *
 * // an emulator over a store in context
 * const layer = Emulator.Emulator.layerStore().pipe(Layer.provide(SqliteStore.layer({ filename })))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema } from "effect"

/**
 * One execution: the columns a store may list and filter by, and the
 * emulator's other fields as JSON (`state`).
 *
 * @category models
 * @since 0.1.0
 */
export interface ExecutionRow {
  readonly arn: string
  /** The emulator's serial number of the execution (unique, increasing). */
  readonly serial: number
  readonly functionName: string
  readonly executionName: string
  readonly status: string
  /** Epoch ms. */
  readonly startedAt: number
  readonly state: string
}

/**
 * One operation of an execution, with its creation position.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationRow {
  readonly arn: string
  readonly id: string
  readonly position: number
  readonly json: string
}

/**
 * The timers of one callback operation.
 *
 * @category models
 * @since 0.1.0
 */
export interface TimerRow {
  readonly arn: string
  readonly operationId: string
  readonly json: string
}

/**
 * One event of an execution's history (`seq` is its 0-based position).
 *
 * @category models
 * @since 0.1.0
 */
export interface EventRow {
  readonly arn: string
  readonly seq: number
  readonly json: string
}

/**
 * The changes of one call of the emulator: rows to insert or replace.
 *
 * @category models
 * @since 0.1.0
 */
export interface Changes {
  /** The emulator's execution counter after the call, when it changed. */
  readonly serial?: number | undefined
  readonly executions: ReadonlyArray<ExecutionRow>
  readonly operations: ReadonlyArray<OperationRow>
  readonly timers: ReadonlyArray<TimerRow>
  readonly events: ReadonlyArray<EventRow>
}

/**
 * Everything stored: executions by serial, operations in creation order and
 * events in history order (within each execution).
 *
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly serial: number
  readonly executions: ReadonlyArray<ExecutionRow>
  readonly operations: ReadonlyArray<OperationRow>
  readonly timers: ReadonlyArray<TimerRow>
  readonly events: ReadonlyArray<EventRow>
}

/**
 * The store could not be read or written. Nothing of a failed commit is kept.
 *
 * @category errors
 * @since 0.1.0
 */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * A store: `load` reads everything back; `commit` writes the changes of one
 * call atomically (all or nothing) and returns once they are durable.
 *
 * @category services
 * @since 0.1.0
 */
export class EmulatorStore extends Context.Service<EmulatorStore, {
  /**
   * A store opened only to look (the CLI's `ls`, `history`): the emulator
   * writes nothing to it, and leaves the invocations it finds in progress as
   * they are.
   */
  readonly readonly?: boolean | undefined
  readonly load: Effect.Effect<Snapshot, StoreError>
  readonly commit: (changes: Changes) => Effect.Effect<void, StoreError>
}>()("@effect-durable/testing/EmulatorStore") {}
