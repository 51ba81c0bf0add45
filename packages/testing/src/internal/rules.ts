/**
 * The validation rules of the durable execution service, as pure functions:
 * which updates a checkpoint request may carry, given the operations stored so
 * far. Nothing here does I/O, so every rule is testable on its own.
 *
 * @internal
 */
import type * as Wire from "@effect-durable/core/Wire"

/**
 * Limits the service enforces.
 *
 * @internal
 */
export interface Limits {
  /** Largest `Payload` of a non-EXECUTION update, in UTF-8 bytes. */
  readonly payloadBytes: number
  /** Largest `Payload` of an EXECUTION update (the oversized-result path), in UTF-8 bytes. */
  readonly executionPayloadBytes: number
  /** Largest serialized update carrying an `Error`, in UTF-8 bytes. */
  readonly errorBytes: number
}

/** @internal */
export const defaultLimits: Limits = {
  payloadBytes: 256 * 1024,
  executionPayloadBytes: 6 * 1024 * 1024,
  errorBytes: 32 * 1024
}

/** The longest wait or retry delay the service accepts (366 days). @internal */
export const maxDelaySeconds = 31_622_400
/** The longest callback timeout the service accepts. @internal */
export const maxCallbackTimeoutSeconds = 99_999_999

/**
 * One broken rule: which update broke it and how.
 *
 * @internal
 */
export interface Violation {
  /** Position of the offending update in the request (0-based). */
  readonly index: number
  readonly operationId: string
  readonly type: string
  readonly action: string
  readonly rule: string
}

/**
 * A readable sentence naming the update and the rule.
 *
 * @internal
 */
export const describe = (violation: Violation): string =>
  `Invalid checkpoint update #${violation.index} (Id "${violation.operationId}", Type ${violation.type}, Action ${violation.action}): ${violation.rule}`

/** @internal */
export const validActions: Readonly<Record<Wire.OperationType, ReadonlyArray<Wire.OperationAction>>> = {
  EXECUTION: ["SUCCEED", "FAIL"],
  CONTEXT: ["START", "SUCCEED", "FAIL"],
  STEP: ["START", "SUCCEED", "FAIL", "RETRY"],
  WAIT: ["START", "CANCEL"],
  CALLBACK: ["START", "CANCEL"],
  CHAINED_INVOKE: ["START", "CANCEL"]
}

const idPattern = /^[a-zA-Z0-9_-]{1,64}$/
const namePattern = /^[\x20-\x7e]{1,256}$/

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8")

const isIntegerIn = (n: unknown, min: number, max: number): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= min && n <= max

/**
 * Checks the parts of an update that do not depend on stored state: the Id and
 * Name formats, the action for the type, the options and the sizes. Returns the
 * broken rule, or `undefined`.
 *
 * @internal
 */
export const checkShape = (update: Wire.OperationUpdate, limits: Limits = defaultLimits): string | undefined => {
  if (typeof update.Id !== "string" || !idPattern.test(update.Id)) {
    return "Id must be 1 to 64 characters of [a-zA-Z0-9-_]"
  }
  if (update.ParentId !== undefined && !idPattern.test(update.ParentId)) {
    return "ParentId must be 1 to 64 characters of [a-zA-Z0-9-_]"
  }
  if (update.Name !== undefined && !namePattern.test(update.Name)) {
    return "Name must be 1 to 256 printable ASCII characters"
  }
  const actions = Object.hasOwn(validActions, update.Type) ? validActions[update.Type] : undefined
  if (actions === undefined) return `unknown operation type ${String(update.Type)}`
  if (!actions.includes(update.Action)) {
    return `action ${String(update.Action)} is not valid for a ${update.Type} (valid: ${actions.join(", ")})`
  }
  if (update.Payload !== undefined) {
    const limit = update.Type === "EXECUTION" ? limits.executionPayloadBytes : limits.payloadBytes
    const size = byteLength(update.Payload)
    if (size > limit) return `${update.Type} payload size must be <= ${limit} bytes (got ${size})`
  }
  if (update.Error !== undefined) {
    const size = byteLength(JSON.stringify(update))
    if (size > limits.errorBytes) {
      return `an update carrying an Error must be smaller than ${limits.errorBytes} bytes (got ${size})`
    }
  }
  if (update.Action === "SUCCEED" && update.Error !== undefined) return "cannot provide an Error for SUCCEED"
  if (update.Action === "FAIL" && update.Payload !== undefined) return "cannot provide a Payload for FAIL"
  if (update.StepOptions?.NextAttemptDelaySeconds !== undefined) {
    if (!isIntegerIn(update.StepOptions.NextAttemptDelaySeconds, 1, maxDelaySeconds)) {
      return `StepOptions.NextAttemptDelaySeconds must be an integer from 1 to ${maxDelaySeconds}`
    }
  }
  if (update.Type === "STEP" && update.Action === "RETRY") {
    if (update.StepOptions === undefined) return "RETRY requires StepOptions"
    if (update.Error !== undefined && update.Payload !== undefined) {
      return "RETRY cannot carry both an Error and a Payload"
    }
  }
  if (update.Type === "WAIT" && update.Action === "START") {
    const seconds = update.WaitOptions?.WaitSeconds
    if (seconds === undefined) return "START requires WaitOptions.WaitSeconds"
    if (!isIntegerIn(seconds, 1, maxDelaySeconds)) {
      return `WaitOptions.WaitSeconds must be an integer from 1 to ${maxDelaySeconds}`
    }
  }
  if (update.CallbackOptions !== undefined) {
    const { HeartbeatTimeoutSeconds, TimeoutSeconds } = update.CallbackOptions
    if (TimeoutSeconds !== undefined && !isIntegerIn(TimeoutSeconds, 0, maxCallbackTimeoutSeconds)) {
      return `CallbackOptions.TimeoutSeconds must be an integer from 0 to ${maxCallbackTimeoutSeconds}`
    }
    if (
      HeartbeatTimeoutSeconds !== undefined && !isIntegerIn(HeartbeatTimeoutSeconds, 0, maxCallbackTimeoutSeconds)
    ) {
      return `CallbackOptions.HeartbeatTimeoutSeconds must be an integer from 0 to ${maxCallbackTimeoutSeconds}`
    }
  }
  if (update.Type === "CHAINED_INVOKE" && update.Action === "START") {
    const name = update.ChainedInvokeOptions?.FunctionName
    if (name === undefined || name.length === 0) return "START requires ChainedInvokeOptions.FunctionName"
  }
  return undefined
}

