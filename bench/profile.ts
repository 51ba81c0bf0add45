/**
 * A driver for profilers: runs one scenario R times in one process with one
 * SDK, so that the scenario dominates the profile (`node --cpu-prof`,
 * `valgrind --tool=callgrind`), and prints the window of the measured runs on
 * the monotonic clock (µs) so that a profile can be cut to it.
 *
 * `node --cpu-prof bench/dist/profile.js '{"scenario":"replay","sdk":"ours","n":10000,"reps":5}'`
 * (`"latency": 5` adds a 5 ms round trip to every call).
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import { Effect } from "effect"
import { performance } from "node:perf_hooks"
import { deliver, invokeHandler, makeCounters, runHandlerExecution, type Sdk, seed, transport } from "./harness.ts"
import * as Workflows from "./workflows.ts"

const config = JSON.parse(process.argv[2] ?? "{}") as {
  readonly scenario: "replay" | "chain" | "chainAtMostOnce" | "concurrent" | "map"
  readonly sdk: "ours" | "theirs"
  readonly n: number
  readonly reps: number
  /** Injected round trip of every call, in ms (0 by default). */
  readonly latency?: number
}
const pair = config.scenario === "replay"
  ? Workflows.replay
  : config.scenario === "concurrent"
  ? Workflows.concurrent
  : config.scenario === "map"
  ? Workflows.map
  : config.scenario === "chainAtMostOnce"
  ? Workflows.sequentialAtMostOnce
  : Workflows.sequential
const sdk: Sdk = config.sdk === "ours" ? { _tag: "ours", workflow: pair.ours } : { _tag: "theirs", handler: pair.theirs }

const report = (start: number, cpu: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(cpu)
  process.stdout.write(
    `${config.sdk} ${config.scenario} n=${config.n}: ${(performance.now() - start).toFixed(1)} ms wall, ${
      ((used.user + used.system) / 1000).toFixed(1)
    } ms CPU\n`
  )
}

const program = Effect.gen(function*() {
  const emulator = yield* Emulator
  const client = transport(emulator.client, makeCounters(), { latencyMillis: config.latency ?? 0, timed: false })
  if (config.scenario === "replay") {
    const events = []
    for (let i = 0; i < config.reps; i++) {
      const arn = yield* emulator.start({ input: JSON.stringify({ n: config.n }) })
      yield* seed(emulator, arn, config.n)
      events.push(deliver(yield* emulator.invoke(arn)))
    }
    const from = process.hrtime.bigint() / 1000n
    // For an allocation profiler loaded with --import (see RESULTS.md): start and stop around the replays.
    const hooks = globalThis as { __startAlloc?: () => Promise<unknown>; __stopAlloc?: () => Promise<unknown> }
    if (hooks.__startAlloc !== undefined) yield* Effect.promise(() => hooks.__startAlloc!())
    for (const [i, event] of events.entries()) {
      const start = performance.now()
      const cpu = process.cpuUsage()
      yield* invokeHandler(sdk, event, client, i)
      report(start, cpu)
    }
    if (hooks.__stopAlloc !== undefined) yield* Effect.promise(() => hooks.__stopAlloc!())
    process.stdout.write(`window ${from} ${process.hrtime.bigint() / 1000n}\n`)
    return
  }
  const from = process.hrtime.bigint() / 1000n
  const hooks = globalThis as { __startAlloc?: () => Promise<unknown>; __stopAlloc?: () => Promise<unknown> }
  for (let i = 0; i < config.reps; i++) {
    // The allocation profiler (if loaded) covers the last run only, once the JIT is warm.
    if (i === config.reps - 1 && hooks.__startAlloc !== undefined) yield* Effect.promise(() => hooks.__startAlloc!())
    const start = performance.now()
    const cpu = process.cpuUsage()
    yield* runHandlerExecution(emulator, sdk, { n: config.n }, client)
    report(start, cpu)
  }
  if (hooks.__stopAlloc !== undefined) yield* Effect.promise(() => hooks.__stopAlloc!())
  process.stdout.write(`window ${from} ${process.hrtime.bigint() / 1000n}\n`)
}).pipe(Effect.provide(Emulator.layer))

Effect.runPromise(program)
