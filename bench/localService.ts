/**
 * The local durable service under load: 1,000 concurrent executions of a
 * small workflow (a step, a 1-second wait, a step: two invocations each)
 * started through the Lambda API over HTTP with the real `LambdaClient`, on
 * the SQLite store and in memory. It checks that all complete and none is
 * lost (for SQLite, also in the database after the service stopped), and
 * reports the wall time, the throughput and the peak memory of the process.
 *
 * Run it alone: `npm run bench:local` (it is not part of `npm test`).
 * `EXECUTIONS` (default 1000), `STORE` (`memory`, `sqlite`, or both), `POLICY`
 * (a termination policy name; default: the SDK's), `PROGRESS=1` (progress on
 * stderr, and after 30 s without progress the state of a stuck execution).
 */
import { GetDurableExecutionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { Durable } from "@effect-durable/core"
import { DevService, SqliteStore } from "@effect-durable/local"
import { Emulator, EmulatorStore, LocalService } from "@effect-durable/testing"
import { Effect, Layer, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const Small = Durable.workflow(
  { name: "small", input: Schema.Number, output: Schema.Number },
  (n) =>
    Effect.gen(function*() {
      const doubled = yield* Durable.step("double", Effect.succeed(n * 2))
      yield* Durable.wait("breathe", "1 second")
      return yield* Durable.step("add-one", Effect.succeed(doubled + 1))
    })
)

const count = Number(process.env["EXECUTIONS"] ?? 1000)

const measure = <E>(label: string, emulator: Layer.Layer<Emulator.Emulator, E>) =>
  Effect.gen(function*() {
    let peak = process.memoryUsage().rss
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 20)
    const result = yield* Effect.gen(function*() {
      const { url } = yield* DevService.DevService
      const lambda = new LambdaClient({
        endpoint: url,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
        maxAttempts: 5
      })
      const started = Date.now()
      const arns = yield* Effect.forEach(
        Array.from({ length: count }, (_, i) => i),
        (i) =>
          Effect.promise(() =>
            lambda.send(new InvokeCommand({
              FunctionName: "small",
              InvocationType: "Event",
              DurableExecutionName: `bench-${i}`,
              Payload: new TextEncoder().encode(String(i))
            }))
          ).pipe(Effect.map((r) => r.DurableExecutionArn!)),
        { concurrency: 100 }
      )
      const accepted = Date.now()
      // wait for every execution to end, through the API
      const outcomes = new Map<string, string>()
      let progressAt = Date.now()
      let progressed = 0
      while (outcomes.size < arns.length) {
        yield* Effect.forEach(arns.filter((arn) => !outcomes.has(arn)), (arn) =>
          Effect.promise(() => lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }))).pipe(
            Effect.map((e) => {
              if (e.Status !== "RUNNING") outcomes.set(arn, `${e.Status} ${e.Result}`)
            })
          ), { concurrency: 50 })
        if (outcomes.size < arns.length) {
          if (process.env["PROGRESS"] !== undefined) {
            const pending = arns.filter((arn) => !outcomes.has(arn))
            process.stderr.write(`${label}: ${outcomes.size}/${arns.length} ended after ${((Date.now() - started) / 1000).toFixed(1)} s; e.g. ${pending[0]}\n`)
            if (outcomes.size > progressed) {
              progressed = outcomes.size
              progressAt = Date.now()
            }
            // nothing ended for 30 s: show what one of the stuck executions is doing, and give up
            if (Date.now() - progressAt > 30_000) {
              const emulator = yield* Emulator.Emulator
              const e = yield* Effect.orDie(emulator.execution(pending[0]!))
              process.stderr.write(JSON.stringify({ status: e.status, invocation: e.invocation, ops: e.operations.map((o) => [o.Name, o.Status]), history: e.history.map((h) => [h._tag, h.at - e.startTimestamp.getTime(), (h as any).output?.Status ?? (h as any).reason ?? (h as any).error ?? ""]) }, null, 0) + "\n")
              const local = yield* LocalService.LocalService
              process.stderr.write(JSON.stringify(yield* local.stalled) + "\n")
              process.exit(3)
            }
          }
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 200)))
        }
      }
      const ended = Date.now()
      lambda.destroy()
      const wrong = arns.filter((arn, i) => outcomes.get(arn) !== `SUCCEEDED ${i * 2 + 1}`)
      return { started, accepted, ended, wrong: wrong.length, distinct: new Set(arns).size }
    }).pipe(
      Effect.provide(DevService.layer({ functions: { small: Small }, port: 0, ...(process.env["POLICY"] === undefined ? {} : { policy: process.env["POLICY"] as "eager" }) }).pipe(Layer.provideMerge(emulator))),
      Effect.ensuring(Effect.sync(() => clearInterval(sampler)))
    )
    const seconds = (result.ended - result.started) / 1000
    return {
      store: label,
      executions: count,
      distinctArns: result.distinct,
      notSucceeded: result.wrong,
      startAllSeconds: (result.accepted - result.started) / 1000,
      totalSeconds: seconds,
      executionsPerSecond: Math.round(count / seconds),
      peakRssMiB: Math.round(peak / 1024 / 1024)
    }
  })

const program = Effect.gen(function*() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-bench-"))
  const filename = path.join(dir, "service.db")
  const which = process.env["STORE"] ?? "both"
  const results: Array<unknown> = []
  if (which !== "sqlite") results.push(yield* measure("memory", Emulator.Emulator.layer))
  if (which !== "memory") {
    results.push(yield* measure("sqlite", Emulator.Emulator.layerStore().pipe(Layer.provide(SqliteStore.layer({ filename })))))
    // none lost: the database holds every execution, SUCCEEDED
    const stored = yield* Effect.gen(function*() {
      return yield* (yield* EmulatorStore.EmulatorStore).load
    }).pipe(Effect.provide(SqliteStore.layer({ filename, readonly: true })))
    results.push({
      databaseExecutions: stored.executions.length,
      databaseSucceeded: stored.executions.filter((e) => e.status === "SUCCEEDED").length,
      databaseBytes: fs.statSync(filename).size + (fs.existsSync(`${filename}-wal`) ? fs.statSync(`${filename}-wal`).size : 0)
    })
  }
  fs.rmSync(dir, { recursive: true, force: true })
  console.log(JSON.stringify({ node: process.version, cpus: os.cpus().length, load: os.loadavg(), results }, null, 2))
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
