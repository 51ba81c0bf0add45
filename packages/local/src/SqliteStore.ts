/**
 * The local durable service's persistent store: SQLite (over `effect/sql` and
 * better-sqlite3), one file, by default `.effect-durable/service.db`; it
 * provides the `EmulatorStore` that `Emulator.layerStore` runs on.
 *
 * The store keeps the emulator's state as rows of JSON, written by the
 * emulator's own codec: one row per execution (a few columns to list and
 * filter by, the rest as JSON), one per operation (with its creation
 * position), one per callback timer, and one per history event. It does not
 * interpret them: the rules of the service stay in the emulator.
 *
 * - `commit` writes the changes of one call of the emulator in one
 *   transaction (`BEGIN IMMEDIATE` … `COMMIT`), and returns once it is
 *   committed: an accepted checkpoint is durable before the function hears of
 *   it. A failed commit rolls back entirely;
 * - `load` reads everything back, to rebuild the emulator's state when the
 *   service starts again (after a clean stop or a kill -9 alike).
 *
 * The database is in WAL mode with `synchronous = NORMAL` by default: a
 * committed transaction survives a crash of the process; `FULL` also survives
 * a power loss, for an fsync per commit.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@effect-durable/local"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* EmulatorStore.EmulatorStore
 *   yield* store.commit({ executions: [row], operations: [], timers: [], events: [] })
 *   const snapshot = yield* store.load
 * }).pipe(Effect.provide(SqliteStore.layer({ filename: ".effect-durable/service.db" })))
 * ```
 *
 * @since 0.1.0
 */
import {
  type Changes,
  EmulatorStore,
  type EventRow,
  type OperationRow,
  type Snapshot,
  StoreError
} from "@effect-durable/testing/EmulatorStore"
import { Context, Effect, Layer } from "effect"
import { Reactivity } from "effect/reactivity"
import { Migrator, SqlClient } from "effect/sql"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Sqlite from "./internal/sqlite.ts"

/**
 * The SQLite store, as the `EmulatorStore` it provides, with its file.
 *
 * @category services
 * @since 0.1.0
 */
export class SqliteStore extends Context.Service<SqliteStore, {
  /** The database file. */
  readonly filename: string
}>()("@effect-durable/local/SqliteStore") {}

/**
 * The default database of a project: `.effect-durable/service.db` under `dir`.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultFilename = (dir: string = process.cwd()): string => path.join(dir, ".effect-durable", "service.db")

const migrations = Migrator.fromRecord({
  "0001_create_tables": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`
    yield* sql`CREATE TABLE IF NOT EXISTS executions (
      arn TEXT PRIMARY KEY,
      serial INTEGER NOT NULL UNIQUE,
      function_name TEXT NOT NULL,
      execution_name TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      state TEXT NOT NULL
    )`
    yield* sql`CREATE INDEX IF NOT EXISTS executions_by_function ON executions (function_name, started_at)`
    yield* sql`CREATE TABLE IF NOT EXISTS operations (
      arn TEXT NOT NULL,
      id TEXT NOT NULL,
      position INTEGER NOT NULL,
      json TEXT NOT NULL,
      PRIMARY KEY (arn, id)
    ) WITHOUT ROWID`
    yield* sql`CREATE TABLE IF NOT EXISTS timers (
      arn TEXT NOT NULL,
      operation_id TEXT NOT NULL,
      json TEXT NOT NULL,
      PRIMARY KEY (arn, operation_id)
    ) WITHOUT ROWID`
    yield* sql`CREATE TABLE IF NOT EXISTS events (
      arn TEXT NOT NULL,
      seq INTEGER NOT NULL,
      json TEXT NOT NULL,
      PRIMARY KEY (arn, seq)
    ) WITHOUT ROWID`
  })
})

const storeError = (what: string) => (cause: unknown) =>
  new StoreError({
    message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The database file (its folder is created); `:memory:` for a throwaway database. */
  readonly filename: string
  /** `NORMAL` (the default: durable against crashes of the process) or `FULL` (also against power loss). */
  readonly synchronous?: "NORMAL" | "FULL" | undefined
  /** Open an existing database read-only, without migrating it. */
  readonly readonly?: boolean | undefined
}

