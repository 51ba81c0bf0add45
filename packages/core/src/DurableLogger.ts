/**
 * Replay-aware logging, in Lambda's JSON-lines format.
 *
 * Every durable invocation re-runs the workflow body from the start, so a log
 * line written by the body would be written again by every invocation. The
 * durable logger drops records written by workflow code while it replays its
 * history (until the first operation without a checkpoint); records written
 * inside a step always go out, since a step's code only runs live.
 *
 * Records are one JSON object per line, as Lambda's own log format:
 * `{"timestamp","level","requestId","executionArn","operationId","operationName","attempt","message",…}`,
 * with the invocation's and the step's annotations (added by the engine) and
 * any others the workflow adds with `Effect.annotateLogs`.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import { DurableContext } from "./DurableContext.ts"
import * as Payload from "./Payload.ts"

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Drop records written by workflow code while it replays. Defaults to `true`. */
  readonly modeAware?: boolean | undefined
  /** The lowest level written. Defaults to `AWS_LAMBDA_LOG_LEVEL`, else `Debug`. */
  readonly minimumLevel?: LogLevel.LogLevel | undefined
  /** Where lines go. Defaults to standard output. */
  readonly write?: ((line: string) => void) | undefined
}

const lambdaLevels: Record<string, LogLevel.LogLevel> = {
  TRACE: "Trace",
  DEBUG: "Debug",
  INFO: "Info",
  WARN: "Warn",
  ERROR: "Error",
  FATAL: "Fatal"
}

/**
 * Whether a record written now by the current fiber is replayed history.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isReplaying = (context: Context.Context<never>): boolean => {
  const durable = Context.getOption(context, DurableContext)
  return durable._tag === "Some" && durable.value.location === "workflow" && durable.value.services.replay.replaying
}

/**
 * Builds the durable logger.
 *
 * @example
 * ```ts
 * const lines: Array<string> = []
 * const logger = DurableLogger.make({ write: (line) => lines.push(line) })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Logger.Logger<unknown, void> => {
  const modeAware = options.modeAware ?? true
  const minimum = options.minimumLevel ?? lambdaLevels[(process.env.AWS_LAMBDA_LOG_LEVEL ?? "").toUpperCase()] ??
    "Debug"
  const write = options.write ?? ((line: string) => void process.stdout.write(line + "\n"))
  return Logger.make(({ cause, date, fiber, logLevel, message }) => {
    if (LogLevel.Order(logLevel, minimum) < 0) return
    if (modeAware && isReplaying(fiber.context)) return
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    const messages = Array.isArray(message) ? message : [message]
    const record: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: logLevel.toUpperCase(),
      ...annotations,
      message: messages.length === 1 ? messages[0] : messages
    }
    const failure = cause.reasons.find((reason) => reason._tag !== "Interrupt")
    if (failure !== undefined) {
      const error = failure._tag === "Fail" ? failure.error : failure.defect
      record.errorType = Payload.errorTypeOf(error)
      record.errorMessage = Payload.errorMessageOf(error)
      record.stackTrace = Cause.pretty(cause).split("\n")
    }
    write(JSON.stringify(record))
  })
}

/**
 * Replaces the default logger with the durable logger.
 *
 * @example
 * ```ts
 * LambdaHandler.make(workflow, { layer: DurableLogger.layer() })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<never> => Logger.layer([make(options)])
