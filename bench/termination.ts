/**
 * The termination benchmark: the mix (`mixWorkloads.ts`) for the official SDK
 * and for each of our policies, alone and after a history of 1,000 completed
 * steps, several times, each run a process of its own (`mixRun.ts`). Prints
 * the tables (medians over the repetitions), checks the targets, and writes
 * `bench/results/termination.md`, the raw traces in `termination.json`, and
 * the plot `bench/termination.svg`.
 *
 * `npm run bench:termination` (builds first); `BENCH_QUICK=1` runs once,
 * `BENCH_REPS=n` n times (3 by default); `BENCH_HISTORIES=0,1000` (the
 * default) picks the histories, `BENCH_ONLY=0,3` the workloads, and
 * `BENCH_NAME=x` writes the results under another name.
 */
import * as CostModel from "@effect-durable/core/CostModel"
import { spawnSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Accounting from "./mixAccounting.ts"
import type { Config, WorkloadTrace } from "./mixRun.ts"
import * as Mix from "./mixWorkloads.ts"
import * as Plot from "./plot.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const reps = process.env.BENCH_QUICK === "1" ? 1 : Number(process.env.BENCH_REPS ?? 3)
const latency = 5
const timeoutMillis = 60_000
const memories = [128, 512, 1024] as const
const histories: ReadonlyArray<number> = (process.env.BENCH_HISTORIES ?? "0,1000").split(",").map(Number)
/** `BENCH_ONLY=0,3`: only these workloads (by index in the mix). */
const only = process.env.BENCH_ONLY?.split(",").map(Number)
const workloads = Mix.workloads.filter((_, i) => only === undefined || only.includes(i))
/** `BENCH_NAME=x`: results in `termination-x.md` / `.json`, and no plot (the plot is the default run's). */
const name = process.env.BENCH_NAME

/** A run of the mix: the official SDK, or one of our policies (`cost` at one memory size). */
interface Run {
  readonly key: string
  readonly label: string
  readonly config: Omit<Config, "history">
  /** The memory size its decisions were made for, if they depend on one. */
  readonly memoryMB?: number | undefined
}

const runs: ReadonlyArray<Run> = [
  { key: "official", label: "official 2.4.0", config: { sdk: "theirs", latency, timeoutMillis } },
  { key: "eager", label: "eager", config: { sdk: "ours", policy: "eager", latency, timeoutMillis } },
  { key: "latency", label: "latency", config: { sdk: "ours", policy: "latency", latency, timeoutMillis } },
  ...memories.map((memoryMB): Run => ({
    key: `cost-${memoryMB}`,
    label: `cost (${memoryMB === 1024 ? "1 GB" : `${memoryMB} MB`})`,
    memoryMB,
    config: { sdk: "ours", policy: "cost", memoryMB, latency, timeoutMillis }
  }))
]

const execute = (config: Config): ReadonlyArray<WorkloadTrace> => {
  const child = spawnSync(process.execPath, [path.join(here, "mixRun.js"), JSON.stringify(config)], {
    encoding: "utf8",
    timeout: 15 * 60_000,
    maxBuffer: 64 * 1024 * 1024
  })
  if (child.status !== 0) throw new Error(`run failed for ${JSON.stringify(config)}: ${child.stderr}`)
  return (JSON.parse(child.stdout.trim().split("\n").pop()!) as { traces: ReadonlyArray<WorkloadTrace> }).traces
}

// ---------------------------------------------------------------------------
// Measure
// ---------------------------------------------------------------------------

const started = Date.now()
const loadAtStart = os.loadavg()
/** traces[history][run][rep][workload] */
const traces = new Map<number, Map<string, Array<ReadonlyArray<WorkloadTrace>>>>()
for (let rep = 0; rep < reps; rep++) {
  for (const history of histories) {
    // Runs take turns within each repetition, so that the machine's drift hits all alike.
    for (const run of runs) {
      const byRun = traces.get(history) ?? new Map<string, Array<ReadonlyArray<WorkloadTrace>>>()
      traces.set(history, byRun)
      const list = byRun.get(run.key) ?? []
      byRun.set(run.key, list)
      const t0 = Date.now()
      list.push(execute({ ...run.config, history, rep, ...(only === undefined ? {} : { only }) }))
      process.stderr.write(`rep ${rep + 1}/${reps}, history ${history}, ${run.label}: ${Math.round((Date.now() - t0) / 1000)} s\n`)
    }
  }
}

// ---------------------------------------------------------------------------
// Account
// ---------------------------------------------------------------------------

const models = Object.fromEntries(memories.map((m) => [m, CostModel.make({ memoryMB: m })])) as Record<
  (typeof memories)[number],
  CostModel.CostModel
>
const perMillion = (usd: number) => usd * 1_000_000

interface Row {
  readonly invocations: number
  readonly billedMillis: number
  readonly idleMillis: number
  readonly completionMillis: number
  readonly polls: number
  /** By memory size: modeled cost, and the offline optimum of the same trace. */
  readonly cost: Record<number, number>
  readonly optimum: Record<number, number>
}

const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)

