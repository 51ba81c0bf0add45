import { assert, describe, it } from "@effect/vitest"
import { Batch, Durable } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect } from "effect"
import { run } from "./support.ts"

// Time and memory of this run are measured in bench/ (map-10k), not here.

describe("Durable.map at scale", () => {
  it.effect("10,000 items with maxConcurrency 50 complete under TestClock", () =>
    Effect.gen(function*() {
      const items = Array.from({ length: 10_000 }, (_, i) => i)
      const workflow = Durable.workflow({ name: "map-10k" }, () =>
        Effect.map(
          Durable.map("items", items, (n) =>
            Effect.gen(function*() {
              yield* Effect.sleep("1 second")
              return yield* Durable.step("square", Effect.succeed(n * n))
            }), { maxConcurrency: 50 }),
          (batch) => ({
            reason: batch.completionReason,
            count: batch.successCount,
            sum: Batch.results(batch).reduce((a, b) => a + (b as number), 0)
          })
        ))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(result.operations.filter((op) => op.SubType === "MapIteration").length, items.length)
      if (result.status === "SUCCEEDED") {
        const sum = items.reduce((a, n) => a + n * n, 0)
        assert.deepStrictEqual(result.output, { reason: "ALL_COMPLETED", count: items.length, sum })
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)), 120_000)
})
