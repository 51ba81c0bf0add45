import { assert, describe, it } from "@effect/vitest"
import * as Replay from "../src/Replay.ts"
import type * as Wire from "../src/Wire.ts"

const checkpoint: Wire.Operation = {
  Id: "c4ca4238a0b92382",
  Type: "WAIT",
  SubType: "Wait",
  Name: "pause",
  Status: "STARTED"
}

describe("Replay.validate", () => {
  it("accepts the same call, and a position with no checkpoint", () => {
    assert.isUndefined(Replay.validate(checkpoint, { rawId: "1", type: "WAIT", name: "pause", subType: "Wait" }))
    assert.isUndefined(Replay.validate(undefined, { rawId: "1", type: "STEP", name: "x", subType: "Step" }))
  })

  it("rejects another type and names both operations", () => {
    const error = Replay.validate(checkpoint, { rawId: "1", type: "STEP", name: "pause", subType: "Step" })
    assert.strictEqual(error?._tag, "NonDeterministicExecutionError")
    assert.strictEqual(error?.operationId, "1")
    assert.include(error?.message, "Operation type mismatch for step \"1\"")
    assert.include(error?.message, "Expected type \"WAIT\", but got \"STEP\"")
    assert.include(error?.message, "wait/Wait \"pause\"")
    assert.include(error?.message, "step/Step \"pause\"")
  })

  it("rejects another name", () => {
    const error = Replay.validate(checkpoint, { rawId: "1", type: "WAIT", name: "other", subType: "Wait" })
    assert.include(error?.message, "Expected name \"pause\", but got \"other\"")
  })

  it("rejects another subtype", () => {
    const error = Replay.validate(
      { ...checkpoint, Type: "STEP", SubType: "WaitForCondition" },
      { rawId: "1", type: "STEP", name: "pause", subType: "Step" }
    )
    assert.include(error?.message, "Expected subtype \"WaitForCondition\", but got \"Step\"")
  })
})
