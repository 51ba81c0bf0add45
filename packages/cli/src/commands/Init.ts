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
      // Only a name given with --name can be invalid: one made from the directory's name always is valid.
      message: `"${name}" is not a valid npm package name: choose another (lowercase letters, digits, - . _ ~)`
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
        message: `${options.directory} is not empty (${entries.length} ${
          entries.length === 1 ? "entry" : "entries"
        }): choose a new or empty directory`
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
 * What the command prints once the project is created in `relative` (its path
 * from the current directory, `.` for the current one): the files, then the
 * commands to run next, ready to paste (a path with spaces is quoted).
 *
 * @example
 * ```ts
 * Init.summary({ name: "my-app", files: ["package.json"] }, "My App")
 * // "Created the project my-app in My App:\n  package.json\n\nNext:\n  cd 'My App'\n  npm install\n..."
 * ```
 *
 * @category formatting
 * @since 0.1.0
 */
export const summary = (created: { readonly name: string; readonly files: ReadonlyArray<string> }, relative: string) =>
  [
    `Created the project ${created.name} in ${relative === "." ? "this directory" : relative}:`,
    ...created.files.map((file) => `  ${file}`),
    "",
    "Next:",
    ...(relative === "." ? [] : [`  cd ${shellQuoted(relative)}`]),
    "  npm install",
    "  npm test          # type-checks, then runs the workflow's tests under TestClock",
    "  npm run dev       # runs the workflow on the local durable service, with a web view",
    "  npm run bundle    # bundles the Lambda handler as `sam build` does",
    "  sam build && sam deploy --guided",
    ""
  ].join("\n")

/** A path as a POSIX shell reads it back: as it is when it is plain, else in single quotes. */
const shellQuoted = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`

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
    yield* Console.log(summary(created, path.relative(process.cwd(), created.directory) || "."))
  })
).pipe(
  Command.withDescription("Create a project with a durable workflow, its test, its Lambda handler and a SAM template"),
  Command.withExamples([
    { command: "effect-durable init my-app", description: "Create the project in ./my-app" },
    { command: "effect-durable init . --name orders", description: "Create it in the current (empty) directory" }
  ])
)
