/**
 * `effect-durable init <directory>`: creates a project with a durable
 * workflow, its test, its Lambda handler and an AWS SAM template, in a new or
 * empty directory.
 *
 * ```sh
 * npx effect-durable init my-app
 * cd my-app && npm install && npm test
 * ```
 *
 * @since 0.1.0
 */
import { Console, Effect, FileSystem, Option, Path, Schema } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
import * as Starter from "../Starter.ts"

/**
 * Why `init` wrote nothing: the directory is not empty (or is a file), or the
 * package name is not one npm accepts. Shown to the user as its message, on one
 * line.
 *
 * @category errors
 * @since 0.1.0
 */
export class InitError extends Schema.TaggedError<InitError>()("InitError", {
  message: Schema.String
}) {
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/**
 * What {@link init} is given.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Where to create the project: a directory that does not exist yet, or an empty one. */
  readonly directory: string
  /** The package name; defaults to one made from the directory's name. */
  readonly name?: string | undefined
}

/**
 * Writes the starter project into `directory` and returns the files written
 * (paths inside the project). Refuses, writing nothing, a directory that holds
 * anything, a path that is a file, and a name npm does not accept.
 *
 * @example
 * ```ts
 * const written = yield* Init.init({ directory: "my-app" })
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const init = Effect.fn("Init.init")(function*(options: Options) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const directory = path.resolve(options.directory)
  const name = options.name ?? Starter.packageNameFrom(path.basename(directory))
  if (!Starter.isPackageName(name)) {
    return yield* new InitError({
      message: `"${name}" is not a valid npm package name: choose one with --name (lowercase letters, digits, - . _ ~)`
    })
  }
  if (yield* fs.exists(directory)) {
    const info = yield* fs.stat(directory)
    if (info.type !== "Directory") {
      return yield* new InitError({ message: `${options.directory} is a file, not a directory: choose a new directory` })
    }
    const entries = yield* fs.readDirectory(directory)
    if (entries.length > 0) {
      return yield* new InitError({
        message: `${options.directory} is not empty (${entries.length} entries): choose a new or empty directory`
      })
    }
  }
  const files = yield* Starter.files({ name, version: yield* Starter.version })
  for (const file of files) {
    const target = path.join(directory, ...file.path.split("/"))
    yield* fs.makeDirectory(path.dirname(target), { recursive: true })
    yield* fs.writeFileString(target, file.content, { flag: "wx" })
  }
  return { directory, name, files: files.map((file) => file.path) }
})

/**
 * The `init` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "init",
  {
    directory: Argument.String("directory").pipe(
      Argument.withDescription("Where to create the project: a new or empty directory")
    ),
    name: Flag.String("name").pipe(
      Flag.withDescription("The package name (default: made from the directory's name)"),
      Flag.optional
    )
  },
  Effect.fn(function*({ directory, name }) {
    const created = yield* init({ directory, name: Option.getOrUndefined(name) })
    const path = yield* Path.Path
    const relative = path.relative(process.cwd(), created.directory) || "."
    yield* Console.log(`Created the project ${created.name} in ${relative === "." ? "this directory" : relative}:`)
    for (const file of created.files) yield* Console.log(`  ${file}`)
    yield* Console.log(
      [
        "",
        "Next:",
        ...(relative === "." ? [] : [`  cd ${relative}`]),
        "  npm install",
        "  npm test          # type-checks, then runs the workflow's tests under TestClock",
        "  npm run bundle    # bundles the Lambda handler as `sam build` does",
        "  sam build && sam deploy --guided",
        ""
      ].join("\n")
    )
  })
).pipe(
  Command.withDescription("Create a project with a durable workflow, its test, its Lambda handler and a SAM template"),
  Command.withExamples([
    { command: "effect-durable init my-app", description: "Create the project in ./my-app" },
    { command: "effect-durable init . --name orders", description: "Create it in the current (empty) directory" }
  ])
)
