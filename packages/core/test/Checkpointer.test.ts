import { assert, describe, it } from "@effect/vitest"
import * as Checkpointer from "../src/Checkpointer.ts"

const item = (size: number) => ({ update: {}, size })
const poll = { update: undefined, size: 0 }

describe("Checkpointer.batches", () => {
  it("keeps at most 250 updates per call", () => {
    const batches = Checkpointer.batches(Array.from({ length: 600 }, () => item(10)), 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [250, 250, 100])
  })

  it("keeps each call under 750 KB, token included", () => {
    const batches = Checkpointer.batches(Array.from({ length: 10 }, () => item(200 * 1024)), 100)
    assert.deepStrictEqual(batches.map((b) => b.length), [3, 3, 3, 1])
  })

  it("sends an oversized update alone rather than never", () => {
    const batches = Checkpointer.batches([item(10), item(900 * 1024), item(10)], 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [1, 1, 1])
  })

  it("lets polls ride along with updates without counting them", () => {
    const batches = Checkpointer.batches([poll, ...Array.from({ length: 250 }, () => item(1)), poll], 10)
    assert.deepStrictEqual(batches.map((b) => b.length), [252])
  })

  it("sends a lone poll as an empty checkpoint", () => {
    assert.deepStrictEqual(Checkpointer.batches([poll], 10).map((b) => b.length), [1])
  })
})
