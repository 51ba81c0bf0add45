/**
 * The benchmark: every scenario for both SDKs, several times, each
 * measurement in a fresh process (`run.ts`). Prints Markdown tables (median,
 * with min–max) and writes them, with the raw measurements, to `bench/results/`.
 *
 * `npm run bench` (builds first). `BENCH_QUICK=1` runs one repetition of each.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Config } from "./run.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const quick = process.env.BENCH_QUICK === "1"

type Measurement = Config & Record<string, number | string | ReadonlyArray<number>>

const measure = (config: Config): Measurement => {
  const child = spawnSync(process.execPath, ["--expose-gc", path.join(here, "run.js"), JSON.stringify(config)], {
    encoding: "utf8",
    timeout: 120_000
  })
  if (child.status !== 0) throw new Error(`run failed for ${JSON.stringify(config)}: ${child.stderr}`)
  const line = child.stdout.trim().split("\n").pop()!
  return JSON.parse(line) as Measurement
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const fmt = (x: number) =>
  Number.isInteger(x) || x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)

const med = (runs: ReadonlyArray<Measurement>, key: string) => fmt(median(runs.map((r) => r[key] as number)))

/** "median (min–max)" of one metric over the repetitions. */
const stat = (runs: ReadonlyArray<Measurement>, key: string) => {
  const xs = runs.map((r) => r[key] as number)
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)]
  return xs.length === 1 || lo === hi ? fmt(median(xs)) : `${fmt(median(xs))} (${fmt(lo)}–${fmt(hi)})`
}

interface Table {
  readonly title: string
  readonly configs: ReadonlyArray<Config>
  readonly reps: number
  readonly columns: ReadonlyArray<
    readonly [header: string, render: (runs: ReadonlyArray<Measurement>, config: Config) => string]
  >
}

const sdks = ["ours", "theirs"] as const
const label = (sdk: Config["sdk"]) =>
  sdk === "ours"
    ? "effect-durable"
    : sdk === "ours-eager"
    ? "effect-durable, eager policy"
    : sdk === "emulator"
    ? "no SDK (emulator alone)"
    : "official 2.4.0"

/** Every measurement so far, by configuration. */
const measured = new Map<string, ReadonlyArray<Measurement>>()
const keyOf = (config: Config) => JSON.stringify([config.scenario, config.sdk, config.n, config.latency])

/** CPU ms per step of an SDK, minus the median CPU of the emulator alone for the same steps. */
const sdkCpuPerStep = (runs: ReadonlyArray<Measurement>, config: Config) => {
  if (config.sdk === "emulator") return "–"
  const baseline = measured.get(keyOf({ ...config, sdk: "emulator" }))
  if (baseline === undefined) return "?"
  const emulatorCpu = median(baseline.map((r) => r.cpuMs as number))
  return stat(runs.map((r) => ({ ...r, x: ((r.cpuMs as number) - emulatorCpu) / r.n })), "x")
}

