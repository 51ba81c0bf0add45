/**
 * Paired runs of one configuration, the way the verdicts in `RESULTS.md` are
 * decided: `run.ts` for each SDK in turn, one fresh process each, the order
 * swapped from one pair to the next, so that both SDKs meet the same moments of
 * a shared machine. Single tables of three or five runs move by ±10 % here;
 * the medians of nine or more pairs, and how many pairs each SDK wins, do not.
 *
 * `npm run bench:paired -- '{"scenario":"chain","n":300,"latency":5,"semantics":"AtLeastOncePerRetry"}' 9`
 * (builds first; the configuration is `run.ts`'s without `sdk`; 9 pairs by default). Prints each pair, then
 * median (min–max) of SDK CPU and background-thread CPU for each SDK (for `replay`: replay CPU per operation
 * and heap per replayed operation: `run.ts`'s `replayCpuUsPerOp`, `heapKBPerOp`, `liveKBPerOp`,
 * `retainedKBPerOp` and `allocatedKBPerOp`), the ratio of the
 * medians (official / effect-durable: above 1, effect-durable is ahead), the median of the pairs' own ratios,
 * and how many pairs effect-durable won. `BENCH_NODE_FLAGS` adds V8 flags to both SDKs' processes.
 */
import { spawnSync } from "node:child_process"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { median } from "./stats.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const [configArg, pairsArg] = process.argv.slice(2)
if (configArg === undefined) {
  process.stderr.write("usage: paired.js '<run.ts configuration without sdk>' [pairs]\n")
  process.exit(2)
}
const config = JSON.parse(configArg) as Record<string, unknown>
const pairs = Number(pairsArg ?? 9)
// V8 flags for both SDKs' processes, e.g. `--no-concurrent-recompilation --single-threaded-gc`: V8's compiler
// and GC then run on the main thread, where the process's clock attributes them exactly (SDK or service).
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "")

/** What `run.ts` printed (the metrics compared here, and `calls`). */
type Sample = Readonly<Record<string, number>>
type Sdk = "ours" | "theirs"

// The metrics compared: a replay reports no SDK CPU per step, but its replay CPU and heap per operation.
const metrics: ReadonlyArray<string> = config.scenario === "replay"
  ? ["replayCpuUsPerOp", "heapKBPerOp", "liveKBPerOp", "retainedKBPerOp", "allocatedKBPerOp"]
  : ["sdkCpuMsPerStep", "backgroundCpuMs"]

const measure = (sdk: Sdk): Sample => {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", ...nodeFlags, path.join(here, "run.js"), JSON.stringify({ ...config, sdk })],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }
  )
  const line = child.stdout.trim().split("\n").pop() ?? ""
  if (child.status !== 0 || !line.startsWith("{")) {
    throw new Error(`run.js (${sdk}) failed (${child.status}): ${child.stderr}`)
  }
  return JSON.parse(line) as Sample
}

const f = (x: number) => x >= 10 ? x.toFixed(1) : x.toFixed(3)
const stat = (xs: ReadonlyArray<number>) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`

const loadAtStart = os.loadavg()
const samples: Record<Sdk, Array<Sample>> = { ours: [], theirs: [] }
for (let i = 0; i < pairs; i++) {
  const order: ReadonlyArray<Sdk> = i % 2 === 0 ? ["ours", "theirs"] : ["theirs", "ours"]
  for (const sdk of order) samples[sdk].push(measure(sdk))
  const ours = samples.ours[i]!
  const theirs = samples.theirs[i]!
  process.stdout.write(
    `pair ${i + 1}: ${metrics.map((k) => `${k} ${f(ours[k]!)} vs ${f(theirs[k]!)}`).join(", ")}, calls ${ours.calls} vs ${
      theirs.calls
    }\n`
  )
}

const key = (k: string) => {
  const ours = samples.ours.map((s) => s[k]!)
  const theirs = samples.theirs.map((s) => s[k]!)
  const ratios = ours.map((o, i) => theirs[i]! / o)
  const won = ratios.filter((r) => r > 1).length
  return `${k}: effect-durable ${stat(ours)}, official ${stat(theirs)}; ratio of the medians ${
    (median(theirs) / median(ours)).toFixed(2)
  }×, median of the pairs' ratios ${median(ratios).toFixed(2)}×, effect-durable lower in ${won} of ${pairs}`
}
process.stdout.write(
  [
    "",
    `${JSON.stringify(config)}, ${pairs} pairs, Node ${process.version}${
      nodeFlags.length > 0 ? ` ${nodeFlags.join(" ")}` : ""
    }, load average ${
      loadAtStart.map((l) => l.toFixed(1)).join(" / ")
    } at the start, ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end:`,
    ...metrics.map(key),
    ""
  ].join("\n")
)