/** The start-up a re-invocation of this workload takes, for gaps a run stayed alive through. */
const referenceStartup = (history: number, run: Run, rep: number, workload: number): number => {
  const reference = traces.get(history)!.get(run.config.sdk === "theirs" ? "official" : "eager")![rep]!
  const own = Accounting.median(Accounting.measure(reference[workload]!).reinvocationStartups)
  return own ?? Accounting.median(reference.flatMap((t) => Accounting.measure(t).reinvocationStartups)) ?? 0
}

const rowOf = (history: number, run: Run, rep: number, workload: number): Row => {
  const measured = Accounting.measure(traces.get(history)!.get(run.key)![rep]![workload]!)
  const startup = referenceStartup(history, run, rep, workload)
  return {
    invocations: measured.invocations,
    billedMillis: sum(measured.billedMillis),
    idleMillis: measured.idleMillis,
    completionMillis: measured.completionMillis,
    polls: measured.polls,
    cost: Object.fromEntries(memories.map((m) => [m, Accounting.cost(measured, models[m])])),
    optimum: Object.fromEntries(memories.map((m) => [m, Accounting.optimum(measured, models[m], startup)]))
  }
}

const add = (a: Row, b: Row): Row => ({
  invocations: a.invocations + b.invocations,
  billedMillis: a.billedMillis + b.billedMillis,
  idleMillis: a.idleMillis + b.idleMillis,
  completionMillis: a.completionMillis + b.completionMillis,
  polls: a.polls + b.polls,
  cost: Object.fromEntries(memories.map((m) => [m, a.cost[m]! + b.cost[m]!])),
  optimum: Object.fromEntries(memories.map((m) => [m, a.optimum[m]! + b.optimum[m]!]))
})

/** The rows of every repetition: one per workload, then the total. */
const rowsOf = (history: number, run: Run): ReadonlyArray<ReadonlyArray<Row>> =>
  Array.from({ length: reps }, (_, rep) => {
    const rows = workloads.map((_, w) => rowOf(history, run, rep, w))
    return [...rows, rows.reduce(add)]
  })

/** The median of each figure over the repetitions (each figure on its own). */
const medianRow = (rows: ReadonlyArray<Row>): Row => {
  const med = (f: (row: Row) => number) => Accounting.median(rows.map(f))!
  return {
    invocations: med((r) => r.invocations),
    billedMillis: med((r) => r.billedMillis),
    idleMillis: med((r) => r.idleMillis),
    completionMillis: med((r) => r.completionMillis),
    polls: med((r) => r.polls),
    cost: Object.fromEntries(memories.map((m) => [m, med((r) => r.cost[m]!)])),
    optimum: Object.fromEntries(memories.map((m) => [m, med((r) => r.optimum[m]!)]))
  }
}

