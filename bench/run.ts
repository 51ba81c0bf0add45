/**
 * One measurement, in a process of its own (so that peak RSS and heap belong
 * to it alone): `node --expose-gc bench/dist/run.js '{"scenario":"chain","sdk":"ours","n":1000,"latency":0}'`.
 * Prints one JSON line with the metrics.
 *
 * Each process first runs a small execution and a small replay with the same
 * SDK (a warm Lambda container has run the code before), waits until V8's
 * background compilation of the warm-up is done (`settle`), forces a GC, then
 * measures. "SDK CPU" is the process's CPU time minus its CPU time during the
 * service's work in the transport (see `harness.ts`); the CPU time of V8's
 * background threads over the run is reported beside it.
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import { Effect } from "effect"
import * as fs from "node:fs"
import { performance } from "node:perf_hooks"
import * as v8 from "node:v8"
import {
  cpuMillis,
  deliver,
  invokeHandler,
  makeCounters,
  runHandlerExecution,
  type Sdk,
  seed,
  transport,
  wireId
} from "./harness.ts"
import * as Workflows from "./workflows.ts"

export interface Config {
  readonly scenario: "chain" | "replay" | "wait" | "concurrent" | "map"
  /** `ours-eager`: effect-durable with the `eager` policy (suspends as soon as the official SDK does). */
  readonly sdk: "ours" | "ours-eager" | "theirs"
  readonly n: number
  /** Injected round trip of every call to the service, in ms. */
  readonly latency: number
  /** The steps' semantics, for `chain`. */
  readonly semantics?: "AtLeastOncePerRetry" | "AtMostOncePerRetry" | undefined
  /**
   * `false`: no forced GC before each measured run of `chain`, `concurrent` and `map` (a variant: the steady
   * state of a warm container, which no full GC interrupts between invocations). The forced GC discards
   * optimized code, and the measured run then pays its re-optimization; without it the heap baseline includes
   * garbage, so only the CPU and call figures of that variant mean anything.
   */
  readonly forcedGc?: boolean | undefined
}

/**
 * CPU time so far of the process's threads other than the main one (V8's
 * optimizing compiler and GC helpers, libuv's pool), in ms; NaN where the
 * system does not report threads (Linux's scheduler statistics). A thread that
 * is running when read may lag by one scheduler tick (4 ms) on the run's total.
 */
