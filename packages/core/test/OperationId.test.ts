import { assert, describe, it } from "@effect/vitest"
import * as OperationId from "../src/OperationId.ts"

describe("OperationId", () => {
  it("hashes raw ids like the official SDK (first 16 hex chars of md5)", () => {
    assert.strictEqual(OperationId.hash("1"), "c4ca4238a0b92382")
    assert.strictEqual(OperationId.hash("1-1"), "ea66c06c1e1c05fa")
    assert.strictEqual(OperationId.hash("1-2"), "98c6f2c2287f4c73")
    assert.strictEqual(OperationId.hash("2"), "c81e728d9d4c2f63")
  })

  it("derives child ids from the parent's raw id", () => {
    assert.strictEqual(OperationId.child(undefined, 3), "3")
    assert.strictEqual(OperationId.child("2", 1), "2-1")
    assert.strictEqual(OperationId.child("2-1", 4), "2-1-4")
  })
})