/** results[history][run] = median rows (workloads, then the total); ratios[history][run][w][m] = median ratio */
const results = new Map<number, Map<string, ReadonlyArray<Row>>>()
const ratios = new Map<number, Map<string, ReadonlyArray<Record<number, number>>>>()
for (const history of histories) {
  results.set(history, new Map())
  ratios.set(history, new Map())
  for (const run of runs) {
    const perRep = rowsOf(history, run)
    const columns = perRep[0]!.map((_, w) => perRep.map((rows) => rows[w]!))
    results.get(history)!.set(run.key, columns.map(medianRow))
    ratios.get(history)!.set(
      run.key,
      columns.map((rows) =>
        Object.fromEntries(memories.map((m) => [m, Accounting.median(rows.map((r) => r.cost[m]! / r.optimum[m]!))!]))
      )
    )
  }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const fmt = (x: number, digits = 0) => x.toFixed(digits)
const money = (usd: number) => perMillion(usd).toFixed(2)
const relevant = (run: Run, m: number) => run.memoryMB === undefined || run.memoryMB === m
const names = [...workloads.map((w) => w.name), "**total**"]

const lines: Array<string> = []
const say = (line = "") => lines.push(line)
say(`Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores; Node ${process.version}.`)
say(`${reps} repetitions; medians. Checkpoint latency ${latency} ms; function timeout ${timeoutMillis / 1000} s.`)
say("Costs in $ per million executions (x86_64 prices), modeled from the measured billed time; `× opt` is the")
say("cost divided by the offline optimum of the same trace. A `cost (M)` run decides for M and is priced at M only.")
say()
for (const history of histories) {
  say(`### ${history === 0 ? "Each workload alone" : `After a history of ${history} completed steps`}`)
  say()
  say(
    "| workload | run | invocations | billed ms | idle ms | completion s | polls | $ 128 MB | $ 512 MB | $ 1 GB | × opt 128 | × opt 512 | × opt 1 GB |"
  )
  say("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
  names.forEach((name, w) => {
    for (const run of runs) {
      const row = results.get(history)!.get(run.key)![w]!
      const ratio = ratios.get(history)!.get(run.key)![w]!
      const cells = [
        name,
        run.label,
        fmt(row.invocations),
        fmt(row.billedMillis),
        fmt(row.idleMillis),
        fmt(row.completionMillis / 1000, 1),
        fmt(row.polls),
        ...memories.map((m) => relevant(run, m) ? money(row.cost[m]!) : "·"),
        ...memories.map((m) => relevant(run, m) ? fmt(ratio[m]!, 2) : "·")
      ]
      say(`| ${cells.join(" | ")} |`)
    }
  })
  say()
  say("Offline optimum (median over the repetitions, $ per million executions, from the eager run's trace):")
  say()
  say("| workload | 128 MB | 512 MB | 1 GB |")
  say("|---|---|---|---|")
  names.forEach((name, w) => {
    const row = results.get(history)!.get("eager")![w]!
    say(`| ${name} | ${memories.map((m) => money(row.optimum[m]!)).join(" | ")} |`)
  })
  say()
}

// Wake-up lags: what completion times are made of, beyond the work and the waits themselves.
say("Wake-up lag: from a wake-up (a timer due, a callback answered) to the function at work again, in ms;")
say("the sum over the workload's wake-ups, median over the repetitions (wake-ups during busy work left out).")
say()
for (const history of histories) {
  say(`#### ${history === 0 ? "Each workload alone" : `After ${history} steps`}`)
  say()
  say(`| workload | wake-ups | ${runs.map((run) => run.label).join(" | ")} |`)
  say(`|---|---|${runs.map(() => "---").join("|")}|`)
  const lagsOf = (run: Run, w: number) =>
    traces.get(history)!.get(run.key)!.map((rep) => Accounting.wakeupLags(rep[w]!))
  names.slice(0, -1).forEach((name, w) => {
    const counts = lagsOf(runs[0]!, w).map((lags) => lags.length)
    say(`| ${name} | ${Accounting.median(counts)} | ${
      runs.map((run) => fmt(Accounting.median(lagsOf(run, w).map(sum))!, 1)).join(" | ")
    } |`)
  })
  say(`| **total** | | ${
    runs.map((run) =>
      fmt(Accounting.median(traces.get(history)!.get(run.key)!.map((rep) => sum(rep.flatMap(Accounting.wakeupLags))))!, 1)
    ).join(" | ")
  } |`)
  say()
}

// Targets
const total = workloads.length
const get = (history: number, key: string, w = total) => results.get(history)!.get(key)![w]!
const ratio = (history: number, key: string, w: number, m: number) => ratios.get(history)!.get(key)![w]![m]!
const verdict = (ok: boolean) => ok ? "**met**" : "**not met**"
say("### Targets")
say()
for (const history of histories) {
  const title = history === 0 ? "alone" : `after ${history} steps`
  for (const m of memories) {
    const ours = get(history, `cost-${m}`)
    const theirs = get(history, "official")
    say(
      `- ${title}, ${m} MB: cost ${money(ours.cost[m]!)} vs official ${money(theirs.cost[m]!)} $/M (${
        fmt(100 * (ours.cost[m]! / theirs.cost[m]! - 1), 1)
      } %): ${verdict(ours.cost[m]! < theirs.cost[m]!)}; × optimum on the total ${fmt(ratio(history, `cost-${m}`, total, m), 2)} (official ${
        fmt(ratio(history, "official", total, m), 2)
      }): ${verdict(ratio(history, `cost-${m}`, total, m) <= 1.25)}; worst workload × ${
        fmt(Math.max(...workloads.map((_, w) => ratio(history, `cost-${m}`, w, m))), 2)
      }: ${verdict(workloads.every((_, w) => ratio(history, `cost-${m}`, w, m) <= 2))}; never more invocations than official: ${
        verdict(workloads.every((_, w) => get(history, `cost-${m}`, w).invocations <= get(history, "official", w).invocations))
      }`
    )
  }
  const lat = get(history, "latency")
  const off = get(history, "official")
  say(
    `- ${title}, latency: ${fmt(lat.invocations)} invocations vs ${fmt(off.invocations)} (${
      fmt(100 * (1 - lat.invocations / off.invocations), 0)
    } % fewer): ${verdict(lat.invocations <= 0.6 * off.invocations)}; completion ${fmt(lat.completionMillis / 1000, 2)} s vs ${
      fmt(off.completionMillis / 1000, 2)
    } s: ${verdict(lat.completionMillis < off.completionMillis)}; cost at 512 MB ${money(lat.cost[512]!)} vs ${money(off.cost[512]!)} $/M (×${
      fmt(lat.cost[512]! / off.cost[512]!, 1)
    })`
  )
}
say()
say(
  `Total time: ${Math.round((Date.now() - started) / 1000)} s. Load average at the start: ${
    loadAtStart.map((l) => l.toFixed(2)).join(", ")
  }; at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}.`
)

const out = path.join(here, "..", "results")
mkdirSync(out, { recursive: true })
const file = name === undefined ? "termination" : `termination-${name}`
writeFileSync(path.join(out, `${file}.md`), lines.join("\n") + "\n")
writeFileSync(
  path.join(out, `${file}.json`),
  JSON.stringify(Object.fromEntries([...traces].map(([h, byRun]) => [h, Object.fromEntries(byRun)]))) + "\n"
)
if (name === undefined) {
  writeFileSync(
    path.join(here, "..", "termination.svg"),
    Plot.scatter({
      title: "The termination mix at 512 MB: invocations against modeled cost",
      x: "invocations (mix total)",
      y: "$ per million executions (512 MB, x86_64)",
      series: histories.map((history) => ({
        name: history === 0 ? "each workload alone" : `after ${history} completed steps`,
        points: runs
          .filter((run) => relevant(run, 512))
          .map((run) => ({
            label: run.label,
            x: get(history, run.key).invocations,
            y: perMillion(get(history, run.key).cost[512]!)
          }))
      }))
    })
  )
}
process.stdout.write(lines.join("\n") + "\n")
