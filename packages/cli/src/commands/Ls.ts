/**
 * `effect-durable ls`: the executions of the local service, newest first: on
 * the running `dev` service (through the `DurableClient`), or in the
 * project's database.
 *
 * @since 0.1.0
 */
import { DurableClient } from "@effect-durable/client"
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Option, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import * as Local from "../internal/local.ts"

interface Row {
  readonly name: string
  readonly functionName: string
  readonly status: string
  readonly start: Date
  readonly arn: string
}

const print = (rows: ReadonlyArray<Row>) =>
  rows.length === 0
    ? Console.log("no executions")
    : Console.log(
      [...rows].sort((a, b) => b.start.getTime() - a.start.getTime()).map((row) =>
        `${row.status.padEnd(10)} ${row.functionName.padEnd(24)} ${row.name.padEnd(28)} ${row.start.toISOString()}  ${row.arn}`
      ).join("\n")
    )

/**
 * The `ls` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "ls",
  {
    db: Flag.String("db").pipe(Flag.withDescription("The database (default: .effect-durable/service.db)"), Flag.optional)
  },
  Effect.fn(function*({ db }) {
    const running = yield* Local.runningService
    if (Option.isSome(running)) {
      const rows = yield* Effect.forEach(running.value.functions, (functionName) =>
        Effect.gen(function*() {
          const client = yield* DurableClient.DurableClient
          return yield* Stream.runCollect(client.list({ function: functionName }))
        }), { concurrency: 4 }).pipe(Effect.provide(Local.clientOf(running.value)))
      return yield* print(rows.flat().map((e) => ({
        name: e.name,
        functionName: e.functionArn.split(":function:")[1]?.split(":")[0] ?? "",
        status: e.status,
        start: e.startedAt,
        arn: e.arn
      })))
    }
    const executions = yield* Effect.gen(function*() {
      return yield* (yield* Emulator.Emulator).executions
    }).pipe(Effect.provide(Local.projectEmulator(db, { readonly: true })))
    return yield* print(executions.map((e) => ({
      name: e.executionName,
      functionName: e.functionName,
      status: e.status,
      start: e.startTimestamp,
      arn: e.arn
    })))
  }, Effect.mapError(Local.toCommandError))
).pipe(Command.withDescription("List the executions of the local service"))
