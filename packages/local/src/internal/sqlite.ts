/**
 * An `effect/sql` `SqlClient` over better-sqlite3 12 (synchronous, works on
 * Node 20; `node:sqlite`, which the v4 sqlite driver uses, needs Node 22.5).
 *
 * One connection per database, shared by every query; a semaphore lets one
 * transaction hold it at a time. Statements are prepared once per SQL text and
 * cached. The database is opened in WAL mode: a commit is durable against a
 * crash of the process (kill -9) once it returns; with `synchronous: "FULL"`
 * also against a power loss, at the cost of an fsync per commit.
 *
 * @internal
 */
import Database from "better-sqlite3"
import { Effect, Scope, Semaphore, Stream } from "effect"
import type { Reactivity } from "effect/reactivity"
import { SqlClient, type SqlConnection, SqlError, Statement } from "effect/sql"

/** @internal */
export interface Options {
  /** A file path, or `:memory:`. */
  readonly filename: string
  /** `NORMAL` (the default in WAL mode: durable against process crashes) or `FULL` (also power loss). */
  readonly synchronous?: "NORMAL" | "FULL" | undefined
  /** Open read-only (the CLI's queries against a database a service may be using). */
  readonly readonly?: boolean | undefined
}

const wrap = <A>(operation: string, f: () => A): Effect.Effect<A, SqlError.SqlError> =>
  Effect.try({
    try: f,
    catch: (cause) =>
      new SqlError.SqlError({
        reason: SqlError.classifySqliteError(cause, { message: `Failed to ${operation}`, operation })
      })
  })

/**
 * Opens the database for the scope and builds the client.
 *
 * @internal
 */
export const make = (options: Options): Effect.Effect<SqlClient.SqlClient, SqlError.SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      wrap("open the database", () => new Database(options.filename, { readonly: options.readonly === true })),
      (db) => Effect.sync(() => db.close())
    )
    if (options.readonly !== true) {
      yield* wrap("configure the database", () => {
        db.pragma("journal_mode = WAL")
        db.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`)
      })
    }
    db.pragma("busy_timeout = 5000")

    const cache = new Map<string, Database.Statement>()
    const prepare = (sql: string): Database.Statement => {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        cache.set(sql, statement)
      }
      return statement
    }
    const run = (sql: string, params: ReadonlyArray<unknown>, raw: boolean) =>
      wrap("execute a statement", () => {
        const statement = prepare(sql)
        if (statement.reader) return statement.all(...params) as ReadonlyArray<any>
        const result = statement.run(...params)
        return raw ? (result as unknown as ReadonlyArray<any>) : []
      })
    const values = (sql: string, params: ReadonlyArray<unknown>) =>
      wrap("execute a statement", () => {
        const statement = prepare(sql)
        if (statement.reader) return statement.raw(true).all(...params) as ReadonlyArray<ReadonlyArray<unknown>>
        statement.run(...params)
        return []
      })
    const unprepared = (sql: string, params: ReadonlyArray<unknown>) =>
      wrap("execute a statement", () => {
        const statement = db.prepare(sql)
        if (statement.reader) return statement.all(...params) as ReadonlyArray<any>
        statement.run(...params)
        return []
      })

    const connection: SqlConnection.Connection = {
      execute: (sql, params, transform) =>
        transform === undefined ? run(sql, params, false) : Effect.map(run(sql, params, false), transform),
      executeRaw: (sql, params) => run(sql, params, true),
      executeValues: values,
      executeValuesUnprepared: values,
      executeUnprepared: (sql, params, transform) =>
        transform === undefined ? unprepared(sql, params) : Effect.map(unprepared(sql, params), transform),
      executeStream: () => Stream.die(new Error("Streaming queries are not supported by this SQLite client"))
    }

    const semaphore = yield* Semaphore.make(1)
    return yield* SqlClient.make({
      acquirer: semaphore.withPermits(1)(Effect.succeed(connection)),
      transactionAcquirer: Effect.gen(function*() {
        const scope = yield* Scope.Scope
        yield* semaphore.take(1)
        yield* Scope.addFinalizer(scope, semaphore.release(1))
        return connection
      }),
      compiler: Statement.makeCompilerSqlite(),
      driver: "better-sqlite3",
      beginTransaction: "BEGIN IMMEDIATE",
      isTransaction: () => db.inTransaction,
      spanAttributes: [["db.system.name", "sqlite"]]
    })
  })
