/**
 * Cold start in instructions: the same bundles and the same fresh process as `coldStart.ts`, run under
 * valgrind's callgrind, which counts the instructions every thread executes from the process's start to a
 * stop (`coldStartChild.ts`'s `COLD_START_STOP`): the import's end, or the first checkpoint call. A count
 * does not depend on what else the machine runs, so it resolves differences that the wall and CPU times
 * of `coldStart.ts` cannot on a shared machine (an A/A pair there differs by 1–3 % of CPU; here by
 * ~0.1 %). Instructions are not time: a cold start also waits on caches and the disk. They are the
 * profile beneath the times.
 *
 * Each count is split by what V8 and Node did, read off callgrind's functions: parsing the script
 * (scanner, parser, preparser), compiling it to bytecode, the line ends of a script (computed once, when a
 * stack trace is first formatted), the start-up snapshot, garbage collection, JavaScript (the
 * interpreter's handlers and builtins), the runtime's objects and property lookups, memory allocation,
 * and the rest. V8's random hash seed (`HashSeed::InitializeRoots`, a search for primes whose count
 * varies by ±5 M from run to run) is left out of every count.
 *
 * `npm run bench:cold:instructions` (builds first); `BENCH_REPS` (default 3) runs of each handler, bundle
 * and stop, the median reported; `BENCH_NODES`, a `:`-separated list of Node binaries (default: this
 * process's); `BENCH_SDKS`, a `,`-separated subset of the handlers (`ours,theirs`; default: every one).
 * Needs `valgrind` (with `callgrind_annotate`) on the PATH.
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaApiServer from "@effect-durable/testing/LambdaApiServer"
import { Effect, Layer } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type Bundle, bundleAll, childEnv, childScript, labels, type Sdk, sdks } from "./coldBundles.ts"
import { deliver } from "./harness.ts"
import { median } from "./stats.ts"

const here = path.dirname(fileURLToPath(import.meta.url))
const reps = Number(process.env.BENCH_REPS ?? 3)
const nodes = (process.env.BENCH_NODES ?? process.execPath).split(":").filter((node) => node !== "")
const only = process.env.BENCH_SDKS?.split(",")
const measured = sdks.filter((sdk) => only === undefined || only.includes(sdk))

/** Where a run stops counting: the import's end, or the first checkpoint call (before it is sent). */
type Stop = "import" | "checkpoint"

/** What V8 and Node spend instructions on, by the native functions that execute them. */
const phases = [
  ["line ends", /CalculateLineEnds/],
  ["parse", /Scanner|Parser|PreParser|AstValueFactory|AstRawString|Scope::|VariableMap|ExpressionScope|PerfectKeywordHash|Utf16CharacterStream|FuncNameInferrer|ParseInfo|AstNodeFactory|Zone::/],
  ["compile", /interpreter::|SourcePositionTable|FeedbackMetadata|ScopeInfo|BytecodeArray|ConstantArrayBuilder|Compiler::|UnoptimizedCompil|FeedbackSlotCache|HandlerTable/],
  ["snapshot", /Deserializer|Snapshot/],
  ["GC", /Scavenger|MarkCompact|Sweeper|Heap::(?!AllocateRaw)|Marking|Evacuat|GCTracer|MemoryAllocator|PagedSpace|SemiSpace|RememberedSet|SlotSet/],
  ["JavaScript", /^\?\?\?:Builtins_|^\?\?\?:0x/],
  ["objects", /LookupIterator|Map::|DescriptorArray|JSObject|TransitionsAccessor|Factory::|String|Runtime_|Object::|Handle|Dictionary|HashTable/],
  ["malloc", /malloc|free|memmove|memcpy|memset|strlen|memcmp|operator new|operator delete/]
] as const
type Phase = typeof phases[number][0] | "other"
const phaseNames: ReadonlyArray<Phase> = [...phases.map(([name]) => name), "other"]
const hashSeed = /detail::sprp|HashSeed::InitializeRoots/

