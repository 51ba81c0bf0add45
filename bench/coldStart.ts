/**
 * Cold start, as a user meets it: the hello-world handler bundled as
 * `examples/hello-world/template.yaml` bundles it (esbuild, ESM, node, es2022,
 * packages' ES modules first (`MainFields: module,main`), the `createRequire`
 * banner, a source map without the sources' text, not minified) and minified
 * and its official-SDK
 * twin (`coldStartHandler.ts`) bundled the same way, and hello-world over the
 * opt-in light transport (`examples/hello-world/handlerHttp.ts`,
 * `LambdaHttpCheckpointClient`: no AWS SDK in the bundle); each imported by a fresh
 * process (`coldStartChild.ts`) that runs its first invocation through the AWS
 * SDK's `LambdaClient` against `LambdaApiServer`, on the in-memory emulator.
 * Three variants: the template's bundle as the template runs it (the map
 * shipped, Node not told to apply it), the same with
 * `NODE_OPTIONS=--enable-source-maps`, and minified. Then the template's bundle
 * on Lambda's CPU (`cpuQuota.ts`, where the machine lets a CPU cgroup be made):
 * the import at full speed, as an on-demand function's Init phase runs, and the
 * first invocation held to the share of one vCPU of 128, 512 (the template's),
 * 1,024 and 1,769 MB (`BENCH_LAMBDA_MB`).
 *
 * Reported, paired (the two SDKs take turns, run by run):
 * - bundle bytes, raw and gzipped, as the template builds it and minified;
 * - time to first checkpoint: from the process's spawn to the service's
 *   receipt of its first checkpoint call (the emulator's clock);
 * - the import's time, Node's start-up before it, the whole first invocation,
 *   the peak RSS;
 * - CPU (user + system, every thread, from the process's start) spent by the
 *   import and by the time the first checkpoint call is made: steadier than the
 *   wall times on a shared machine.
 *
 * `npm run bench:cold` (builds first); `BENCH_REPS` (default 15).
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaApiServer from "@effect-durable/testing/LambdaApiServer"
import { Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { bundleAll, childEnv, childScript, floors, labels, type Sdk, sdks } from "./coldBundles.ts"
import * as CpuQuota from "./cpuQuota.ts"
import { deliver } from "./harness.ts"
import { median } from "./stats.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const reps = Number(process.env.BENCH_REPS ?? 15)

/**
 * A way of running a bundle: minified or as the template builds it, with or without `--enable-source-maps`,
 * on this machine's CPU or, after the import, on a Lambda function's share of one (`cpuQuota.ts`).
 */
interface Variant {
  readonly label: string
  readonly minify: boolean
  readonly sourceMaps: boolean
  readonly quota?: CpuQuota.CpuQuota
}
// The memory sizes whose CPU share the rows "on Lambda's CPU" run their first invocation on (`BENCH_LAMBDA_MB`,
// `,`-separated; empty for none): Lambda's default, the handlers' usual sizes, and one whole vCPU.
const lambdaMB = (process.env.BENCH_LAMBDA_MB ?? "128,512,1024,1769").split(",").filter((mb) => mb !== "").map(Number)
const quotas = lambdaMB.map(CpuQuota.make)
const variants: ReadonlyArray<Variant> = [
  { label: "as the template", minify: false, sourceMaps: false },
  { label: "template, --enable-source-maps", minify: false, sourceMaps: true },
  { label: "minified", minify: true, sourceMaps: false },
  ...quotas.flatMap((quota) =>
    "procs" in quota
      ? [{ label: `as the template, on Lambda's CPU at ${quota.memoryMB} MB`, minify: false, sourceMaps: false, quota }]
      : []
  )
]

interface Run {
  readonly sdk: Sdk
  readonly variant: string
  readonly firstCheckpointMs: number
  readonly bootMs: number
  readonly importMs: number
  readonly invocationMs: number
  readonly status: string
  readonly rssPeakMB: number
  readonly importCpuMs: number
  readonly firstCheckpointCpuMs: number
}

