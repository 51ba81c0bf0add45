/**
 * What the local-service commands share: loading a module's workflows, the
 * project's state folder (`.effect-durable/`: the database and the running
 * `dev` service's address), and the client or emulator a command talks to.
 *
 * A command against the local service talks to the running `dev` service of
 * the project when there is one (through the `DurableClient`, as any service
 * code would), and otherwise opens the project's database directly.
 *
 * @internal
 */
import { DurableClient, ExecutionApi, LambdaExecutionApi } from "@effect-durable/client"
import type * as Workflow from "@effect-durable/core/Workflow"
import type * as LocalModules from "@effect-durable/local"
import { Emulator, EmulatorStore } from "@effect-durable/testing"
import { Cause, Effect, FileSystem, Layer, Option, Path, Schema } from "effect"
import { CliError } from "effect/cli"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import * as Starter from "../Starter.ts"

/**
 * A command could not do what it was asked: shown as one line, with a
 * non-zero exit.
 *
 * @internal
 */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", {
  message: Schema.String
}) {
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/** Any failure as a {@link CommandError} with its message. @internal */
export const toCommandError = (error: unknown): CommandError =>
  error instanceof CommandError
    ? error
    : new CommandError({
      message: typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
        ? error.message
        : String(error)
    })

/** The project's state folder. @internal */
export const stateDir = (cwd: string = process.cwd()): string => path.join(cwd, ".effect-durable")

/**
 * An optional peer of the CLI, loaded when a command needs it, at the CLI's
 * own version (they are released together). Missing, or of another version,
 * it is one line saying what to install.
 *
 * @internal
 */
export const loadPeer = <A>(name: string, load: () => Promise<A>, version: string): Effect.Effect<A, CommandError> =>
  Effect.gen(function*() {
    const install = `npm install --save-dev @effect-durable/cli@${version} ${name}@${version}`
    const failed = (error: unknown) =>
      new CommandError({
        message: isMissing(error, name)
          ? `This command needs ${name}, installed beside the CLI: ${install}`
          : `Cannot load ${name}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`
      })
    const loaded = yield* Effect.tryPromise({ try: load, catch: failed })
    const manifest = yield* Effect.tryPromise({
      try: () => import(`${name}/package.json`, { with: { type: "json" } }) as Promise<{ default: { version: string } }>,
      catch: failed
    })
    if (manifest.default.version !== version) {
      return yield* new CommandError({
        message: `${name} ${manifest.default.version} is installed, and this CLI is ${version}: ${install}`
      })
    }
    return loaded
  })

const isMissing = (error: unknown, name: string): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ERR_MODULE_NOT_FOUND" &&
  String((error as { message?: unknown }).message).includes(`'${name}`)

/**
 * `@effect-durable/local`, the local durable service, for the commands that
 * run it or open its database: an optional peer, since it brings SQLite (a
 * native module) that `init` has no use for.
 *
 * @internal
 */
export const local: Effect.Effect<LocalPackage, CommandError, FileSystem.FileSystem | Path.Path> = Effect.flatMap(
  Starter.version,
  (version) => loadPeer("@effect-durable/local", () => import("@effect-durable/local"), version)
)

/** The modules of `@effect-durable/local`. @internal */
export type LocalPackage = typeof LocalModules

/** The project's database, unless `--db` says otherwise. @internal */
export const databaseOf = (local: LocalPackage, db: Option.Option<string>): string =>
  Option.match(db, { onNone: () => local.SqliteStore.defaultFilename(), onSome: (file) => path.resolve(file) })

/** What a running `dev` service writes about itself. @internal */
export interface RunningService {
  readonly pid: number
  readonly url: string
  readonly database: string | undefined
  readonly functions: ReadonlyArray<string>
}

const serviceFile = (cwd?: string) => path.join(stateDir(cwd), "service.json")

/** Writes the running service's address (removed when it stops). @internal */
export const announce = (service: RunningService) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      fs.mkdirSync(stateDir(), { recursive: true })
      fs.writeFileSync(serviceFile(), JSON.stringify(service, null, 2))
    }),
    () =>
      Effect.sync(() => {
        try {
          const current = JSON.parse(fs.readFileSync(serviceFile(), "utf8")) as RunningService
          if (current.pid === process.pid) fs.rmSync(serviceFile())
        } catch {
          // already gone
        }
      })
  )

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The project's running `dev` service, if one answers. @internal */
export const runningService: Effect.Effect<Option.Option<RunningService>> = Effect.promise(async () => {
  let service: RunningService
  try {
    service = JSON.parse(fs.readFileSync(serviceFile(), "utf8")) as RunningService
  } catch {
    return Option.none()
  }
  if (!isAlive(service.pid)) return Option.none()
  try {
    const response = await fetch(`${service.url}/ui/api/executions?limit=0`, { signal: AbortSignal.timeout(2000) })
    return response.ok ? Option.some(service) : Option.none()
  } catch {
    return Option.none()
  }
})

/**
 * The `DurableClient` of a running service, over its Lambda API, and that API
 * itself (`ExecutionApi`: the service's requests as they are, for what the
 * client shapes for service code).
 *
 * @internal
 */
export const clientOf = (service: RunningService): Layer.Layer<DurableClient.DurableClient | ExecutionApi.ExecutionApi> =>
  DurableClient.layerApi().pipe(
    Layer.provideMerge(LambdaExecutionApi.layer({
      endpoint: service.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 2
    }))
  )

/**
 * An emulator over a database: `readonly` for the commands that only look.
 *
 * @internal
 */