interface Count {
  readonly node: string
  readonly sdk: Sdk
  readonly minify: boolean
  readonly stop: Stop
  readonly total: number
  readonly phases: Record<Phase, number>
}

/** Splits callgrind's per-function self counts into phases; the hash seed's search is dropped. */
const split = (annotated: string): { readonly total: number; readonly phases: Record<Phase, number> } => {
  const byPhase = Object.fromEntries(phaseNames.map((name) => [name, 0])) as Record<Phase, number>
  let total = 0
  for (const line of annotated.split("\n")) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line)
    if (match === null || match[2]!.startsWith("PROGRAM TOTALS")) continue
    const name = match[2]!
    if (hashSeed.test(name)) continue
    const count = Number(match[1]!.replaceAll(",", ""))
    const phase = phases.find(([, pattern]) => pattern.test(name))?.[0] ?? "other"
    byPhase[phase] += count
    total += count
  }
  return { total, phases: byPhase }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "cold-instructions-"))
let runId = 0

/** One process under callgrind, from its start to `stop`. */
const count = (node: string, bundle: Bundle, stop: Stop, event: unknown, url: string) =>
  Effect.callback<Count, Error>((resume) => {
    const file = path.join(scratch, `callgrind.${++runId}`)
    const proc = spawn(
      "valgrind",
      ["--tool=callgrind", `--callgrind-out-file=${file}`, node, childScript, bundle.outfile, JSON.stringify(event)],
      { env: childEnv(url, { COLD_START_STOP: stop }), stdio: ["ignore", "ignore", "pipe"] }
    )
    let stderr = ""
    proc.stderr.on("data", (chunk) => stderr += chunk)
    proc.on("close", (code) => {
      if (code !== 0) return resume(Effect.fail(new Error(`${bundle.sdk} under callgrind failed (${code}): ${stderr}`)))
      const annotated = spawnSync("callgrind_annotate", ["--threshold=100", file], { maxBuffer: 256 * 1024 * 1024 })
      rmSync(file, { force: true })
      if (annotated.status !== 0) return resume(Effect.fail(new Error(`callgrind_annotate: ${annotated.stderr}`)))
      resume(Effect.succeed({ node, sdk: bundle.sdk, minify: bundle.minify, stop, ...split(String(annotated.stdout)) }))
    })
  })

const versionOf = (node: string) => String(spawnSync(node, ["-v"]).stdout).trim()

