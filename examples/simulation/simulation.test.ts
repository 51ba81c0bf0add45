/**
 * The simulation of every example and every operation's workflow, in CI: a
 * crash at every checkpoint boundary, then random fault schedules from fixed
 * seeds. `npm run simulate -- --runs N --seed S` runs longer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ciFaults, examples, operations } from "./catalog.ts"

const runs = 60
const seed = 20_261_201

describe("simulation", () => {
  for (const entry of [...examples, ...operations]) {
    it.effect(`${entry.name}: a crash at every checkpoint boundary, then ${runs} random schedules`, () =>
      Effect.gen(function*() {
        const exhaustive = yield* entry.exhaustive
        const random = yield* entry.random({ runs, seed, faults: ciFaults })
        assert.deepStrictEqual([exhaustive.failures.length, random.failures.length], [0, 0])
      }), 60_000)
  }
})
