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
import { SqliteStore } from "@effect-durable/local"
import { Emulator, EmulatorStore } from "@effect-durable/testing"
import { Effect, Layer, Option, Schema } from "effect"
import { CliError } from "effect/cli"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

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

/** The project's database, unless `--db` says otherwise. @internal */
export const databaseOf = (db: Option.Option<string>): string =>
  Option.match(db, { onNone: () => SqliteStore.defaultFilename(), onSome: (file) => path.resolve(file) })

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
 * An emulator over the project's database: `readonly` for the commands that
 * only look.
 *
 * @internal
 */
export const emulatorOf = (database: string, options: { readonly readonly: boolean }) =>
  Emulator.Emulator.layerStore().pipe(
    Layer.provide(SqliteStore.layer({ filename: database, readonly: options.readonly }))
  )

/**
 * A workflow loaded from a module: its services, if any, are its own business
 * (a module for the CLI exports workflows that need nothing but the durable
 * context).
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
 * The workflows a module exports, by function name (each workflow's name),
 * with the export names that refer to them.
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
            ? `Cannot load ${file}: this Node cannot import TypeScript; compile it (tsc) and pass the .js file, or use Node 22.18+`
            : `Cannot load ${file}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`
        })
    })
    const functions: Record<string, Loaded> = {}
    const byExport: Record<string, Loaded> = {}
    for (const [name, value] of Object.entries(exports)) {
      if (!isWorkflow(value)) continue
      functions[functionNameOf(value)] = value
      byExport[name] = value
    }
    if (Object.keys(functions).length === 0) {
      return yield* new CommandError({ message: `${file} exports no workflow (a value made with Durable.workflow)` })
    }
    return { functions, byExport }
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