const backgroundCpu = (): number => {
  let total = 0
  try {
    for (const tid of fs.readdirSync("/proc/self/task")) {
      if (tid !== String(process.pid)) {
        total += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6
      }
    }
  } catch {
    return Number.NaN
  }
  return total
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config

const sdkOf = (pair: Workflows.Pair): Sdk => {
  switch (config.sdk) {
    case "ours":
      return { _tag: "ours", workflow: pair.ours }
    case "ours-eager":
      return { _tag: "ours", workflow: pair.ours, policy: "eager" }
    case "theirs":
      return { _tag: "theirs", handler: pair.theirs }
  }
}

const pairOf = (): Workflows.Pair => {
  switch (config.scenario) {
    case "chain":
      return config.semantics === "AtMostOncePerRetry" ? Workflows.sequentialAtMostOnce : Workflows.sequential
    case "replay":
      return Workflows.replay
    case "wait":
      return Workflows.waiting
    case "concurrent":
      return Workflows.concurrent
    case "map":
      return Workflows.map
  }
}

// Peak heap, sampled every 10 ms and at every call to the service (a run that never
// yields to the event loop's timers phase is still sampled).
// `v8.getHeapStatistics` is cheap; `process.memoryUsage` reads /proc and cost ~0.3 ms a call.
let heapPeak = 0
let heapBaseline = 0
const heapUsed = () => v8.getHeapStatistics().used_heap_size
const sample = () => {
  const used = heapUsed()
  if (used > heapPeak) heapPeak = used
}
// The same, after a full GC: what is live at that moment, garbage excluded. For the replay's separate
// live-heap pass only (every sample costs a collection, so that pass is not timed).
const sampleLive = () => {
  gc()
  sample()
}
/** What the collections a `v8.GCProfiler` saw freed, in bytes. */
const freedBy = (profile: ReturnType<v8.GCProfiler["stop"]>): number =>
  (profile?.statistics ?? []).reduce(
    (sum, collection) =>
      sum + collection.beforeGC.heapStatistics.usedHeapSize - collection.afterGC.heapStatistics.usedHeapSize,
    0
  )
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10
const gc = () => (globalThis as { gc?: () => void }).gc?.()

/**
 * Warms the JIT up with runs of the same SDK on another emulator (a warm Lambda
 * container has run the code before), so that the measurement is not
 * dominated by compilation: five times 1,000 operations of the scenario's
 * workflow and a 1,000-operation replay (V8 takes about that many to optimize
 * both SDKs' paths).
 */
const warmUp = Effect.gen(function*() {
  const emulator = yield* Emulator
  const client = transport(emulator.client, makeCounters(), { latencyMillis: 0, timed: false })
  yield* runHandlerExecution(emulator, sdkOf(pairOf()), { n: config.scenario === "map" ? 500 : 1000 }, client)
  const arn = yield* emulator.start({ input: JSON.stringify({ n: 1000 }) })
  yield* seed(emulator, arn, 1000)
  yield* invokeHandler(sdkOf(Workflows.replay), deliver(yield* emulator.invoke(arn)), client, 1)
}).pipe(Effect.provide(Emulator.layer))

/**
 * Waits until V8's background threads are quiet: their CPU time moves by less
 * than 1 ms over 20 ms (for at most 1 s). The warm-up's last optimizing
 * compilations (the harness's `seed` generator, Schema's parser: 10–20 ms each,
 * traced with `--trace-opt`) otherwise complete on those threads after the
 * measured run started, and count as the CPU of whichever SDK gets there
 * first: effect-durable's warm-up replays ~40 ms faster, so it was mostly ours.
 */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 50; i++) {
    const before = backgroundCpu()
    yield* Effect.sleep("20 millis")
    // NaN (no per-thread figures) ends the wait too.
    if (!(backgroundCpu() - before >= 1)) return
  }
})

/**
 * The steady state's latency warm-up (`forcedGc: false` with a round trip):
 * two untimed runs of the measured workflow at the measured round trip, after
 * the warm-up above, which runs without latency. A warm container has served
 * invocations whose calls took that long: its code has run the paths that
 * only idle waits take (the checkpoint worker asleep, resumes from timers) and
 * V8 has re-optimized for them. Without it the measured run is the first with
 * idle waits, and V8's re-optimization for them is still ahead: traced
 * (`--trace-opt`, 300 steps at 5 ms after the same warm-up), 27 of
 * effect-durable's functions were compiled again in the second such run, and
 * that run's background threads took up to 140 ms; the official SDK's promise
 * paths differ less with and without waits (9 compiled).
 */
const latencyWarmUp = Effect.gen(function*() {
  const emulator = yield* Emulator
  const client = transport(emulator.client, makeCounters(), { latencyMillis: config.latency, timed: false })
  for (let i = 0; i < 2; i++) yield* runHandlerExecution(emulator, sdkOf(pairOf()), { n: config.n }, client)
}).pipe(Effect.provide(Emulator.layer))

/** Whether this is a steady-state run with a round trip (see `latencyWarmUp`): the scenarios `forcedGc` applies to. */
const steadyWithLatency = config.forcedGc === false && config.latency > 0 &&
  (config.scenario === "chain" || config.scenario === "concurrent" || config.scenario === "map")

