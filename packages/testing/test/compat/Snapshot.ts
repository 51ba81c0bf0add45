/**
 * Test support (not shipped): what the wire-compatibility test compares, and
 * how it states a deliberate difference.
 *
 * A {@link Snapshot} is everything the service saw of an execution, minus what
 * depends on when things happened: the final operations (every field but the
 * timestamps; a wait keeps its length in seconds), every accepted update in
 * order, exactly as sent, the batching of updates into checkpoint calls, how
 * each invocation ended, and the execution's outcome.
 */
import type * as Emulator from "@effect-durable/testing/Emulator"
import type * as Wire from "@effect-durable/core/Wire"

/** JSON data: what a snapshot is made of. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * What the service saw of one execution, comparable across SDKs and runs.
 */
export interface Snapshot {
  readonly status: string
  /** The execution result (a JSON string), if it succeeded with one. */
  readonly result: Json
  /** The execution error object, if it failed. */
  readonly error: Json
  /** Every operation in creation order, without timestamps; `WaitDetails` is `{ WaitSeconds }`. */
  readonly operations: ReadonlyArray<Json>
  /** Every accepted update in order, all fields as sent (through JSON). */
  readonly updates: ReadonlyArray<Json>
  /** The checkpoint calls: for each, `"<Action> <Name or Id>"` of its updates (empty: a poll). */
  readonly calls: ReadonlyArray<ReadonlyArray<string>>
  /** How each invocation ended. */
  readonly invocations: ReadonlyArray<string>
}

const json = (value: unknown): Json => value === undefined ? null : JSON.parse(JSON.stringify(value)) as Json

/**
 * A JavaScript stack trace written inside a payload (the official `promise.allSettled` writes one per rejected
 * reason) as `"stack":"<stack>"`: its frames depend on the machine, the paths and the Node version.
 */
export const redactStacks = (value: Json): Json => {
  if (typeof value === "string") return value.replace(/"stack":"(?:[^"\\]|\\.)*"/g, "\"stack\":\"<stack>\"")
  if (Array.isArray(value)) return value.map(redactStacks)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redactStacks(field)]))
  }
  return value
}

const operationView = (operation: Wire.Operation): Json => {
  const { EndTimestamp: _end, StartTimestamp, StepDetails, WaitDetails, ...rest } = operation
  const view: Record<string, unknown> = { ...rest }
  if (StepDetails !== undefined) {
    const { NextAttemptTimestamp: _next, ...details } = StepDetails
    view.StepDetails = details
  }
  if (WaitDetails !== undefined) {
    const end = WaitDetails.ScheduledEndTimestamp?.getTime()
    const start = StartTimestamp?.getTime()
    view.WaitDetails = end === undefined || start === undefined ? {} : { WaitSeconds: (end - start) / 1000 }
  }
  return json(view)
}

/**
 * Callback ids are random (the service's are not guessable): each is written as `<callback-N>`, N its rank
 * among the execution's callbacks, wherever it appears (a callback's details, a payload that carries it).
 */
const redactCallbackIds = (execution: Emulator.Execution) => {
  const ids = execution.operations.flatMap((operation) =>
    operation.CallbackDetails?.CallbackId === undefined ? [] : [operation.CallbackDetails.CallbackId]
  )
  const redact = (value: Json): Json => {
    if (typeof value === "string") {
      return ids.reduce((text, id, index) => text.split(id).join(`<callback-${index + 1}>`), value)
    }
    if (Array.isArray(value)) return value.map(redact)
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redact(field)]))
    }
    return value
  }
  return redact
}

/** The snapshot of an execution the emulator recorded, with the outcomes of its invocations. */
export const snapshot = (execution: Emulator.Execution, invocations: ReadonlyArray<string>): Snapshot => {
  const checkpoints = execution.history.flatMap((event) => event._tag === "Checkpointed" ? [event] : [])
  const redactIds = redactCallbackIds(execution)
  return redactIds(redactStacks({
    status: execution.status,
    result: json(execution.result),
    error: json(execution.error),
    operations: execution.operations.map(operationView),
    updates: checkpoints.flatMap((event) => event.updates.map(json)),
    calls: checkpoints.map((event) => event.updates.map((update) => `${update.Action} ${update.Name ?? update.Id}`)),
    invocations
  } satisfies Snapshot as unknown as Json)) as unknown as Snapshot
}

