/**
 * `effect-durable run <module> <workflow> [--input <json>]`: starts one
 * execution of a workflow the module exports and follows it to its end in the
 * terminal.
 *
 * With the project's `dev` service running, the execution is started on it
 * (through its Lambda API, with the `DurableClient`) and followed there (its
 * web view shows it too); otherwise `run` starts the local service for the
 * time of the run, over the project's database (or in memory with
 * `--memory`).
 *
 * @since 0.1.0
 */
import { DurableClient } from "@effect-durable/client"
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Local from "../internal/local.ts"

/**
 * The `run` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "run",
  {
    module: Argument.String("module").pipe(Argument.withDescription("A JavaScript module exporting workflows")),
    workflow: Argument.String("workflow").pipe(
      Argument.withDescription("The workflow: its export name or its name")
    ),
    input: Flag.String("input").pipe(Flag.withDescription("The input, as JSON"), Flag.optional),
    name: Flag.String("name").pipe(Flag.withDescription("The execution name (its idempotency key)"), Flag.optional),
    memory: Flag.Boolean("memory").pipe(Flag.withDescription("Keep nothing: no database"), Flag.withDefault(false)),
    skipTime: Flag.Boolean("skip-time").pipe(
      Flag.withDescription("Jump over the time everything only waits for a timer"),
      Flag.withDefault(false)
    ),
    db: Flag.String("db").pipe(Flag.withDescription("The database (default: .effect-durable/service.db)"), Flag.optional)
  },
  Effect.fn(function*({ db, input, memory, module, name, skipTime, workflow }) {
    const local = yield* Local.local
    const { DevService, TerminalView } = local
    const { byExport, functions, services } = yield* Local.loadModule(module)
    const chosen = byExport[workflow] ?? Object.values(functions).find((w) => w.name === workflow)
    if (chosen === undefined) {
      return yield* new Local.CommandError({
        message: `${module} exports no workflow "${workflow}" (it exports ${
          Object.entries(byExport).map(([exported, w]) => `${exported} (${w.name})`).join(", ")
        })`
      })
    }
    const value = Option.isSome(input) ? yield* Local.parseJson(input.value, "--input") : undefined
    const functionName = Local.functionNameOf(chosen)
    const start = Effect.gen(function*() {
      const client = yield* DurableClient.DurableClient
      // the workflow's input Schema decodes the JSON, as the service would give it to the function
      const handle = yield* client.start(chosen, value as never, {
        function: functionName,
        ...(Option.isSome(name) ? { executionName: name.value } : {})
      })
      return handle
    })
    const color = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined
    const database = memory ? undefined : Local.databaseOf(local, db)
    const running = yield* Local.runningService
    if (Option.isSome(running) && (database === undefined || running.value.database === database)) {
      // the dev service runs this project: start the execution there, and wait for its end
      if (!running.value.functions.includes(functionName)) {
        return yield* new Local.CommandError({
          message: `The dev service at ${running.value.url} has no function ${functionName}: restart it with this module`
        })
      }
      const handle = yield* start.pipe(Effect.provide(Local.clientOf(running.value)))
      yield* Console.log(`started ${handle.arn}\nfollow it at ${running.value.url}/#${encodeURIComponent(handle.arn)} (and in the dev terminal)`)
      const result = yield* handle.result
      yield* Console.log(`SUCCEEDED → ${JSON.stringify(result)}`)
      return
    }
    const emulator = database === undefined ? Emulator.Emulator.layer : Local.emulatorOf(local, database, { readonly: false })
    const service = DevService.layer({ functions, port: 0, skipTime }).pipe(
      Layer.provide(services),
      Layer.provideMerge(emulator)
    )
    yield* Effect.gen(function*() {
      const { url } = yield* DevService.DevService
      const client = Local.clientOf({ pid: process.pid, url, database, functions: Object.keys(functions) })
      const handle = yield* start.pipe(Effect.provide(client))
      yield* Console.log(`web view: ${url}/#${encodeURIComponent(handle.arn)} (while it runs)`)
      yield* TerminalView.follow({ arn: handle.arn, color })
      const execution = yield* (yield* Emulator.Emulator).execution(handle.arn)
      if (execution.status !== "SUCCEEDED") {
        return yield* new Local.CommandError({
          message: `The execution ended ${execution.status}${execution.error === undefined ? "" : `: ${execution.error.ErrorMessage ?? execution.error.ErrorType}`}`
        })
      }
    }).pipe(Effect.scoped, Effect.provide(service))
  }, Effect.mapError(Local.toCommandError))
).pipe(
  Command.withDescription("Start one execution of a workflow and follow it to its end"),
  Command.withExamples([
    { command: "effect-durable run dist/workflows.js OrderDemo --input '{\"orderId\":\"o-1\"}'", description: "" }
  ])
)