const child = (file: string, event: unknown, url: string, variant: Variant) =>
  Effect.callback<{ readonly spawnedAt: number; readonly line: string }, Error>((resume) => {
    const spawnedAt = Date.now()
    const proc = spawn(process.execPath, [childScript, file, JSON.stringify(event)], {
      env: childEnv(url, {
        ...(variant.sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
        ...(variant.quota === undefined ? {} : { COLD_START_CPU_CGROUP: variant.quota.procs })
      }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    proc.stdout.on("data", (chunk) => stdout += chunk)
    proc.stderr.on("data", (chunk) => stderr += chunk)
    proc.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? ""
      if (code !== 0 || !line.startsWith("{")) resume(Effect.fail(new Error(`child failed (${code}): ${stderr}`)))
      else resume(Effect.succeed({ spawnedAt, line }))
    })
  })

const stat = (xs: ReadonlyArray<number>) => {
  const f = (x: number) => x >= 100 ? x.toFixed(0) : x.toFixed(1)
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`
}
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`

const sdksOf = (variant: Variant): ReadonlyArray<Sdk> =>
  variant.sourceMaps || variant.quota !== undefined
    ? sdks.filter((sdk) => !(floors as ReadonlyArray<Sdk>).includes(sdk))
    : sdks

const program = Effect.gen(function*() {
  const bundles = yield* Effect.promise(bundleAll)
  const bundleOf = (sdk: Sdk, minify: boolean) => bundles.find((b) => b.sdk === sdk && b.minify === minify)!
  const emulator = yield* Emulator
  const { url } = yield* LambdaApiServer.LambdaApiServer
  const runs: Array<Run> = []
  const loadAtStart = os.loadavg()
  // Each repetition runs every variant once, the SDKs taking turns.
  for (let i = 0; i < reps + 1; i++) {
    for (const variant of variants) {
      for (const sdk of sdksOf(variant)) {
        const arn = yield* emulator.start({ input: JSON.stringify({ name: "cold" }) })
        const event = deliver(yield* emulator.invoke(arn))
        const { line, spawnedAt } = yield* child(bundleOf(sdk, variant.minify).outfile, event, url, variant)
        const history = (yield* emulator.execution(arn)).history
        const first = history.find((e) => e._tag === "Checkpointed")
        if (first === undefined) return yield* Effect.die(new Error(`${sdk}: no checkpoint`))
        // The first repetition warms the file system cache up; it is not counted.
        if (i > 0) {
          runs.push({ sdk, variant: variant.label, firstCheckpointMs: first.at - spawnedAt, ...JSON.parse(line) })
        }
      }
    }
  }
  const lines: Array<string> = [
    `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores; Node ${process.version}. ` +
    `${reps} runs of each variant, the SDKs taking turns; median (min–max) in ms.`,
    "",
    "| SDK | bundle | bytes | gzipped | first checkpoint | Node start-up | import | first invocation | peak RSS MB | CPU to first checkpoint | import CPU | answer |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
  ]
  for (const variant of variants) {
    for (const sdk of sdksOf(variant)) {
      const b = bundleOf(sdk, variant.minify)
      const rs = runs.filter((r) => r.sdk === sdk && r.variant === variant.label)
      lines.push(
        `| ${labels[sdk]} | ${variant.label} | ${kb(b.bytes)} | ${kb(b.gzipped)} | ${
          stat(rs.map((r) => r.firstCheckpointMs))
        } | ${stat(rs.map((r) => r.bootMs))} | ${stat(rs.map((r) => r.importMs))} | ${
          stat(rs.map((r) => r.invocationMs))
        } | ${stat(rs.map((r) => r.rssPeakMB))} | ${stat(rs.map((r) => r.firstCheckpointCpuMs))} | ${
          stat(rs.map((r) => r.importCpuMs))
        } | ${rs[0]?.status} |`
      )
    }
  }
  const ratio = (key: "firstCheckpointMs" | "importMs" | "firstCheckpointCpuMs", ours: Sdk = "ours") =>
    variants.map((variant) => {
      const of = (sdk: Sdk) =>
        median(runs.filter((r) => r.sdk === sdk && r.variant === variant.label).map((r) => r[key]))
      return `${(of("theirs") / of(ours)).toFixed(2)}× (${variant.label})`
    }).join(", ")
  // What each layer adds to the CPU to the first checkpoint, from the medians: the AWS call alone, Effect around
  // it, the design's machinery around that; the AWS call with the client loaded as the official SDK loads it; each
  // SDK over the layer below it.
  const decomposition = variants.filter((variant) => !variant.sourceMaps && variant.quota === undefined).map((variant) => {
    const of = (sdk: Sdk) =>
      median(runs.filter((r) => r.sdk === sdk && r.variant === variant.label).map((r) => r.firstCheckpointCpuMs))
    const f = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`
    const d = (sdk: Sdk, below: Sdk) => f(of(sdk) - of(below))
    return [
      `${variant.label}: the AWS call alone ${of("floorAws").toFixed(1)} ms`,
      `Effect around it ${d("floorEffect", "floorAws")}`,
      `the design's machinery ${d("floorDesign", "floorEffect")} over Effect's floor`,
      `the client loaded as the official SDK loads it ${d("floorAwsLazy", "floorAws")}`,
      `the official SDK ${d("theirs", "floorAwsLazy")} over the AWS call loaded its way (${
        d("theirs", "floorAws")
      } over the AWS call)`,
      `effect-durable ${d("ours", "floorDesign")} over the design's floor (${d("ours", "floorEffect")} over Effect's, ${
        d("ours", "floorAws")
      } over the AWS call)`
    ].join("; ")
  })
  const bytesRatio = (minify: boolean, ours: Sdk = "ours") =>
    (bundleOf("theirs", minify).bytes / bundleOf(ours, minify).bytes).toFixed(2)
  lines.push(
    "",
    `Ratios official / effect-durable (above 1, effect-durable is ahead): first checkpoint ${
      ratio("firstCheckpointMs")
    }; import ${ratio("importMs")}; CPU to first checkpoint ${ratio("firstCheckpointCpuMs")}; bytes ${
      bytesRatio(false)
    }× (template), ${bytesRatio(true)}× (minified).`,
    `Over the light transport (opt-in, \`LambdaHttpCheckpointClient\`), official / effect-durable: first checkpoint ${
      ratio("firstCheckpointMs", "oursHttp")
    }; import ${ratio("importMs", "oursHttp")}; CPU to first checkpoint ${
      ratio("firstCheckpointCpuMs", "oursHttp")
    }; bytes ${bytesRatio(false, "oursHttp")}× (template), ${bytesRatio(true, "oursHttp")}× (minified).`,
    `CPU to first checkpoint, layer by layer (medians): ${decomposition.join("; ")}.`,
    `On Lambda's CPU: the import on this machine's CPU (an on-demand function's Init phase runs on a full vCPU), ` +
    `then the first invocation held to the memory size's share of one vCPU (size / ${CpuQuota.vcpuMemoryMB} MB) ` +
    `over ${CpuQuota.periodMicros / 1000} ms periods (\`bench/cpuQuota.ts\`)${
      quotas.flatMap((quota) => "unavailable" in quota ? [quota.unavailable] : []).map((why) => `; not run: ${why}`)
        .slice(0, 1).join("")
    }.`,
    `Load average at the start: ${loadAtStart.map((l) => l.toFixed(2)).join(", ")}; at the end: ${
      os.loadavg().map((l) => l.toFixed(2)).join(", ")
    }.`
  )
  const results = path.join(here, "..", "results")
  mkdirSync(results, { recursive: true })
  writeFileSync(path.join(results, "cold-start.md"), lines.join("\n") + "\n")
  writeFileSync(path.join(results, "cold-start.json"), JSON.stringify({ bundles, runs }, null, 1) + "\n")
  process.stdout.write(lines.join("\n") + "\n")
}).pipe(
  Effect.ensuring(Effect.sync(() => {
    for (const quota of quotas) if ("procs" in quota) quota.remove()
  })),
  Effect.provide(LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.layer)))
)

Effect.runPromise(program).then(() => process.exit(0), (error) => {
  process.stderr.write(String(error) + "\n")
  process.exit(1)
})
