import { assert, describe, it } from "@effect/vitest"
import { OperationIndex } from "../src/internal/operationIndex.ts"
import * as OperationId from "../src/OperationId.ts"
import type * as Wire from "../src/Wire.ts"

const step = (id: string, status: Wire.OperationStatus = "SUCCEEDED"): Wire.Operation => ({ Id: id, Type: "STEP", Status: status })

describe("OperationIndex", () => {
  it("finds every operation of a large state, and reports the absent ones absent", () => {
    const operations = Array.from({ length: 10_000 }, (_, i) => step(OperationId.hash(String(i + 1))))
    const index = OperationIndex.of(operations)
    assert.strictEqual(index.size, 10_000)
    for (const operation of operations) assert.strictEqual(index.get(operation.Id), operation)
    assert.isUndefined(index.get(OperationId.hash("10001")))
    assert.isFalse(index.has(OperationId.hash("0")))
    assert.isTrue(index.has(operations[4_321]!.Id))
  })

  it("keeps the insertion order as a Map does: a replaced operation keeps its place, new ones go last", () => {
    const index = OperationIndex.of([step("a", "STARTED"), step("b"), step("a")])
    const a2 = step("a", "FAILED")
    index.set("a", a2)
    index.set("c", step("c"))
    assert.deepStrictEqual([...index.keys()], ["a", "b", "c"])
    assert.deepStrictEqual([...index.values()].map((o) => o.Status), ["FAILED", "SUCCEEDED", "SUCCEEDED"])
    assert.deepStrictEqual([...index].map(([id, o]) => [id, o.Status]), [["a", "FAILED"], ["b", "SUCCEEDED"], [
      "c",
      "SUCCEEDED"
    ]])
    const seen: Array<string> = []
    index.forEach((operation, id, self) => {
      assert.strictEqual(self, index)
      assert.strictEqual(operation.Id, id)
      seen.push(id)
    })
    assert.deepStrictEqual(seen, ["a", "b", "c"])
    assert.strictEqual(index.get("a"), a2)
  })

  it("grows past the size it was built for, colliding ids included", () => {
    const index = OperationIndex.of([])
    const ids = Array.from({ length: 1_000 }, (_, i) => `id-${i}`)
    for (const id of ids) index.set(id, step(id))
    assert.strictEqual(index.size, 1_000)
    for (const id of ids) assert.strictEqual(index.get(id)?.Id, id)
    assert.deepStrictEqual([...index.keys()], ids)
    // Iterating sees what is added meanwhile, as a Map's iterator does.
    const growing = OperationIndex.of([step("x")])
    const visited: Array<string> = []
    for (const operation of growing.values()) {
      visited.push(operation.Id)
      if (operation.Id === "x") growing.set("y", step("y"))
    }
    assert.deepStrictEqual(visited, ["x", "y"])
  })
})
