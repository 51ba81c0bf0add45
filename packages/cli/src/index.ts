/**
 * The `effect-durable` command line, as modules: the root command and its
 * runner (`Cli`), each subcommand (`Init`) and the starter project (`Starter`).
 *
 * @since 0.1.0
 */

/**
 * The root command and its runner.
 *
 * @since 0.1.0
 */
export * as Cli from "./Cli.ts"

/**
 * `effect-durable init <directory>`: the starter project in a new directory.
 *
 * @since 0.1.0
 */
export * as Init from "./commands/Init.ts"

/**
 * The files of the starter project.
 *
 * @since 0.1.0
 */
export * as Starter from "./Starter.ts"