export const emulatorOf = (local: LocalPackage, database: string, options: { readonly readonly: boolean }) =>
  Emulator.Emulator.layerStore().pipe(
    Layer.provide(local.SqliteStore.layer({ filename: database, readonly: options.readonly }))
  )

/**
 * An emulator over the project's database (`--db`, else the default one),
 * for the commands that work on it when no `dev` service runs.
 *
 * @internal
 */
export const projectEmulator = (db: Option.Option<string>, options: { readonly readonly: boolean }) =>
  Layer.unwrap(Effect.map(local, (local) => emulatorOf(local, databaseOf(local, db), options)))

/**
 * A workflow loaded from a module, its services provided by the module's
 * `layer` (see {@link loadModule}).
 *
 * @internal
 */
export type Loaded = Workflow.Workflow<any, any, any, never>

/** Whether a value is a workflow (what `Durable.workflow` returns). */
const isWorkflow = (value: unknown): value is Loaded =>
  typeof value === "object" && value !== null && "name" in value && typeof value.name === "string" &&
  "body" in value && typeof value.body === "function"

/** The function name a workflow is registered under: its name, made a valid Lambda function name. */
export const functionNameOf = (workflow: Loaded): string => {
  const safe = workflow.name.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 64)
  return safe.length === 0 ? "durable-function" : safe
}

/**
 * The key of the service a defect says is missing (Effect's "Service not
 * found: <key>"), if it says so.
 *
 * @internal
 */
export const missingService = (defect: unknown): string | undefined =>
  defect instanceof Error ? /^Service not found: (.+)$/.exec(defect.message)?.[1] : undefined

/**
 * A workflow whose body, when it asks for a service the module does not
 * provide, fails its invocation saying so and how to provide it (rather than
 * Effect's bare "Service not found").
 */
const explained = (workflow: Loaded, file: string): Loaded => ({
  ...workflow,
  body: (input) =>
    Effect.catchDefect(workflow.body(input), (defect) => {
      const key = missingService(defect)
      return Effect.die(
        key === undefined ? defect : new Error(
          `The workflow ${workflow.name} needs the service ${key}: export a Layer named "layer" that provides it from ${file}`
        )
      )
    })
})

/**
 * The workflows a module exports, by function name (each workflow's name),
 * with the export names that refer to them, and the services they need.
 *
 * A module provides its workflows' services by exporting a Layer named
 * `layer` (the one its Lambda handler gives `LambdaHandler.make`): the
 * service builds it once when it starts, as a Lambda container builds its
 * runtime, and gives its services to every invocation. The layer may use the
 * Node platform's services (`FileSystem`, `Path`, ...). It failing to build
 * fails the command before any invocation.
 *
 * @internal
 */
export const loadModule = (file: string) =>
  Effect.gen(function*() {
    const resolved = path.resolve(file)
    if (!fs.existsSync(resolved)) return yield* new CommandError({ message: `No module at ${file}` })
    const exports = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(resolved).href) as Promise<Record<string, unknown>>,
      catch: (error) =>
        new CommandError({
          message: /\.tsx?$/.test(resolved) && /Unknown file extension/.test(String(error))
            ? `Cannot load ${file}: this Node cannot import TypeScript; bundle it first (esbuild; the starter's npm run dev does), or use Node 22.18+`
            : `Cannot load ${file}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`
        })
    })
    const functions: Record<string, Loaded> = {}
    const byExport: Record<string, Loaded> = {}
    for (const [name, value] of Object.entries(exports)) {
      if (!isWorkflow(value)) continue
      const workflow = explained(value, file)
      functions[functionNameOf(value)] = workflow
      byExport[name] = workflow
    }
    if (Object.keys(functions).length === 0) {
      return yield* new CommandError({ message: `${file} exports no workflow (a value made with Durable.workflow)` })
    }
    if (exports["layer"] !== undefined && !Layer.isLayer(exports["layer"])) {
      return yield* new CommandError({ message: `${file} exports a "layer" that is not a Layer (made with effect's Layer module)` })
    }
    // its requirements beyond the platform's are the module's business: a missing one fails the build, in one line
    const layer = (exports["layer"] ?? Layer.empty) as Layer.Layer<never, unknown, never>
    const services: Layer.Layer<never, CommandError> = Layer.catchCause(layer, (cause) =>
      Layer.effectDiscard(Effect.fail(
        new CommandError({
          message: `The layer exported by ${file} failed to build: ${
            Cause.pretty(cause).split("\n").find((line) => line.trim() !== "")?.replace(/^\s*(Error: )?/, "") ?? "unknown"
          }`
        })
      )))
    return { functions, byExport, services }
  })

/**
 * The ARN of an execution given by its ARN or by its name (which must name
 * exactly one execution).
 *
 * @internal
 */
export const resolveExecution = (
  execution: string,
  executions: ReadonlyArray<{ readonly arn: string; readonly name: string }>
): Effect.Effect<string, CommandError> => {
  if (execution.startsWith("arn:")) return Effect.succeed(execution)
  const found = executions.filter((e) => e.name === execution)
  return found.length === 1 ? Effect.succeed(found[0]!.arn) : Effect.fail(
    new CommandError({
      message: found.length === 0
        ? `No execution is named ${execution}`
        : `${found.length} executions are named ${execution}: give its ARN`
    })
  )
}

/** Parses a JSON argument, or fails with one clear line. @internal */
export const parseJson = (text: string, what: string) =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (error) =>
      new CommandError({
        message: `${what} is not valid JSON (${error instanceof Error ? error.message : String(error)}): ${text}`
      })
  })

/** `EmulatorStore` re-exported for the commands. @internal */
export { EmulatorStore }