const tables: Array<Table> = [
  {
    title: "Sequential steps in one invocation",
    reps: 5,
    configs: [[1000, 0], [3000, 0], [300, 5]].flatMap(([n, latency]) =>
      (["emulator", ...sdks] as const).map((sdk) => ({ scenario: "sequential", sdk, n, latency }) as Config)
    ),
    columns: [
      ["wall ms", (runs) => stat(runs, "wallMs")],
      ["ms/step", (runs) => stat(runs, "msPerStep")],
      ["CPU ms", (runs) => stat(runs, "cpuMs")],
      ["SDK CPU ms/step (CPU − emulator alone)", sdkCpuPerStep],
      ["checkpoint calls", (runs) => stat(runs, "calls")],
      ["heap peak / baseline MB", (runs) => `${med(runs, "heapPeakMB")} / ${med(runs, "heapBaselineMB")}`],
      ["RSS peak MB", (runs) => stat(runs, "rssPeakMB")]
    ]
  },
  {
    title: "Replay: N completed steps re-invoked, time until the first new operation is checkpointed",
    reps: 5,
    configs: [1000, 3000].flatMap((n) => sdks.map((sdk) => ({ scenario: "replay", sdk, n, latency: 0 }) as Config)),
    columns: [
      ["replay ms", (runs) => stat(runs, "replayMs")],
      ["µs/replayed op", (runs) => stat(runs, "replayUsPerOp")],
      ["invocation ms", (runs) => stat(runs, "wallMs")],
      ["invocation CPU ms", (runs) => stat(runs, "cpuMs")],
      ["heap peak / baseline MB", (runs) => `${med(runs, "heapPeakMB")} / ${med(runs, "heapBaselineMB")}`]
    ]
  },
  {
    title: "A 3 s wait that suspends and resumes (step, wait, step)",
    reps: 3,
    configs: (["ours", "ours-eager", "theirs"] as const).map((sdk) =>
      ({ scenario: "wait", sdk, n: 3, latency: 0 }) as Config
    ),
    columns: [
      ["invocations", (runs) => stat(runs, "invocations")],
      ["outcomes", (runs) => String(runs[0]!.outcomes)],
      [
        "ms per invocation",
        (runs) =>
          (runs[0]!.invocationMs as ReadonlyArray<number>).map((_, i) =>
            stat(runs.map((r) => ({ ...r, x: (r.invocationMs as ReadonlyArray<number>)[i]! })), "x")
          ).join(" + ")
      ],
      ["billed ms (sum)", (runs) => stat(runs, "billedMs")],
      ["end to end ms", (runs) => stat(runs, "totalMs")],
      ["checkpoint calls", (runs) => stat(runs, "calls")]
    ]
  },
  {
    title: "Concurrent steps in one invocation (Effect.all unbounded vs Promise.all)",
    reps: 5,
    configs: [500, 2000].flatMap((n) => sdks.map((sdk) => ({ scenario: "concurrent", sdk, n, latency: 0 }) as Config)),
    columns: [
      ["wall ms", (runs) => stat(runs, "wallMs")],
      ["ms/step", (runs) => stat(runs, "msPerStep")],
      ["CPU ms", (runs) => stat(runs, "cpuMs")],
      ["checkpoint calls", (runs) => stat(runs, "calls")],
      ["heap peak / baseline MB", (runs) => `${med(runs, "heapPeakMB")} / ${med(runs, "heapBaselineMB")}`],
      ["RSS peak MB", (runs) => stat(runs, "rssPeakMB")]
    ]
  }
]

tables.push({
  title: "map over N items, maxConcurrency 50, one step per item, in one invocation",
  reps: 3,
  configs: [10_000].flatMap((n) => sdks.map((sdk) => ({ scenario: "map", sdk, n, latency: 0 }) as Config)),
  columns: [
    ["wall ms", (runs) => stat(runs, "wallMs")],
    ["CPU ms", (runs) => stat(runs, "cpuMs")],
    ["checkpoint calls", (runs) => stat(runs, "calls")],
    ["heap peak / baseline MB", (runs) => `${med(runs, "heapPeakMB")} / ${med(runs, "heapBaselineMB")}`],
    ["RSS peak MB", (runs) => stat(runs, "rssPeakMB")]
  ]
})

const started = Date.now()
const loadAtStart = os.loadavg()
const lines: Array<string> = [
  `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${
    Math.round(os.totalmem() / 1024 ** 3)
  } GB; Node ${process.version}; ${os.platform()} ${os.release()}.`,
  ""
]
const raw: Array<Measurement> = []
for (const table of tables) {
  const reps = quick ? 1 : table.reps
  lines.push(`### ${table.title}`, "", `${reps} runs each, median (min–max).`, "")
  lines.push(`| SDK | N | latency | ${table.columns.map(([h]) => h).join(" | ")} |`)
  lines.push(`|${"---|".repeat(table.columns.length + 3)}`)
  // Each run is a process of its own; the configurations take turns, so that drift hits all of them alike.
  const runs = table.configs.map((): Array<Measurement> => [])
  for (let i = 0; i < reps; i++) table.configs.forEach((config, j) => runs[j]!.push(measure(config)))
  for (const [j, config] of table.configs.entries()) measured.set(keyOf(config), runs[j]!)
  for (const [j, config] of table.configs.entries()) {
    raw.push(...runs[j]!)
    const row = `| ${label(config.sdk)} | ${config.n} | ${config.latency} ms | ${
      table.columns.map(([, render]) => render(runs[j]!, config)).join(" | ")
    } |`
    lines.push(row)
    process.stderr.write(`${row}\n`)
  }
  lines.push("")
}
lines.push(
  `Total benchmark time: ${Math.round((Date.now() - started) / 1000)} s. Load average at the start: ${
    loadAtStart.map((l) => l.toFixed(2)).join(", ")
  }; at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}.`
)

const out = path.join(here, "..", "results")
mkdirSync(out, { recursive: true })
writeFileSync(path.join(out, "latest.md"), lines.join("\n") + "\n")
writeFileSync(path.join(out, "latest.json"), JSON.stringify(raw, null, 1) + "\n")
process.stdout.write(lines.join("\n") + "\n")
