/**
 * The SQLite store on its own: what is committed is loaded back (also after
 * reopening the file), a failed commit keeps nothing, and a process killed
 * with SIGKILL in the middle of its commits leaves only whole transactions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { EmulatorStore } from "@effect-durable/testing"
import * as SqliteStore from "../src/SqliteStore.ts"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-store-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const execution = (arn: string, status = "RUNNING", state = "{}"): EmulatorStore.ExecutionRow => ({
  arn,
  serial: Number(arn.replace(/\D/g, "")),
  functionName: "orders",
  executionName: arn,
  status,
  startedAt: 1_700_000_000_000,
  state
})

const changes = (arn: string, n: number): EmulatorStore.Changes => ({
  serial: Number(arn.replace(/\D/g, "")),
  executions: [execution(arn, "RUNNING", JSON.stringify({ n }))],
  operations: [{ arn, id: `op-${n}`, position: n, json: JSON.stringify({ Id: `op-${n}` }) }],
  timers: [{ arn, operationId: `op-${n}`, json: "{\"timeoutAt\":1}" }],
  events: [{ arn, seq: n, json: JSON.stringify({ _tag: "Checkpointed", n }) }]
})

const withStore = <A, E>(filename: string, f: (store: EmulatorStore.EmulatorStore["Service"]) => Effect.Effect<A, E>, options: Partial<SqliteStore.Options> = {}) =>
  Effect.gen(function*() {
    return yield* f(yield* EmulatorStore.EmulatorStore)
  }).pipe(Effect.provide(SqliteStore.layer({ filename, ...options })))

describe("SqliteStore", () => {
  it.effect("loads back what was committed, in order, after reopening the file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "nested", "service.db")
      yield* withStore(filename, (store) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* store.load, { serial: 0, executions: [], operations: [], timers: [], events: [] })
          yield* store.commit(changes("arn-2", 0))
          yield* store.commit(changes("arn-1", 0))
          yield* store.commit(changes("arn-1", 1))
          // an execution row is replaced, not duplicated
          yield* store.commit({ executions: [execution("arn-1", "SUCCEEDED", "{\"done\":true}")], operations: [], timers: [], events: [] })
        }))
      const snapshot = yield* withStore(filename, (store) => store.load)
      assert.strictEqual(snapshot.serial, 1)
      assert.deepStrictEqual(snapshot.executions.map((e) => [e.arn, e.status, e.state]), [
        ["arn-1", "SUCCEEDED", "{\"done\":true}"],
        ["arn-2", "RUNNING", "{\"n\":0}"]
      ])
      assert.deepStrictEqual(snapshot.operations.map((o) => [o.arn, o.id, o.position]), [
        ["arn-1", "op-0", 0],
        ["arn-1", "op-1", 1],
        ["arn-2", "op-0", 0]
      ])
      assert.deepStrictEqual(snapshot.events.map((e) => [e.arn, e.seq]), [["arn-1", 0], ["arn-1", 1], ["arn-2", 0]])
      assert.strictEqual(snapshot.timers.length, 3)
      // the database is in WAL mode
      assert.isTrue(fs.existsSync(`${filename}-wal`) || fs.existsSync(filename))
    }).pipe(Effect.scoped))

  it.effect("a commit that fails keeps nothing of itself", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "service.db")
      const exit = yield* withStore(filename, (store) =>
        Effect.gen(function*() {
          yield* store.commit(changes("arn-1", 0))
          // the second event has the position of an existing one: the whole call is refused
          return yield* Effect.exit(store.commit({
            ...changes("arn-1", 1),
            events: [{ arn: "arn-1", seq: 1, json: "{}" }, { arn: "arn-1", seq: 0, json: "{}" }]
          }))
        }))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.match(String(exit.cause), /StoreError: Could not write to the local service's database/)
      const snapshot = yield* withStore(filename, (store) => store.load)
      assert.deepStrictEqual(snapshot.executions.map((e) => e.state), ["{\"n\":0}"])
      assert.deepStrictEqual(snapshot.events.map((e) => e.seq), [0])
      assert.deepStrictEqual(snapshot.operations.map((o) => o.id), ["op-0"])
    }).pipe(Effect.scoped))

  it.effect("a missing database opened read-only is one clear error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const exit = yield* Effect.exit(withStore(path.join(dir, "none.db"), (store) => store.load, { readonly: true }))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.match(String(exit.cause), /No local service database at .*none\.db/)
    }).pipe(Effect.scoped))

  it.live("a process killed with SIGKILL while it commits leaves whole transactions only", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const filename = path.join(dir, "service.db")
      const script = fileURLToPath(new URL("./fixtures/commit-forever.mjs", import.meta.url))
      const child = spawn(process.execPath, [script, filename], { stdio: ["ignore", "pipe", "inherit"] })
      yield* Effect.promise(() =>
        new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()))
      )
      yield* Effect.sleep("150 millis")
      child.kill("SIGKILL")
      yield* Effect.promise(() => new Promise((resolve) => child.once("exit", resolve)))

      const snapshot = yield* withStore(filename, (store) => store.load)
      assert.isAbove(snapshot.serial, 200)
      // each execution says how many events its transactions wrote: exactly as many are there
      let total = 0
      for (const row of snapshot.executions) {
        const events = snapshot.events.filter((e) => e.arn === row.arn)
        const operations = snapshot.operations.filter((o) => o.arn === row.arn)
        const expected = (JSON.parse(row.state) as { events: number }).events
        assert.strictEqual(events.length, expected, row.arn)
        assert.strictEqual(operations.length, expected, row.arn)
        assert.deepStrictEqual(events.map((e) => e.seq), Array.from({ length: expected }, (_, i) => i))
        total += expected
      }
      assert.strictEqual(total, snapshot.serial)
    }).pipe(Effect.scoped), 60_000)
})
