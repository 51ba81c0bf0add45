import type * as Wire from "@effect-durable/core/Wire"
import { assert, describe, it } from "@effect/vitest"
import * as Ops from "../src/internal/operations.ts"
import * as Rules from "../src/internal/rules.ts"

const op = (Id: string, Type: Wire.OperationType, Status: Wire.OperationStatus, extra: Partial<Wire.Operation> = {}) =>
  ({ Id, Type, Status, ...extra }) as Wire.Operation

describe("internal rules (pure)", () => {
  it("checkShape accepts a well-formed update and names the rule otherwise", () => {
    assert.isUndefined(Rules.checkShape({ Id: "a-B_9", Type: "STEP", Action: "START", Name: "charge card" }))
    assert.strictEqual(
      Rules.checkShape({ Id: "a", Type: "CALLBACK", Action: "RETRY" }),
      "action RETRY is not valid for a CALLBACK (valid: START, CANCEL)"
    )
    assert.include(
      Rules.checkShape({ Id: "a", Type: "CALLBACK", Action: "START", CallbackOptions: { TimeoutSeconds: -1 } })!,
      "TimeoutSeconds"
    )
  })

  it("checkTransition follows the per-type table", () => {
    const step = (Action: Wire.OperationAction): Wire.OperationUpdate => ({ Id: "s", Type: "STEP", Action })
    assert.isUndefined(Rules.checkTransition(step("START"), op("s", "STEP", "READY")))
    assert.isDefined(Rules.checkTransition(step("START"), op("s", "STEP", "PENDING")))
    assert.isUndefined(Rules.checkTransition(step("SUCCEED"), undefined))
    assert.isUndefined(Rules.checkTransition(step("FAIL"), op("s", "STEP", "READY")))
    const cancel: Wire.OperationUpdate = { Id: "w", Type: "WAIT", Action: "CANCEL" }
    assert.isUndefined(Rules.checkTransition(cancel, op("w", "WAIT", "STARTED")))
    assert.isDefined(Rules.checkTransition(cancel, op("w", "WAIT", "SUCCEEDED")))
  })

  it("checkBatch allows a STEP START followed by its completion, with a parent started earlier", () => {
    assert.isUndefined(Rules.checkBatch([
      { Id: "c", Type: "CONTEXT", Action: "START" },
      { Id: "s", Type: "STEP", Action: "START", ParentId: "c" },
      { Id: "s", Type: "STEP", Action: "SUCCEED", ParentId: "c" },
      { Id: "c", Type: "CONTEXT", Action: "SUCCEED" },
      { Id: "e", Type: "EXECUTION", Action: "SUCCEED" }
    ], new Map()))
    const violation = Rules.checkBatch([{ Id: "s", Type: "STEP", Action: "START", ParentId: "x" }], new Map())
    assert.strictEqual(violation?.index, 0)
    assert.include(Rules.describe(violation!), "Id \"s\", Type STEP, Action START")
  })
})

describe("internal operations (pure)", () => {
  it("page slices with markers and validates MaxItems", () => {
    const ops = ["a", "b", "c"].map((id) => op(id, "STEP", "SUCCEEDED"))
    const first = Ops.page(ops, undefined, 2)
    assert.deepStrictEqual(first, { Operations: ops.slice(0, 2), NextMarker: "page-2" })
    assert.deepStrictEqual(Ops.page(ops, "page-2", 2), { Operations: ops.slice(2) })
    assert.isString(Ops.page(ops, "page-9", 2))
    assert.isString(Ops.page(ops, undefined, 1.5))
  })

  it("prune drops descendants of completed contexts without ReplayChildren", () => {
    const operations = new Map<string, Wire.Operation>([
      ["c", op("c", "CONTEXT", "SUCCEEDED")],
      ["c1", op("c1", "STEP", "SUCCEEDED", { ParentId: "c" })],
      ["r", op("r", "CONTEXT", "FAILED", { ContextDetails: { ReplayChildren: true } })],
      ["r1", op("r1", "STEP", "SUCCEEDED", { ParentId: "r" })],
      ["o", op("o", "CONTEXT", "STARTED")],
      ["o1", op("o1", "STEP", "STARTED", { ParentId: "o" })]
    ])
    assert.deepStrictEqual(Ops.prune(operations).map((o) => o.Id), ["c", "r", "r1", "o", "o1"])
  })

  it("prune drops the whole subtree of a completed context, its unfinished branches' operations included", () => {
    // A race completed inside "outer": the losing branch "b" stayed STARTED, and so did its step.
    const operations = new Map<string, Wire.Operation>([
      ["outer", op("outer", "CONTEXT", "SUCCEEDED")],
      ["b", op("b", "CONTEXT", "STARTED", { ParentId: "outer" })],
      ["b1", op("b1", "STEP", "SUCCEEDED", { ParentId: "b" })],
      ["r", op("r", "CONTEXT", "SUCCEEDED", { ContextDetails: { ReplayChildren: true } })],
      ["r1", op("r1", "CONTEXT", "STARTED", { ParentId: "r" })],
      ["r11", op("r11", "STEP", "STARTED", { ParentId: "r1" })]
    ])
    assert.deepStrictEqual(Ops.prune(operations).map((o) => o.Id), ["outer", "r", "r1", "r11"])
  })

  it("advanceOperation completes due waits and readies due retries only", () => {
    const wait = op("w", "WAIT", "STARTED", { WaitDetails: { ScheduledEndTimestamp: new Date(1000) } })
    assert.isUndefined(Ops.advanceOperation(wait, undefined, 999))
    assert.strictEqual(Ops.advanceOperation(wait, undefined, 1000)?.Status, "SUCCEEDED")
    const retry = op("s", "STEP", "PENDING", { StepDetails: { Attempt: 1, NextAttemptTimestamp: new Date(500) } })
    assert.strictEqual(Ops.advanceOperation(retry, undefined, 500)?.Status, "READY")
    assert.isFalse(Ops.isPending(op("e", "EXECUTION", "STARTED")))
    assert.isTrue(Ops.isPending(op("s", "STEP", "READY")))
  })
})
