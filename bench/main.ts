/**
 * The hot-path benchmark: every scenario for both SDKs, several times, each
 * measurement in a fresh process (`run.ts`), configurations taking turns so
 * that drift on a shared machine hits both SDKs alike. Prints Markdown tables
 * (median, with min–max, and the ratio official / effect-durable: above 1,
 * effect-durable is ahead) and writes them, with the raw measurements, to
 * `bench/results/`.
 *
 * `npm run bench` (builds first). `BENCH_QUICK=1` runs one repetition of each;
 * `BENCH_ONLY=replay,chain` runs only the named tables (chain, chain-steady,
 * replay, concurrent, map, wait).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { median } from "./stats.ts"
import type { Config } from "./run.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const quick = process.env.BENCH_QUICK === "1"
const only = process.env.BENCH_ONLY?.split(",")

type Measurement = Config & Record<string, number | string | boolean | ReadonlyArray<number> | undefined>

const measure = (config: Config): Measurement => {
  const child = spawnSync(process.execPath, ["--expose-gc", path.join(here, "run.js"), JSON.stringify(config)], {
    encoding: "utf8",
    timeout: 600_000
  })
  if (child.status !== 0) throw new Error(`run failed for ${JSON.stringify(config)}: ${child.stderr}`)
  const line = child.stdout.trim().split("\n").pop()!
  return JSON.parse(line) as Measurement
}

const fmt = (x: number) =>
  Number.isInteger(x) || Math.abs(x) >= 100
    ? x.toFixed(0)
    : Math.abs(x) >= 10
    ? x.toFixed(1)
    : Math.abs(x) >= 1
    ? x.toFixed(2)
    : x.toFixed(3)

const values = (runs: ReadonlyArray<Measurement>, key: string) => runs.map((r) => r[key] as number)

/** "median (min–max)" of one metric over the repetitions. */
const stat = (runs: ReadonlyArray<Measurement>, key: string) => {
  const xs = values(runs, key)
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)]
  return xs.length === 1 || lo === hi ? fmt(median(xs)) : `${fmt(median(xs))} (${fmt(lo)}–${fmt(hi)})`
}

/** Official / ours, of the medians: above 1, effect-durable is ahead (less time, CPU or memory). */
const ratio = (ours: ReadonlyArray<Measurement>, theirs: ReadonlyArray<Measurement>, key: string) => {
  const x = median(values(theirs, key)) / median(values(ours, key))
  return `**${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×**`
}

/** A table of configurations, each measured for both SDKs and shown side by side. */
interface Table {
  readonly id: string
  readonly title: string
  readonly note: string
  readonly reps: number
  readonly rows: ReadonlyArray<{ readonly label: ReadonlyArray<string>; readonly config: Omit<Config, "sdk"> }>
  readonly labels: ReadonlyArray<string>
  /** Metrics compared with a ratio; others are shown for each SDK. */
  readonly metrics: ReadonlyArray<{ readonly header: string; readonly key: string; readonly ratio: boolean }>
}

const chainRows = (semantics: "AtLeastOncePerRetry" | "AtMostOncePerRetry") =>
  ([[1000, 0], [10_000, 0], [300, 5], [300, 29]] as const).map(([n, latency]) => ({
    label: [semantics === "AtMostOncePerRetry" ? "AtMostOnce" : "AtLeastOnce", String(n), `${latency} ms`],
    config: { scenario: "chain", n, latency, semantics } as const
  }))