const program = Effect.gen(function*() {
  if (config.scenario !== "wait") {
    for (let i = 0; i < 5; i++) yield* warmUp
    if (steadyWithLatency) yield* latencyWarmUp
    yield* settle
  }
  const emulator = yield* Emulator
  const n = config.n
  const sdk = sdkOf(pairOf())

  switch (config.scenario) {
    case "chain":
    case "concurrent":
    case "map": {
      // Short runs are repeated in the process and the median one (by SDK CPU) reported, so
      // that one garbage collection landing in the only measured run does not decide a ratio;
      // so are the steady state's runs with a round trip, whose CPU per step moves with the
      // machine's state from one run to the next (±30 % here).
      const repeats = config.latency === 0 && n <= 2000 ? 5 : steadyWithLatency ? 3 : 1
      const results: Array<Record<string, number>> = []
      for (let i = 0; i < repeats; i++) {
        const counters = makeCounters()
        const client = transport(emulator.client, counters, { latencyMillis: config.latency, onCall: sample })
        if (config.forcedGc !== false) gc()
        heapBaseline = heapPeak = heapUsed()
        const sampler = setInterval(sample, 10)
        const backgroundStart = backgroundCpu()
        const cpuStart = cpuMillis()
        const { execution, invocations } = yield* runHandlerExecution(emulator, sdk, { n }, client)
        const cpu = cpuMillis() - cpuStart
        const background = backgroundCpu() - backgroundStart
        clearInterval(sampler)
        if (execution.status !== "SUCCEEDED" || execution.result !== String(n * (n + 1) / 2)) {
          return yield* Effect.die(new Error(`unexpected end: ${execution.status} ${execution.result}`))
        }
        const wall = invocations.reduce((a, i) => a + i.millis, 0)
        results.push({
          wallMs: wall,
          msPerStep: wall / n,
          cpuMs: cpu,
          // The process's CPU minus its CPU during the service's calls. What V8's compiler and GC threads did
          // during those calls is subtracted with them (no precise per-thread clock on Node 20): at 0 ms, where
          // the service works most of the time, that is most of the background work, reported apart below.
          sdkCpuMsPerStep: (cpu - counters.serviceMillis) / n,
          // Every thread but the main one, over the whole run (TurboFan's re-optimization, GC helpers).
          backgroundCpuMs: background,
          invocations: invocations.length,
          calls: counters.calls,
          callsPerStep: counters.calls / n,
          roundTripsPerStep: (counters.calls + counters.stateCalls) / n,
          updates: counters.updates,
          serviceMs: counters.serviceMillis,
          heapBaseline,
          heapPeak
        })
      }
      const median = [...results].sort((a, b) => a.sdkCpuMsPerStep! - b.sdkCpuMsPerStep!)[Math.floor(repeats / 2)]!
      heapBaseline = median.heapBaseline!
      heapPeak = median.heapPeak!
      const { heapBaseline: _b, heapPeak: _p, ...metrics } = median
      return { ...metrics, sdkCpuMsPerStepAll: results.map((r) => r.sdkCpuMsPerStep!) }
    }
    case "replay": {
      // Five replays in a row, each of a fresh execution (a warm container replays
      // one execution after another); the median one is reported. Then a sixth, untimed, whose heap
      // samples each follow a full GC: the peak of what the invocation holds live while it replays.
      const replays: Array<Record<string, number>> = []
      let liveKBPerOp = 0
      for (let i = 0; i < 6; i++) {
        const live = i === 5
        const onSample = live ? sampleLive : sample
        const counters = makeCounters()
        const arn = yield* emulator.start({ input: JSON.stringify({ n }) })
        yield* seed(emulator, arn, n)
        // What the invocation holds once it replayed everything: the heap after a GC
        // forced when the first new operation is checkpointed.
        let retained = 0
        const client = transport(emulator.client, counters, {
          latencyMillis: config.latency,
          watch: new Set([wireId(String(n + 1))]),
          onCall: onSample,
          onWatched: () => {
            onSample()
            gc()
            retained = heapUsed()
          }
        })
        const event = deliver(yield* emulator.invoke(arn))
        // The previous replay's SDK state must not be in the baseline: the official SDK holds its invocation's
        // state (~1.4 KB per operation) until a task after its answer runs, so without a turn of the event loop
        // here its next replay started above that much garbage-to-be, freed inside the measured window (its
        // heap figures then read ~1 KB per operation low). On Lambda the container freezes after the answer
        // and that task runs first thing in the next invocation, before any page of its state arrives.
        yield* settle
        gc()
        heapBaseline = heapPeak = heapUsed()
        const sampler = setInterval(onSample, 10)
        const collections = new v8.GCProfiler()
        collections.start()
        const cpuStart = cpuMillis()
        const start = performance.now()
        const from = process.hrtime.bigint() / 1000n
        const output = yield* invokeHandler(sdk, event, client, 1)
        // For profilers: the measured window on the monotonic clock (µs).
        process.stderr.write(`window ${from} ${process.hrtime.bigint() / 1000n}\n`)
        const wall = performance.now() - start
        const cpu = cpuMillis() - cpuStart
        clearInterval(sampler)
        // Everything the invocation allocated, garbage included, whenever the collections fell: what the heap
        // grew by, plus what each collection inside the window freed.
        const allocated = heapUsed() - heapBaseline + freedBy(collections.stop())
        if (output.Status !== "SUCCEEDED" || output.Result !== String(n * (n + 1) / 2)) {
          return yield* Effect.die(new Error(`unexpected end: ${JSON.stringify(output)}`))
        }
        if (live) {
          liveKBPerOp = (heapPeak - heapBaseline) / 1024 / n
          continue
        }
        // Until the first new operation is checkpointed: the replay itself. The
        // service's work until then is the state's pages (the same for both SDKs).
        const replayMs = counters.firstWatchedAt! - start
        const replayCpu = counters.firstWatchedCpu! - cpuStart - counters.serviceMillis
        replays.push({
          replayMs,
          replayUsPerOp: replayMs * 1000 / n,
          replayCpuUsPerOp: replayCpu * 1000 / n,
          heapKBPerOp: (heapPeak - heapBaseline) / 1024 / n,
          allocatedKBPerOp: allocated / 1024 / n,
          retainedKBPerOp: (retained - heapBaseline) / 1024 / n,
          wallMs: wall,
          cpuMs: cpu,
          calls: counters.calls,
          stateCalls: counters.stateCalls,
          serviceMs: counters.serviceMillis
        })
      }
      const byCpu = [...replays].sort((a, b) => a.replayCpuUsPerOp! - b.replayCpuUsPerOp!)
      return { ...byCpu[2]!, liveKBPerOp, replayCpuUsPerOpAll: replays.map((r) => r.replayCpuUsPerOp!) }
    }
    case "wait": {
      const counters = makeCounters()
      const client = transport(emulator.client, counters, { latencyMillis: config.latency })
      const start = performance.now()
      const { execution, invocations } = yield* runHandlerExecution(emulator, sdk, { seconds: n }, client)
      if (execution.status !== "SUCCEEDED") return yield* Effect.die(new Error(`unexpected end: ${execution.status}`))
      return {
        totalMs: performance.now() - start,
        invocations: invocations.length,
        outcomes: invocations.map((i) => i.outcome).join(","),
        invocationMs: invocations.map((i) => Math.round(i.millis)),
        billedMs: invocations.reduce((a, i) => a + i.millis, 0),
        calls: counters.calls
      }
    }
  }
}).pipe(
  Effect.map((metrics) => {
    const usage = process.resourceUsage()
    return {
      ...config,
      ...metrics,
      heapBaselineMB: mb(heapBaseline),
      heapPeakMB: mb(heapPeak),
      rssPeakMB: Math.round(usage.maxRSS / 1024)
    }
  }),
  Effect.provide(Emulator.layer)
)

Effect.runPromise(program).then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + "\n")
    process.exit(0)
  },
  (error) => {
    process.stderr.write(String(error) + "\n")
    process.exit(1)
  }
)
