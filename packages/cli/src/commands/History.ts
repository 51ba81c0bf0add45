/**
 * `effect-durable history <execution> [--timeline out.svg]`: an execution's
 * history as the service reports it (one line per event), and its timeline as
 * a standalone SVG: on the running `dev` service, or in the project's
 * database. The execution is its ARN or its name.
 *
 * @since 0.1.0
 */
import { DurableClient } from "@effect-durable/client"
import type * as Wire from "@effect-durable/core/Wire"
import { Emulator, History } from "@effect-durable/testing"
import { Console, Effect, Option, Stream } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as fs from "node:fs"
import * as Local from "../internal/local.ts"

const describe = (Timeline: Local.LocalPackage["Timeline"], event: Wire.HistoryEvent, origin: number): string => {
  const at = Timeline.toMillis(event.EventTimestamp) ?? origin
  const details = (event as Record<string, unknown>)[`${event.EventType}Details`]
  const text = details === undefined ? "" : JSON.stringify(details)
  return `${String(event.EventId ?? "").padStart(4)} +${((at - origin) / 1000).toFixed(3).padStart(9)}s  ${
    String(event.EventType).padEnd(22)
  } ${event.Name ?? ""}${event.Id === undefined ? "" : ` (${event.Id})`}${text === "{}" || text === "" ? "" : `  ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`}`
}

const print = (Timeline: Local.LocalPackage["Timeline"], events: ReadonlyArray<Wire.HistoryEvent>) => {
  const origin = Timeline.toMillis(events[0]?.EventTimestamp) ?? 0
  return Console.log(events.map((event) => describe(Timeline, event, origin)).join("\n"))
}

/**
 * The `history` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "history",
  {
    execution: Argument.String("execution").pipe(Argument.withDescription("The execution's ARN or name")),
    timeline: Flag.String("timeline").pipe(Flag.withDescription("Also write its timeline, as an SVG, to this file"), Flag.optional),
    db: Flag.String("db").pipe(Flag.withDescription("The database (default: .effect-durable/service.db)"), Flag.optional)
  },
  Effect.fn(function*({ db, execution, timeline }) {
    const local = yield* Local.local
    const { Timeline, TimelineSvg } = local
    const running = yield* Local.runningService
    let svg: string
    if (Option.isSome(running)) {
      const service = running.value
      yield* Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const all = yield* Effect.forEach(service.functions, (f) => Stream.runCollect(client.list({ function: f })))
        const arn = yield* Local.resolveExecution(execution, all.flat())
        const events = yield* Stream.runCollect(client.handle(arn).history())
        yield* print(Timeline, events)
        // the timeline with what only the local service knows (termination reasons, running invocations)
        if (Option.isSome(timeline)) {
          const response = yield* Effect.promise(() => fetch(`${service.url}/ui/api/timeline.svg?arn=${encodeURIComponent(arn)}`))
          svg = yield* Effect.promise(() => response.text())
        }
      }).pipe(Effect.provide(Local.clientOf(service)))
    } else {
      yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const executions = yield* emulator.executions
        const arn = yield* Local.resolveExecution(execution, executions.map((e) => ({ arn: e.arn, name: e.executionName })))
        const found = yield* emulator.execution(arn).pipe(
          Effect.mapError(() => new Local.CommandError({ message: `No execution has the ARN ${arn}` }))
        )
        yield* print(Timeline, History.fromExecution(found))
        svg = TimelineSvg.render(Timeline.fromExecution(found, { now: Date.now() }))
      }).pipe(Effect.provide(Local.emulatorOf(local, Local.databaseOf(local, db), { readonly: true })))
    }
    if (Option.isSome(timeline)) {
      yield* Effect.try({
        try: () => fs.writeFileSync(timeline.value, svg!),
        catch: (error) => new Local.CommandError({ message: `Cannot write ${timeline.value}: ${String(error)}` })
      })
      yield* Console.log(`timeline written to ${timeline.value}`)
    }
  }, Effect.mapError(Local.toCommandError))
).pipe(Command.withDescription("Print an execution's history; write its timeline as an SVG"))