/**
 * Checks that an update may be applied to the operation as it stands
 * (`current` is `undefined` when the operation does not exist yet).
 *
 * @internal
 */
export const checkTransition = (
  update: Wire.OperationUpdate,
  current: Wire.Operation | undefined
): string | undefined => {
  const status = current?.Status
  const describeState = current === undefined ? "absent" : status
  if (current !== undefined && current.Type !== update.Type) {
    return `operation already exists with Type ${current.Type}`
  }
  switch (update.Type) {
    case "EXECUTION":
      return status === "STARTED" ? undefined : `the execution is ${describeState}, not STARTED`
    case "STEP":
      switch (update.Action) {
        case "START":
          return current === undefined || status === "READY"
            ? undefined
            : `a STEP can only START when absent or READY (it is ${describeState})`
        case "SUCCEED":
        case "FAIL":
        case "RETRY":
          return current === undefined || status === "STARTED" || status === "READY"
            ? undefined
            : `a STEP can only ${update.Action} when absent, STARTED or READY (it is ${describeState})`
        default:
          return undefined
      }
    case "CONTEXT":
      if (update.Action === "START") {
        return current === undefined ? undefined : `a CONTEXT can only START when absent (it is ${describeState})`
      }
      return current === undefined || status === "STARTED"
        ? undefined
        : `a CONTEXT can only ${update.Action} when absent or STARTED (it is ${describeState})`
    case "WAIT":
    case "CALLBACK":
    case "CHAINED_INVOKE":
      if (update.Action === "START") {
        return current === undefined
          ? undefined
          : `a ${update.Type} can only START when absent (it is ${describeState})`
      }
      return status === "STARTED"
        ? undefined
        : `a ${update.Type} can only CANCEL when STARTED (it is ${describeState})`
  }
}

/**
 * Checks the rules that span a whole request: at most one EXECUTION update and
 * it comes last; no Id twice (except a STEP or CONTEXT START followed by a
 * non-START); every ParentId names a CONTEXT that exists or was STARTed earlier
 * in the request. `operations` is the stored state; EXECUTION updates are
 * expected to carry the execution's own Id already.
 *
 * @internal
 */
export const checkBatch = (
  updates: ReadonlyArray<Wire.OperationUpdate>,
  operations: ReadonlyMap<string, Wire.Operation>
): Violation | undefined => {
  const violation = (index: number, rule: string): Violation => {
    const update = updates[index]!
    return { index, operationId: update.Id, type: update.Type, action: update.Action, rule }
  }
  let executionIndex: number | undefined = undefined
  for (let i = 0; i < updates.length; i++) {
    if (updates[i]!.Type !== "EXECUTION") continue
    if (executionIndex !== undefined) return violation(i, "a request may carry at most one EXECUTION update")
    executionIndex = i
  }
  if (executionIndex !== undefined && executionIndex !== updates.length - 1) {
    return violation(executionIndex, "the EXECUTION update must be the last update of the request")
  }
  const started = new Map<string, Wire.OperationUpdate>()
  const seen = new Map<string, Wire.OperationUpdate>()
  for (let i = 0; i < updates.length; i++) {
    const update = updates[i]!
    const previous = seen.get(update.Id)
    if (previous !== undefined) {
      const allowed = (previous.Type === "STEP" || previous.Type === "CONTEXT") && previous.Action === "START" &&
        update.Action !== "START"
      if (!allowed) {
        return violation(
          i,
          "the same operation cannot be updated twice in one request (only a STEP or CONTEXT START may be followed by a non-START)"
        )
      }
    }
    if (update.ParentId !== undefined) {
      const parentUpdate = started.get(update.ParentId)
      const parent = operations.get(update.ParentId)
      const parentType = parentUpdate?.Type ?? parent?.Type
      if (parentType === undefined) {
        return violation(i, `ParentId "${update.ParentId}" references no existing operation nor one STARTed earlier in this request`)
      }
      if (parentType !== "CONTEXT") {
        return violation(i, `ParentId "${update.ParentId}" references a ${parentType}, but only a CONTEXT can be a parent`)
      }
    }
    if (update.Action === "START") started.set(update.Id, update)
    seen.set(update.Id, update)
  }
  return undefined
}
