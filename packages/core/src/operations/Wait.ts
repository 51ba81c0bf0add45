/**
 * `wait`: a durable timer.
 *
 * The first run checkpoints a WAIT START with the duration in whole seconds;
 * the service completes the wait at its scheduled end. Meanwhile the
 * operation is idle in the scheduler: the supervisor resumes it in-process if
 * the end comes soon enough, and otherwise ends the invocation with PENDING;
 * the service re-invokes the function once the wait is over, and the replay
 * passes the completed wait at once.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { DurableContext } from "../DurableContext.ts"
import { ConfigValidationError } from "../DurableError.ts"
import { fault, operation, type Started, traced, update } from "../internal/operation.ts"
import { isTerminalStatus, OperationSubType } from "../Wire.ts"

/**
 * The longest wait the service accepts, in seconds (its execution timeout
 * cannot exceed 366 days).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxWaitSeconds = 31_622_400

/**
 * The number of whole seconds written on the wire for a duration: rounded up,
 * at least 1. Returns `undefined` for durations the service cannot accept
 * (negative, infinite, longer than {@link maxWaitSeconds}).
 *
 * @example
 * ```ts
 * Wait.toWireSeconds("1500 millis") // 2
 * ```
 *
 * @category utils
 * @since 0.1.0
 */
export const toWireSeconds = (duration: Duration.Input): number | undefined => {
  const millis = Duration.toMillis(duration)
  if (!Number.isFinite(millis) || millis < 0) return undefined
  const seconds = Math.max(1, Math.ceil(millis / 1000))
  return seconds > maxWaitSeconds ? undefined : seconds
}

/**
 * Waits durably for `duration`.
 *
 * @example
 * ```ts
 * yield* Durable.wait("cool-off", "1 day")
 * ```
 *
 * @category operations
 * @since 0.1.0
 */
export const wait = (name: string, duration: Duration.Input): Effect.Effect<void, never, DurableContext> =>
  operation({ type: "WAIT", subType: OperationSubType.Wait, name }, (started) =>
    // Replay of a completed wait: nothing to do.
    started.checkpoint !== undefined && isTerminalStatus(started.checkpoint.Status)
      ? Effect.void
      : traced(started, live(started, name, duration), "Durable.wait", { "durable.operation.name": name }))

const live = (started: Started, name: string, duration: Duration.Input) =>
  Effect.gen(function*() {
    const { checkpointer, scheduler } = started.context.services
    const seconds = toWireSeconds(duration)
    if (seconds === undefined) {
      return yield* fault(
        started.context,
        new ConfigValidationError({
          message: `Invalid duration for wait "${name}": ${Duration.format(Duration.fromInputUnsafe(duration))}. ` +
            `A wait lasts from 1 second to ${maxWaitSeconds} seconds.`
        })
      )
    }
    let current = started.checkpoint
    if (current === undefined) {
      yield* scheduler.executing(started.meta)
      current = yield* checkpointer.checkpoint(update(started, "START", { WaitOptions: { WaitSeconds: seconds } }))
    }
    yield* scheduler.await(started.meta, {
      state: "IDLE_AWAITED",
      wakeAt: current?.WaitDetails?.ScheduledEndTimestamp?.getTime(),
      current,
      until: (operation) => isTerminalStatus(operation.Status)
    })
    yield* scheduler.complete(started.meta.id)
  })
