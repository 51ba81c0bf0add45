/**
 * The `effect-durable` command line: the root command and its subcommands,
 * one module each in `commands/`.
 *
 * A new command is a module in `commands/` exporting its `command`, added to
 * the list below.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { CliOutput, Command } from "effect/cli"
import * as Callback from "./commands/Callback.ts"
import * as Dev from "./commands/Dev.ts"
import * as History from "./commands/History.ts"
import * as Init from "./commands/Init.ts"
import * as Ls from "./commands/Ls.ts"
import * as Run from "./commands/Run.ts"
import * as Stop from "./commands/Stop.ts"
import * as Starter from "./Starter.ts"

/**
 * The root command, `effect-durable`, with every subcommand.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("effect-durable").pipe(
  Command.withDescription("effect-durable: AWS Lambda durable functions written with Effect"),
  Command.withSubcommands([
    Init.command,
    Dev.command,
    Run.command,
    Ls.command,
    History.command,
    Callback.command,
    Stop.command
  ])
)

/**
 * The output of the command line: effect/cli's, except that a command's
 * failure is one line, `effect-durable: <what went wrong>`, on stderr.
 *
 * @category formatting
 * @since 0.1.0
 */
export const formatter: CliOutput.Formatter = {
  ...CliOutput.defaultFormatter(),
  formatError: (error) => `effect-durable: ${error.message}`
}

/**
 * Runs the command line with the given arguments (without `node` and the
 * script), or the process's when none are given.
 *
 * @example
 * ```ts
 * Cli.run(["init", "my-app"]).pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = (args?: ReadonlyArray<string>) =>
  Effect.flatMap(Starter.version, (version) =>
    args === undefined
      ? Command.run(command, { version })
      : Command.runWith(command, { version })(args)).pipe(Effect.provide(CliOutput.layer(formatter)))
