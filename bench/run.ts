/**
 * One measurement, in a process of its own (so that peak RSS and heap belong
 * to it alone): `node bench/dist/run.js '{"scenario":"sequential","sdk":"ours","n":1000,"latency":0}'`.
 * Prints one JSON line with the metrics.
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import { Effect } from "effect"
import { performance } from "node:perf_hooks"
import * as v8 from "node:v8"
import { instrument, invokeOnce, makeCounters, runExecution, type Sdk, seed, wireId } from "./harness.ts"
import * as Workflows from "./workflows.ts"

export interface Config {
  readonly scenario: "sequential" | "replay" | "wait" | "concurrent" | "map"
  /**
   * `ours-eager`: effect-durable with the `eager` policy (suspends as soon as the official SDK does). `emulator`: no
   * SDK, the checkpoint calls both SDKs make for sequential steps, sent by a bare loop (the emulator's own cost).
   */
  readonly sdk: "ours" | "ours-eager" | "theirs" | "emulator"
  readonly n: number
  readonly latency: number
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
    case "emulator":
      throw new Error("no SDK")
  }
}

// Peak heap, sampled every 10 ms (both SDKs yield to the event loop between steps, so the sampler runs).
// `v8.getHeapStatistics` is cheap; `process.memoryUsage` reads /proc and cost ~0.3 ms a call.
let heapPeak = 0
let heapBaseline = 0
const heapUsed = () => v8.getHeapStatistics().used_heap_size
const sample = () => {
  const used = heapUsed()
  if (used > heapPeak) heapPeak = used
}
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10

/** CPU time of this process so far (user + system), in ms: less disturbed than wall time on a busy machine. */
const cpuMillis = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/**
 * The calls both SDKs make for `n` sequential steps (one call per step with its
 * START and SUCCEED, as the wire-compatibility test shows), without an SDK.
 */
const bareSequential = (emulator: Emulator["Service"], client: Emulator["Service"]["client"], n: number) =>
  Effect.gen(function*() {
    const arn = yield* emulator.start({ input: JSON.stringify({ n }) })
    const event = yield* emulator.invoke(arn)
    const start = performance.now()
    let token = event.CheckpointToken
    let sum = 0
    for (let i = 1; i <= n; i++) {
      const id = wireId(String(i))
      const response = yield* client.checkpoint({
        DurableExecutionArn: arn,
        CheckpointToken: token,
        Updates: [
          { Id: id, Name: `s${i}`, Type: "STEP", SubType: "Step", Action: "START" },
          { Id: id, Name: `s${i}`, Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: String(i) }
        ]
      })
      token = response.CheckpointToken!
      sum += i
    }
    yield* emulator.complete(arn, { Status: "SUCCEEDED", Result: String(sum) })
    return {
      execution: yield* emulator.execution(arn),
      invocations: [{ outcome: "SUCCEEDED", millis: performance.now() - start }]
    }
  })

/**
 * Warms the JIT up with a small run of the same SDK on another emulator (a warm
 * Lambda container has run the code before), so that the measurement is not
 * dominated by compilation.
 */
const warmUp = Effect.gen(function*() {
  const emulator = yield* Emulator
  const pair = config.scenario === "concurrent" ? Workflows.concurrent : Workflows.sequential
  const client = instrument(emulator.client, makeCounters(), { latencyMillis: 0 })
  if (config.sdk === "emulator") return yield* bareSequential(emulator, client, 200)
  yield* runExecution(emulator, sdkOf(pair), { n: 200 }, client)
  const arn = yield* emulator.start({ input: JSON.stringify({ n: 200 }) })
  yield* seed(emulator, arn, 200)
  yield* invokeOnce(sdkOf(Workflows.replay), yield* emulator.invoke(arn), client, 1)
}).pipe(Effect.provide(Emulator.layer))

const program = Effect.gen(function*() {
  if (config.scenario !== "wait") yield* warmUp
  const emulator = yield* Emulator
  const counters = makeCounters()
  const n = config.n
  if (global.gc) global.gc()
  heapBaseline = heapUsed()
  heapPeak = heapBaseline
  setInterval(sample, 10).unref()

  switch (config.scenario) {
    case "sequential":
    case "concurrent":
    case "map": {
      const pair = config.scenario === "sequential"
        ? Workflows.sequential
        : config.scenario === "map"
        ? Workflows.map
        : Workflows.concurrent
      const client = instrument(emulator.client, counters, { latencyMillis: config.latency })
      const cpuStart = cpuMillis()
      const { execution, invocations } = config.sdk === "emulator"
        ? yield* bareSequential(emulator, client, n)
        : yield* runExecution(emulator, sdkOf(pair), { n }, client)
      const cpu = cpuMillis() - cpuStart
      if (execution.status !== "SUCCEEDED" || execution.result !== String(n * (n + 1) / 2)) {
        return yield* Effect.die(new Error(`unexpected end: ${execution.status} ${execution.result}`))
      }
      const wall = invocations.reduce((a, i) => a + i.millis, 0)
      return {
        wallMs: wall,
        msPerStep: wall / n,
        cpuMs: cpu,

        invocations: invocations.length,
        calls: counters.calls,
        updates: counters.updates,
        emulatorMs: counters.emulatorMillis
      }
    }
    case "replay": {
      const arn = yield* emulator.start({ input: JSON.stringify({ n }) })
      yield* seed(emulator, arn, n)
      const after = wireId(String(n + 1))
      const client = instrument(emulator.client, counters, { latencyMillis: config.latency, watch: new Set([after]) })
      const event = yield* emulator.invoke(arn)
      const cpuStart = cpuMillis()
      const start = performance.now()
      const output = yield* invokeOnce(sdkOf(Workflows.replay), event, client, 1)
      const wall = performance.now() - start
      const cpu = cpuMillis() - cpuStart
      if (output.Status !== "SUCCEEDED" || output.Result !== String(n * (n + 1) / 2)) {
        return yield* Effect.die(new Error(`unexpected end: ${JSON.stringify(output)}`))
      }
      return {
        replayMs: counters.firstWatchedAt! - start,
        replayUsPerOp: (counters.firstWatchedAt! - start) * 1000 / n,
        wallMs: wall,
        cpuMs: cpu,
        calls: counters.calls,
        emulatorMs: counters.emulatorMillis
      }
    }
    case "wait": {
      const client = instrument(emulator.client, counters, { latencyMillis: config.latency })
      const start = performance.now()
      const { execution, invocations } = yield* runExecution(
        emulator,
        sdkOf(Workflows.waiting),
        { seconds: n },
        client
      )
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
  Effect.tap(() => Effect.sync(sample)),
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
