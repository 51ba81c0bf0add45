/**
 * `effect-durable dev <module>`: the local durable service with the workflows
 * a module exports, each registered as a function by its name.
 *
 * It serves the Lambda durable execution REST API (with `Invoke` to start
 * executions) and the web view on `127.0.0.1:<port>`, keeps its state in the
 * project's SQLite database (`.effect-durable/service.db`; `--memory` for
 * none), and prints every invocation, operation, termination decision and
 * pending callback as it happens. Stopped (or killed) and started again, it
 * goes on with every execution where it was. Real time by default;
 * `--skip-time` jumps over the time everything only waits for a timer.
 *
 * ```sh
 * npx effect-durable dev dist/workflows.js
 * ```
 *
 * @since 0.1.0
 */
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Local from "../internal/local.ts"

/**
 * The `dev` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "dev",
  {
    module: Argument.String("module").pipe(Argument.withDescription("A JavaScript module exporting workflows")),
    port: Flag.Int("port").pipe(Flag.withDescription("The port on 127.0.0.1 (0: any free port)"), Flag.withDefault(9014)),
    skipTime: Flag.Boolean("skip-time").pipe(
      Flag.withDescription("Jump over the time everything only waits for a timer"),
      Flag.withDefault(false)
    ),
    memory: Flag.Boolean("memory").pipe(Flag.withDescription("Keep nothing: no database"), Flag.withDefault(false)),
    db: Flag.String("db").pipe(Flag.withDescription("The database (default: .effect-durable/service.db)"), Flag.optional)
  },
  Effect.fn(function*({ db, memory, module, port, skipTime }) {
    const local = yield* Local.local
    const { DevService, TerminalView } = local
    const { functions, services } = yield* Local.loadModule(module)
    const database = memory ? undefined : Local.databaseOf(local, db)
    const running = yield* Local.runningService
    if (Option.isSome(running) && running.value.database !== undefined && running.value.database === database) {
      return yield* new Local.CommandError({
        message: `A dev service already runs on ${database} at ${running.value.url} (pid ${running.value.pid})`
      })
    }
    const emulator = database === undefined ? Emulator.Emulator.layer : Local.emulatorOf(local, database, { readonly: false })
    const service = DevService.layer({ functions, port, skipTime }).pipe(
      Layer.provide(services),
      Layer.provideMerge(emulator)
    )
    yield* Effect.gen(function*() {
      const { url } = yield* DevService.DevService
      yield* Local.announce({ pid: process.pid, url, database, functions: Object.keys(functions) })
      yield* Console.log(
        [
          `effect-durable dev: the local durable service`,
          `  web view    ${url}/`,
          `  Lambda API  ${url} (endpoint for the AWS SDK, any region and credentials)`,
          `  functions   ${Object.keys(functions).join(", ")}`,
          `  state       ${database ?? "in memory (--memory): nothing is kept"}${skipTime ? "; time skips ahead (--skip-time)" : ""}`,
          `  start one   npx effect-durable run ${module} <workflow> --input '<json>'`,
          ""
        ].join("\n")
      )
      return yield* TerminalView.follow({ prefix: true, color: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined })
    }).pipe(
      Effect.scoped,
      Effect.provide(service),
      Effect.mapError((error) => Local.toCommandError(portInUse(error, port)))
    )
  })
).pipe(
  Command.withDescription("Run the local durable service with the workflows a module exports"),
  Command.withExamples([
    { command: "effect-durable dev dist/workflows.js", description: "Serve on 127.0.0.1:9014, state in .effect-durable/" },
    { command: "effect-durable dev dist/workflows.js --skip-time --memory --port 0", description: "Fast, forgetful, any port" }
  ])
)

/** A port in use as one clear line. */
const portInUse = (error: unknown, port: number): unknown => {
  const text = `${String(error)} ${String((error as { cause?: unknown }).cause)}`
  return /EADDRINUSE/.test(text)
    ? new Local.CommandError({ message: `Port ${port} on 127.0.0.1 is in use: choose another with --port` })
    : error
}