/**
 * A step of a path into a snapshot: a key, an index, or a selector, which picks the first element of an array
 * whose fields have the given values (e.g. `{ Name: "settle", Action: "SUCCEED" }`), so that a path reaches the
 * same element on both sides when they hold it at different positions.
 */
export type PathStep = string | number | { readonly [field: string]: string }

/** A path for messages. */
export const showPath = (path: ReadonlyArray<PathStep>): string =>
  path.map((step) => typeof step === "object" ? JSON.stringify(step) : String(step)).join(".")

const select = (array: ReadonlyArray<unknown>, selector: { readonly [field: string]: string }): number =>
  array.findIndex((element) =>
    typeof element === "object" && element !== null &&
    Object.entries(selector).every(([field, value]) => (element as Record<string, unknown>)[field] === value)
  )

const keyIn = (value: unknown, step: PathStep): string | number | undefined =>
  typeof step !== "object" ? step : Array.isArray(value) ? select(value, step) : undefined

/**
 * A known difference between our snapshot and theirs, at `path`:
 *
 * - `deliberate` (the default): ours holds exactly `ours` and theirs exactly
 *   `theirs`, a choice we keep, for the reason `why`;
 * - `incompatibility`: the same, but a bug of ours left for core to fix: the
 *   comparison still masks it, so the rest of the case is checked, and a
 *   separate test that does not mask it is expected to fail until the fix lands;
 * - `order`: both hold the same elements (an array), in a different order;
 * - `batching`: both hold the same elements once their arrays are
 *   concatenated (the calls' contents), in other arrays (the calls'
 *   boundaries); with `reordered`, also in another order.
 */
export type Difference =
  | {
    readonly path: ReadonlyArray<PathStep>
    readonly ours: unknown
    readonly theirs: unknown
    readonly why: string
    readonly kind?: "deliberate" | "incompatibility" | undefined
  }
  | {
    readonly path: ReadonlyArray<PathStep>
    readonly why: string
    readonly kind: "order"
  }
  | {
    readonly path: ReadonlyArray<PathStep>
    readonly why: string
    readonly kind: "batching"
    readonly reordered?: boolean | undefined
  }

/** The elements of an array in a canonical order (by their JSON). */
export const sorted = (value: unknown): Array<unknown> =>
  Array.isArray(value)
    ? [...value].sort((a, b) => {
      const [x, y] = [JSON.stringify(a), JSON.stringify(b)]
      return x < y ? -1 : x > y ? 1 : 0
    })
    : []

/** The value at `path` (`undefined` when absent). */
export const get = (value: unknown, path: ReadonlyArray<PathStep>): unknown => {
  let current = value
  for (const step of path) {
    const key = keyIn(current, step)
    if (typeof current !== "object" || current === null || key === undefined) return undefined
    current = (current as Record<string | number, unknown>)[key]
  }
  return current
}

/** A copy of `value` with `replacement` at `path` (the path's parents must exist). */
export const set = (value: Json, path: ReadonlyArray<PathStep>, replacement: Json): Json => {
  if (path.length === 0) return replacement
  const [step, ...rest] = path
  const key = keyIn(value, step!)
  if (key === -1 || key === undefined) throw new Error(`Nothing at ${showPath(path)} inside ${JSON.stringify(value)}`)
  if (Array.isArray(value)) {
    const copy = [...value]
    copy[key as number] = set(copy[key as number] ?? null, rest, replacement)
    return copy
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, Json>
    return { ...record, [key!]: set(record[key!] ?? null, rest, replacement) }
  }
  throw new Error(`Cannot set ${showPath(path)} inside ${JSON.stringify(value)}`)
}

/** Both snapshots with every given difference replaced by the same marker. */
export const mask = (
  ours: Snapshot | Json,
  theirs: Snapshot | Json,
  differences: ReadonlyArray<Difference>
): readonly [Json, Json] => {
  let a = ours as Json
  let b = theirs as Json
  for (const difference of differences) {
    const marker = `<deliberate difference: ${difference.why}>`
    a = set(a, difference.path, marker)
    b = set(b, difference.path, marker)
  }
  return [a, b]
}