const make = (options: Options) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    if (options.readonly !== true) {
      yield* Migrator.make({})({ loader: migrations, table: "effect_durable_migrations" })
    }

    const load = Effect.gen(function*() {
      const meta = yield* sql<{ value: string }>`SELECT value FROM meta WHERE key = 'serial'`
      const executions = yield* sql<{
        arn: string
        serial: number
        function_name: string
        execution_name: string
        status: string
        started_at: number
        state: string
      }>`SELECT * FROM executions ORDER BY serial`
      const operations = yield* sql<OperationRow>`SELECT arn, id, position, json FROM operations ORDER BY arn, position`
      const timers = yield* sql<{ arn: string; operation_id: string; json: string }>`SELECT * FROM timers`
      const events = yield* sql<EventRow>`SELECT arn, seq, json FROM events ORDER BY arn, seq`
      return {
        serial: meta.length === 0 ? 0 : Number(meta[0]!.value),
        executions: executions.map((row) => ({
          arn: row.arn,
          serial: row.serial,
          functionName: row.function_name,
          executionName: row.execution_name,
          status: row.status,
          startedAt: row.started_at,
          state: row.state
        })),
        operations,
        timers: timers.map((row) => ({ arn: row.arn, operationId: row.operation_id, json: row.json })),
        events
      } satisfies Snapshot
    }).pipe(Effect.mapError(storeError("Could not read the local service's database")), Effect.withSpan("SqliteStore.load"))

    const commit = (changes: Changes) =>
      Effect.gen(function*() {
        if (changes.serial !== undefined) {
          yield* sql`INSERT INTO meta (key, value) VALUES ('serial', ${String(changes.serial)})
            ON CONFLICT (key) DO UPDATE SET value = excluded.value`
        }
        for (const e of changes.executions) {
          yield* sql`INSERT INTO executions (arn, serial, function_name, execution_name, status, started_at, state)
            VALUES (${e.arn}, ${e.serial}, ${e.functionName}, ${e.executionName}, ${e.status}, ${e.startedAt}, ${e.state})
            ON CONFLICT (arn) DO UPDATE SET status = excluded.status, state = excluded.state`
        }
        for (const o of changes.operations) {
          yield* sql`INSERT INTO operations (arn, id, position, json) VALUES (${o.arn}, ${o.id}, ${o.position}, ${o.json})
            ON CONFLICT (arn, id) DO UPDATE SET json = excluded.json`
        }
        for (const t of changes.timers) {
          yield* sql`INSERT INTO timers (arn, operation_id, json) VALUES (${t.arn}, ${t.operationId}, ${t.json})
            ON CONFLICT (arn, operation_id) DO UPDATE SET json = excluded.json`
        }
        for (const ev of changes.events) {
          yield* sql`INSERT INTO events (arn, seq, json) VALUES (${ev.arn}, ${ev.seq}, ${ev.json})`
        }
      }).pipe(
        sql.withTransaction,
        Effect.mapError(storeError("Could not write to the local service's database")),
        Effect.withSpan("SqliteStore.commit")
      )

    return EmulatorStore.of({ readonly: options.readonly === true, load, commit })
  })

/**
 * Opens (and creates, and migrates) the SQLite database for the layer's
 * lifetime.
 *
 * @example
 * ```ts
 * SqliteStore.layer({ filename: SqliteStore.defaultFilename() })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<EmulatorStore | SqliteStore, StoreError> =>
  Layer.effect(
    EmulatorStore,
    Effect.gen(function*() {
      if (options.filename !== ":memory:") {
        if (options.readonly === true && !fs.existsSync(options.filename)) {
          return yield* new StoreError({ message: `No local service database at ${options.filename}` })
        }
        yield* Effect.try({
          try: () => fs.mkdirSync(path.dirname(options.filename), { recursive: true }),
          catch: storeError(`Could not create the folder of ${options.filename}`)
        })
      }
      const client = yield* Sqlite.make(options).pipe(Effect.mapError(storeError(`Could not open ${options.filename}`)))
      return yield* make(options).pipe(
        Effect.provideService(SqlClient.SqlClient, client),
        Effect.mapError(storeError(`Could not prepare ${options.filename}`))
      )
    })
  ).pipe(
    Layer.provide(Reactivity.layer),
    Layer.merge(Layer.succeed(SqliteStore, SqliteStore.of({ filename: options.filename })))
  )
