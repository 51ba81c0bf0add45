/**
 * The load test of issue 7: 5,000 concurrent executions of a few steps and a
 * 2-second wait, on one in-memory emulator, on the real clock, each driven by
 * `LocalRunner.run` (invoke, checkpoint, answer, re-invoke when the service
 * would). Under this load the event loop is busy enough for every race of the
 * protocol to happen: a wait that ends between an invocation's last checkpoint
 * and its answer, a suspension decided on stale state. Pass: 0 failures.
 *
 * `npm run bench:load` builds `bench/` and runs it 3 times in a row, each run
 * in a fresh process (so that its peak RSS is its own), then prints a table
 * and writes it with the raw figures to `bench/results/load.md` and
 * `load.json`. `LOAD_EXECUTIONS` and `LOAD_RUNS` change the size and the
 * number of runs. Not part of `npm test`.
 */
import { Durable } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Exit, Schema } from "effect"
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const executions = Number(process.env.LOAD_EXECUTIONS ?? 5000)
const runs = Number(process.env.LOAD_RUNS ?? 3)

/** A few steps and a 2-second wait. */
const Paced = Durable.workflow(
  { name: "paced", input: Schema.Number, output: Schema.Number },
  (n) =>
    Effect.gen(function*() {
      const a = yield* Durable.step("a", Effect.succeed(n), { success: Schema.Number })
      const b = yield* Durable.step("b", Effect.succeed(a + 1), { success: Schema.Number })
      yield* Durable.wait("pause", "2 seconds")
      return yield* Durable.step("c", Effect.succeed(b + 1), { success: Schema.Number })
    })
)

interface Measurement {
  readonly executions: number
  readonly failures: number
  readonly reasons: Record<string, number>
  readonly invocations: number
  readonly failedInvocations: number
  readonly wallMs: number
  readonly peakRssMB: number
  readonly peakHeapMB: number
}

/** One run: every execution at once, on one emulator. */
const once = Effect.gen(function*() {
  let peakHeap = 0
  const sampler = setInterval(() => peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed), 50)
  const started = performance.now()
  const exits = yield* Effect.forEach(
    Array.from({ length: executions }, (_, i) => i),
    // The eager policy suspends at once on the wait: every execution ends its first invocation with PENDING
    // and is invoked again, so that the answer races the wait's end under load.
    (i) => Effect.exit(LocalRunner.run(Paced, i, { policy: "eager" })),
    { concurrency: "unbounded" }
  )
  const wallMs = performance.now() - started
  clearInterval(sampler)
  const reasons: Record<string, number> = {}
  let failures = 0
  let invocations = 0
  let failedInvocations = 0
  for (const [i, exit] of exits.entries()) {
    const reason = Exit.isFailure(exit)
      ? String(exit.cause).split("\n")[0]!.slice(0, 160)
      : exit.value.status !== "SUCCEEDED"
      ? `FAILED: ${exit.value.error.ErrorType}`
      : exit.value.output !== i + 2
      ? "wrong output"
      : undefined
    if (Exit.isSuccess(exit)) {
      invocations += exit.value.invocations.length
      failedInvocations += exit.value.invocations.filter((x) => x.outcome !== "SUCCEEDED" && x.outcome !== "PENDING")
        .length
    }
    if (reason !== undefined) {
      failures++
      reasons[reason] = (reasons[reason] ?? 0) + 1
    }
  }
  return {
    executions,
    failures,
    reasons,
    invocations,
    failedInvocations,
    wallMs: Math.round(wallMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapMB: Math.round(peakHeap / 1024 / 1024)
  } satisfies Measurement
}).pipe(Effect.provide(Emulator.Emulator.layer))

const here = path.dirname(fileURLToPath(import.meta.url))

if (process.argv[2] === "--child") {
  const measurement = await Effect.runPromise(once)
  process.stdout.write(JSON.stringify(measurement) + "\n")
} else {
  const measurements: Array<Measurement> = []
  for (let run = 1; run <= runs; run++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child"], {
      encoding: "utf8",
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024
    })
    if (child.status !== 0) throw new Error(`run ${run} failed: ${child.stderr}`)
    const measurement = JSON.parse(child.stdout.trim().split("\n").pop()!) as Measurement
    measurements.push(measurement)
    process.stdout.write(`run ${run}: ${JSON.stringify(measurement)}\n`)
  }
  const [load1, load5] = os.loadavg()
  const table = [
    `Load test: ${executions} concurrent executions (3 steps and a 2 s wait each, eager policy: each suspends on ` +
    "its wait and is invoked again), one emulator, real clock.",
    `Node ${process.version}, ${os.cpus().length} cores, load average ${load1!.toFixed(1)} / ${load5!.toFixed(1)} (1 / 5 min).`,
    "",
    "| run | failures | invocations (failed) | wall s | peak RSS MB | peak heap MB |",
    "|---|---|---|---|---|---|",
    ...measurements.map((m, i) =>
      `| ${i + 1} | ${m.failures}${m.failures === 0 ? "" : ` (${JSON.stringify(m.reasons)})`} | ${m.invocations} (${m.failedInvocations}) | ${
        (m.wallMs / 1000).toFixed(1)
      } | ${m.peakRssMB} | ${m.peakHeapMB} |`
    )
  ].join("\n")
  process.stdout.write(`\n${table}\n`)
  mkdirSync(path.join(here, "..", "results"), { recursive: true })
  writeFileSync(path.join(here, "..", "results", "load.md"), table + "\n")
  writeFileSync(path.join(here, "..", "results", "load.json"), JSON.stringify(measurements, null, 2) + "\n")
  if (measurements.some((m) => m.failures > 0)) process.exitCode = 1
}