const tables: ReadonlyArray<Table> = [
  {
    id: "chain",
    title: "Sequential steps in one invocation (chains)",
    note: "`calls/step`: checkpoint calls per step; each is one round trip (one call in flight at a time). " +
      "`SDK CPU`: the process's CPU time minus its CPU time during the service's (transport) work, per step. " +
      "`background ms`: the CPU time of V8's own threads (TurboFan re-optimizing after the forced GC, GC " +
      "helpers) over the measured run; the part of it that ran during the service's calls is not in `SDK CPU`. Runs of at most 2,000 " +
      "steps without latency are repeated five times in their process, the median one reported (here and below).",
    reps: 3,
    rows: [...chainRows("AtLeastOncePerRetry"), ...chainRows("AtMostOncePerRetry")],
    labels: ["semantics", "N", "round trip"],
    metrics: [
      { header: "calls/step", key: "callsPerStep", ratio: true },
      { header: "wall ms", key: "wallMs", ratio: true },
      { header: "SDK CPU ms/step", key: "sdkCpuMsPerStep", ratio: true },
      { header: "background ms", key: "backgroundCpuMs", ratio: true }
    ]
  },
  {
    id: "chain-steady",
    title: "Variant: sequential AtLeastOnce steps without the forced GC before each measured run (steady state)",
    note: "Reported beside the table above, not instead of it: the same runs without the `gc()` that `run.ts` " +
      "forces before each measured run (config `forcedGc: false`). That full GC drops the hidden classes and " +
      "optimized code that no live object holds, which the measured run then rebuilds (background compilation " +
      "counts in the process's CPU); a warm Lambda container meets one between invocations only now and then. " +
      "In the latency rows each process also runs the workflow twice at the row's round trip before measuring " +
      "(a warm container has served invocations whose calls took that long), then reports the median of three " +
      "measured runs (`run.ts`'s `latencyWarmUp`). " +
      "Heap figures mean nothing here (no baseline), so none are shown.",
    reps: 3,
    rows: ([[1000, 0], [300, 5], [300, 29]] as const).map(([n, latency]) => ({
      label: [String(n), `${latency} ms`],
      config: { scenario: "chain", n, latency, semantics: "AtLeastOncePerRetry", forcedGc: false } as const
    })),
    labels: ["N", "round trip"],
    metrics: [
      { header: "calls/step", key: "callsPerStep", ratio: true },
      { header: "SDK CPU ms/step", key: "sdkCpuMsPerStep", ratio: true },
      { header: "background ms", key: "backgroundCpuMs", ratio: true }
    ]
  },
  {
    id: "replay",
    title: "Replay: N completed steps re-invoked, until the first new operation is checkpointed",
    note: "`CPU µs/op`: the process's CPU time from the handler's call to the first new checkpoint, minus the " +
      "service's work (the state's pages), per replayed operation; each process replays five executions in a row " +
      "and reports the median one. `heap peak KB/op`: peak heap during the invocation above the heap after a " +
      "forced GC just before it (garbage included, so it depends on when V8 collects), per operation. " +
      "`live peak KB/op`: the same peak in a sixth, untimed replay whose every heap sample follows a full GC " +
      "(garbage excluded: the most the invocation holds live while it replays). " +
      "`retained KB/op`: the heap after a GC forced when the first new operation is checkpointed, above the same " +
      "baseline, per operation: what the SDK holds for the replayed history. " +
      "`allocated KB/op`: everything the invocation allocated, garbage included, wherever the collections fell " +
      "(the heap's growth over the invocation plus what each collection inside it freed, from `v8.GCProfiler`), " +
      "per operation; the state's pages, which the bench's transport copies for both SDKs, count in it.",
    reps: 5,
    rows: [1000, 10_000].map((n) => ({ label: [String(n)], config: { scenario: "replay", n, latency: 0 } as const })),
    labels: ["N"],
    metrics: [
      { header: "CPU µs/op", key: "replayCpuUsPerOp", ratio: true },
      { header: "wall µs/op", key: "replayUsPerOp", ratio: true },
      { header: "heap peak KB/op", key: "heapKBPerOp", ratio: true },
      { header: "live peak KB/op", key: "liveKBPerOp", ratio: true },
      { header: "retained KB/op", key: "retainedKBPerOp", ratio: true },
      { header: "allocated KB/op", key: "allocatedKBPerOp", ratio: true }
    ]
  },
  {
    id: "concurrent",
    title: "Concurrent steps in one invocation (Effect.all unbounded vs Promise.all)",
    note: "",
    reps: 5,
    rows: [500, 2000].map((n) => ({ label: [String(n)], config: { scenario: "concurrent", n, latency: 0 } as const })),
    labels: ["N"],
    metrics: [
      { header: "calls", key: "calls", ratio: false },
      { header: "wall ms", key: "wallMs", ratio: true },
      { header: "SDK CPU ms/step", key: "sdkCpuMsPerStep", ratio: true },
      { header: "background ms", key: "backgroundCpuMs", ratio: true },
      { header: "heap peak MB", key: "heapPeakMB", ratio: true }
    ]
  },
  {
    id: "map",
    title: "map over N items, maxConcurrency 50, one step per item, in one invocation",
    note: "",
    reps: 3,
    rows: [{ label: ["10000"], config: { scenario: "map", n: 10_000, latency: 0 } as const }],
    labels: ["N"],
    metrics: [
      { header: "calls", key: "calls", ratio: false },
      { header: "wall ms", key: "wallMs", ratio: true },
      { header: "SDK CPU ms/item", key: "sdkCpuMsPerStep", ratio: true },
      { header: "background ms", key: "backgroundCpuMs", ratio: true },
      { header: "heap peak MB", key: "heapPeakMB", ratio: true }
    ]
  }
]