const program = Effect.gen(function*() {
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    return yield* Effect.fail(new Error("valgrind is not on the PATH (Debian: apt-get install valgrind)"))
  }
  const bundles = (yield* Effect.promise(bundleAll)).filter((bundle) => measured.includes(bundle.sdk))
  const emulator = yield* Emulator
  const { url } = yield* LambdaApiServer.LambdaApiServer
  const loadAtStart = os.loadavg()
  const started = Date.now()
  const jobs = nodes.flatMap((node) =>
    Array.from({ length: reps }, () =>
      bundles.flatMap((bundle) => (["import", "checkpoint"] as const).map((stop) => ({ node, bundle, stop }))))
      .flat()
  )
  // Counts do not depend on the machine's load: the runs share its cores.
  const counts = yield* Effect.forEach(jobs, ({ bundle, node, stop }) =>
    Effect.gen(function*() {
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "cold" }) })
      const event = deliver(yield* emulator.invoke(arn))
      return yield* count(node, bundle, stop, event, url)
    }), { concurrency: os.cpus().length })

  const M = (x: number) => (x / 1e6).toFixed(1)
  const of = (node: string, sdk: Sdk, minify: boolean, stop: Stop) =>
    counts.filter((c) => c.node === node && c.sdk === sdk && c.minify === minify && c.stop === stop)
  const totalOf = (node: string, sdk: Sdk, minify: boolean, stop: Stop) =>
    median(of(node, sdk, minify, stop).map((c) => c.total))
  const lines: Array<string> = [
    `Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores; ${reps} runs of each handler, ` +
    `bundle and stop under valgrind's callgrind; median (min–max), millions of instructions, every thread, ` +
    `V8's hash-seed search left out.`
  ]
  for (const node of nodes) {
    lines.push(
      "",
      `#### Node ${versionOf(node)}`,
      "",
      `| handler | bundle | to first checkpoint | import | first invocation | ${phaseNames.join(" | ")} |`,
      `|---|---|---|---|---|${phaseNames.map(() => "---|").join("")}`
    )
    for (const minify of [false, true]) {
      for (const sdk of measured) {
        const checkpoint = of(node, sdk, minify, "checkpoint")
        const totals = checkpoint.map((c) => c.total)
        const phaseCells = phaseNames.map((name) => M(median(checkpoint.map((c) => c.phases[name]))))
        lines.push(
          `| ${labels[sdk]} | ${minify ? "minified" : "as the template"} | ${M(median(totals))} (${
            M(Math.min(...totals))
          }–${M(Math.max(...totals))}) | ${M(totalOf(node, sdk, minify, "import"))} | ${
            M(totalOf(node, sdk, minify, "checkpoint") - totalOf(node, sdk, minify, "import"))
          } | ${phaseCells.join(" | ")} |`
        )
      }
    }
    const ratio = (ours: Sdk, stop: Stop, minify: boolean) =>
      (totalOf(node, "theirs", minify, stop) / totalOf(node, ours, minify, stop)).toFixed(3)
    const over = (a: Sdk, b: Sdk, minify: boolean) => {
      const d = totalOf(node, a, minify, "checkpoint") - totalOf(node, b, minify, "checkpoint")
      return `${d >= 0 ? "+" : ""}${M(d)}`
    }
    lines.push("")
    const has = (...wanted: ReadonlyArray<Sdk>) => wanted.every((sdk) => measured.includes(sdk))
    for (const minify of has("ours", "theirs") ? [false, true] : []) {
      const parts = [
        `- ${minify ? "minified" : "as the template"}: official / effect-durable to the first checkpoint **${
          ratio("ours", "checkpoint", minify)
        }×** (import ${ratio("ours", "import", minify)}×)`
      ]
      if (has("oursHttp")) parts.push(`; over the light transport ${ratio("oursHttp", "checkpoint", minify)}×`)
      if (has("floorAws", "floorAwsLazy", "floorEffect", "floorDesign")) {
        parts.push(
          `. Layer by layer: ${
            [
              `the AWS call alone ${M(totalOf(node, "floorAws", minify, "checkpoint"))} M`,
              `Effect ${over("floorEffect", "floorAws", minify)}`,
              `the design's machinery ${over("floorDesign", "floorEffect", minify)}`,
              `the client loaded as the official SDK loads it ${over("floorAwsLazy", "floorAws", minify)}`,
              `the official SDK ${over("theirs", "floorAwsLazy", minify)} over the AWS call loaded its way (${
                over("theirs", "floorAws", minify)
              } over the AWS call)`,
              `effect-durable ${over("ours", "floorDesign", minify)} over the design's floor (${
                over("ours", "floorEffect", minify)
              } over Effect's, ${over("ours", "floorAws", minify)} over the AWS call)`
            ].join("; ")
          }`
        )
      }
      lines.push(`${parts.join("")}.`)
    }
  }
  lines.push(
    "",
    `${counts.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the start ${
      loadAtStart.map((l) => l.toFixed(2)).join(", ")
    } (counts do not depend on it).`
  )
  const results = path.join(here, "..", "results")
  mkdirSync(results, { recursive: true })
  writeFileSync(path.join(results, "cold-start-instructions.md"), lines.join("\n") + "\n")
  writeFileSync(
    path.join(results, "cold-start-instructions.json"),
    JSON.stringify({ nodes: nodes.map(versionOf), bundles, counts }, null, 1) + "\n"
  )
  process.stdout.write(lines.join("\n") + "\n")
}).pipe(
  Effect.ensuring(Effect.sync(() => rmSync(scratch, { recursive: true, force: true }))),
  Effect.provide(LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.layer)))
)

Effect.runPromise(program).then(() => process.exit(0), (error) => {
  process.stderr.write(String(error) + "\n")
  process.exit(1)
})
