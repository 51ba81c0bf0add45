/**
 * Replay validation, as pure functions.
 *
 * Before an operation uses its checkpoint, it checks that the history was
 * written by the same call: the same type, name and subtype at the same
 * position. Anything else means the workflow is not deterministic, and
 * carrying on would mix the results of two different programs.
 *
 * @since 0.1.0
 */
import { NonDeterministicExecutionError } from "./DurableError.ts"
import type * as OperationId from "./OperationId.ts"
import type * as Wire from "./Wire.ts"

/**
 * What the current call at a position is.
 *
 * @category models
 * @since 0.1.0
 */
export interface Expected {
  readonly rawId: OperationId.RawId
  readonly type: Wire.OperationType
  readonly name: string | undefined
  readonly subType: string | undefined
}

const show = (value: string | undefined) => value === undefined ? "undefined" : `"${value}"`

/**
 * Compares a checkpoint with the call replaying it; returns the error to fail
 * the execution with, or `undefined` when they match (or there is no
 * checkpoint yet).
 *
 * @example
 * ```ts
 * Replay.validate({ Id: "c4ca4238a0b92382", Type: "WAIT", Status: "STARTED" }, { rawId: "1", type: "STEP", name: "a", subType: "Step" })
 * // NonDeterministicExecutionError: Operation type mismatch for step "1". Expected type "WAIT", but got "STEP" ...
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const validate = (
  checkpoint: Wire.Operation | undefined,
  expected: Expected
): NonDeterministicExecutionError | undefined => {
  if (checkpoint === undefined) return undefined
  const mismatch = (what: string, was: string | undefined, now: string | undefined) =>
    new NonDeterministicExecutionError({
      operationId: expected.rawId,
      message: `Non-deterministic execution detected: Operation ${what} mismatch for step "${expected.rawId}". ` +
        `Expected ${what} ${show(was)}, but got ${show(now)}. The history has ${
          describe(checkpoint.Type, checkpoint.Name, checkpoint.SubType)
        } at this position; the workflow now calls ${describe(expected.type, expected.name, expected.subType)}.`
    })
  if (checkpoint.Type !== expected.type) return mismatch("type", checkpoint.Type, expected.type)
  if (checkpoint.Name !== expected.name) return mismatch("name", checkpoint.Name, expected.name)
  if (checkpoint.SubType !== expected.subType) return mismatch("subtype", checkpoint.SubType, expected.subType)
  return undefined
}

const describe = (type: string, name: string | undefined, subType: string | undefined) =>
  `${type.toLowerCase()}${subType === undefined ? "" : `/${subType}`} ${show(name)}`
