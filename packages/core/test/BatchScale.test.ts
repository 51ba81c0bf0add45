import { assert, describe, it } from "@effect/vitest"
import { Batch, Durable } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect } from "effect"
import { run } from "./support.ts"

describe("Durable.map at scale", () => {
  it.effect("10,000 items with maxConcurrency 50 complete under TestClock", () =>
    Effect.gen(function*() {
      const items = Array.from({ length: Number(process.env.MAP_N ?? 10_000) }, (_, i) => i)
      const workflow = Durable.workflow({ name: "map-10k" }, () =>
        Effect.map(
          Durable.map("items", items, (n) =>
            Effect.gen(function*() {
              yield* Effect.sleep("1 second")
              return yield* Durable.step("square", Effect.succeed(n * n))
            }), { maxConcurrency: 50 }),
          (batch) => ({ reason: batch.completionReason, count: batch.successCount, sum: Batch.results(batch).reduce((a, b) => a + (b as number), 0) })
        ))
      const started = performance.now()
      const result = yield* run(workflow)
      const elapsed = performance.now() - started
      console.log(`map 10k: ${elapsed.toFixed(0)} ms, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, invocations ${result.invocations.length}, checkpoint calls ${result.checkpointCalls}, operations ${result.operations.length}`)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { reason: "ALL_COMPLETED", count: items.length, sum: items.reduce((a, n) => a + n * n, 0) })
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)), 120_000)
})
