/**
 * A driver for profilers: replays N seeded operations R times with one SDK, so
 * that the replay dominates the profile (`node --cpu-prof`, `valgrind --tool=callgrind`).
 *
 * `node --cpu-prof bench/dist/profile.js '{"sdk":"ours","n":10000,"reps":5}'`
 */
import { Emulator } from "@effect-durable/testing/Emulator"
import { Effect } from "effect"
import { performance } from "node:perf_hooks"
import { instrument, invokeOnce, makeCounters, seed, type Sdk } from "./harness.ts"
import * as Workflows from "./workflows.ts"

const config = JSON.parse(process.argv[2] ?? "{}") as { sdk: "ours" | "theirs"; n: number; reps: number }
const sdk: Sdk = config.sdk === "ours"
  ? { _tag: "ours", workflow: Workflows.replay.ours }
  : { _tag: "theirs", handler: Workflows.replay.theirs }

const program = Effect.gen(function*() {
  const emulator = yield* Emulator
  const client = instrument(emulator.client, makeCounters(), { latencyMillis: 0 })
  const events = []
  for (let i = 0; i < config.reps; i++) {
    const arn = yield* emulator.start({ input: JSON.stringify({ n: config.n }) })
    yield* seed(emulator, arn, config.n)
    events.push(yield* emulator.invoke(arn))
  }
  // The window of the replays on the monotonic clock (µs), for tools that keep only its samples.
  const from = process.hrtime.bigint() / 1000n
  for (const [i, event] of events.entries()) {
    const start = performance.now()
    const cpu = process.cpuUsage()
    yield* invokeOnce(sdk, event, client, i)
    const used = process.cpuUsage(cpu)
    process.stdout.write(
      `${config.sdk} n=${config.n}: ${(performance.now() - start).toFixed(1)} ms wall, ${
        ((used.user + used.system) / 1000).toFixed(1)
      } ms CPU\n`
    )
  }
  process.stdout.write(`window ${from} ${process.hrtime.bigint() / 1000n}\n`)
}).pipe(Effect.provide(Emulator.layer))

Effect.runPromise(program)
