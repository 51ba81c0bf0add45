/**
 * The function's log output, as the reference runner reads it from CloudWatch:
 * one JSON record per line, in the order written. Handlers write their own
 * records (the plugins' `{"plugin": ..., "hook": ...}` lines) with
 * {@link Logs.write}; the durable logger's records (`Effect.log` in a step)
 * land in the same stream.
 *
 * @since 0.1.0
 */
import { DurableLogger } from "@effect-durable/core"
import { Context, Effect, Layer } from "effect"

/**
 * A JSON log record.
 *
 * @category models
 * @since 0.1.0
 */
export type LogRecord = Readonly<Record<string, unknown>>

/**
 * The log stream of one run.
 *
 * @category services
 * @since 0.1.0
 */
export class Logs extends Context.Service<Logs, {
  /** Writes one record, as `console.log(JSON.stringify(record))` would. */
  readonly write: (record: LogRecord) => Effect.Effect<void>
  /** Writes one JSON line (the durable logger's output). */
  readonly writeLine: (line: string) => void
  /** Every record written so far. */
  readonly records: Effect.Effect<ReadonlyArray<LogRecord>>
}>()("@effect-durable/conformance/Logs") {}

/**
 * A fresh log stream, with the durable logger writing into it.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Logs> = Layer.unwrap(Effect.sync(() => {
  const records: Array<LogRecord> = []
  const write = (line: string) => {
    records.push(JSON.parse(line) as LogRecord)
  }
  return Layer.merge(
    Layer.succeed(Logs, {
      write: (record) => Effect.sync(() => write(JSON.stringify(record))),
      writeLine: write,
      records: Effect.sync(() => records.slice())
    }),
    DurableLogger.layer({ write })
  )
}))

/**
 * The durable logger without its replay filter (`modeAware: false`): records
 * written by workflow code while it replays are kept, for handlers that make
 * re-execution observable in their logs.
 *
 * @category layers
 * @since 0.1.0
 */
export const replayLogging: Layer.Layer<never, never, Logs> = Layer.unwrap(
  Effect.map(Logs, (logs) => DurableLogger.layer({ modeAware: false, write: logs.writeLine }))
)