const started = Date.now()
const loadAtStart = os.loadavg()
const lines: Array<string> = [
  `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${
    Math.round(os.totalmem() / 1024 ** 3)
  } GB; Node ${process.version}; ${os.platform()} ${os.release()}.`,
  ""
]
const raw: Array<Measurement> = []

for (const table of tables.filter((t) => only === undefined || only.includes(t.id))) {
  const reps = quick ? 1 : table.reps
  lines.push(`### ${table.title}`, "", `${reps} runs each, median (min–max); ratio = official / effect-durable.`)
  if (table.note !== "") lines.push("", table.note)
  lines.push("")
  const headers = table.metrics.flatMap((m) =>
    m.ratio ? [`${m.header} ours`, `${m.header} official`, "ratio"] : [`${m.header} ours`, `${m.header} official`]
  )
  lines.push(`| ${[...table.labels, ...headers].join(" | ")} |`)
  lines.push(`|${"---|".repeat(table.labels.length + headers.length)}`)
  const configs = table.rows.flatMap((row) =>
    (["ours", "theirs"] as const).map((sdk) => ({ ...row.config, sdk }) as Config)
  )
  const runs = configs.map((): Array<Measurement> => [])
  for (let i = 0; i < reps; i++) configs.forEach((config, j) => runs[j]!.push(measure(config)))
  for (const [j, row] of table.rows.entries()) {
    const ours = runs[2 * j]!
    const theirs = runs[2 * j + 1]!
    raw.push(...ours, ...theirs)
    const cells = table.metrics.flatMap((m) =>
      m.ratio ? [stat(ours, m.key), stat(theirs, m.key), ratio(ours, theirs, m.key)] : [
        stat(ours, m.key),
        stat(theirs, m.key)
      ]
    )
    const line = `| ${[...row.label, ...cells].join(" | ")} |`
    lines.push(line)
    process.stderr.write(`${line}\n`)
  }
  lines.push("")
}
// A suspension's cost: one table of its own (three variants, no pairing).
if (only === undefined || only.includes("wait")) {
  const reps = quick ? 1 : 3
  const variants = [["ours", "effect-durable"], ["ours-eager", "effect-durable, eager policy"], ["theirs", "official"]] as const
  lines.push("### A 3 s wait that suspends and resumes (step, wait, step)", "", `${reps} runs each, median (min–max).`, "")
  lines.push("| SDK | invocations | outcomes | ms per invocation | billed ms (sum) | end to end ms | checkpoint calls |")
  lines.push("|---|---|---|---|---|---|---|")
  const runs = variants.map((): Array<Measurement> => [])
  for (let i = 0; i < reps; i++) {
    variants.forEach(([sdk], j) => runs[j]!.push(measure({ scenario: "wait", sdk, n: 3, latency: 0 })))
  }
  for (const [j, [, label]] of variants.entries()) {
    const r = runs[j]!
    raw.push(...r)
    const perInvocation = (r[0]!.invocationMs as ReadonlyArray<number>).map((_, i) =>
      stat(r.map((m) => ({ ...m, x: (m.invocationMs as ReadonlyArray<number>)[i]! })), "x")
    ).join(" + ")
    const line = `| ${label} | ${stat(r, "invocations")} | ${String(r[0]!.outcomes)} | ${perInvocation} | ${
      stat(r, "billedMs")
    } | ${stat(r, "totalMs")} | ${stat(r, "calls")} |`
    lines.push(line)
    process.stderr.write(`${line}\n`)
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
const name = only === undefined ? "latest" : `latest-${only.join("-")}`
writeFileSync(path.join(out, `${name}.md`), lines.join("\n") + "\n")
writeFileSync(path.join(out, `${name}.json`), JSON.stringify(raw, null, 1) + "\n")
process.stdout.write(lines.join("\n") + "\n")
