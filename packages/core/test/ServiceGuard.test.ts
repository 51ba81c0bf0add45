import { assert, describe, it } from "@effect/vitest"
import * as ServiceGuard from "../src/ServiceGuard.ts"
import type * as Wire from "../src/Wire.ts"

const step = (status: Wire.OperationStatus, attempt?: number): Wire.Operation => ({
  Id: "a",
  Type: "STEP",
  Status: status,
  ...(attempt === undefined ? {} : { StepDetails: { Attempt: attempt } })
})

describe("ServiceGuard.checkTransition", () => {
  it("accepts a new operation and every forward move", () => {
    assert.isUndefined(ServiceGuard.checkTransition(undefined, step("STARTED")))
    assert.isUndefined(ServiceGuard.checkTransition(step("STARTED"), step("PENDING", 1)))
    assert.isUndefined(ServiceGuard.checkTransition(step("PENDING", 1), step("READY", 1)))
    assert.isUndefined(ServiceGuard.checkTransition(step("READY", 1), step("STARTED", 1)))
    assert.isUndefined(ServiceGuard.checkTransition(step("STARTED", 1), step("SUCCEEDED", 2)))
    // the same ending, reported again
    assert.isUndefined(ServiceGuard.checkTransition(step("SUCCEEDED", 2), step("SUCCEEDED", 2)))
  })

  it("refuses an ended operation that moves again", () => {
    assert.strictEqual(
      ServiceGuard.checkTransition(step("SUCCEEDED", 1), step("STARTED", 1)),
      "operation a moved from SUCCEEDED back to STARTED"
    )
    assert.include(ServiceGuard.checkTransition(step("FAILED", 1), step("SUCCEEDED", 1)), "from FAILED back to SUCCEEDED")
  })

  it("refuses a type change and an attempt count that goes down", () => {
    assert.include(ServiceGuard.checkTransition(step("STARTED"), { Id: "a", Type: "WAIT", Status: "STARTED" }), "Type")
    assert.include(ServiceGuard.checkTransition(step("PENDING", 2), step("STARTED", 1)), "went down from 2 to 1")
  })
})

describe("ServiceGuard.checkOperation", () => {
  it("names what is wrong with a reported operation", () => {
    assert.isUndefined(ServiceGuard.checkOperation(step("STARTED")))
    assert.include(ServiceGuard.checkOperation(null), "null")
    assert.include(ServiceGuard.checkOperation({ Type: "STEP", Status: "STARTED" }), "no Id")
    assert.include(ServiceGuard.checkOperation({ Id: "a", Type: "THING", Status: "STARTED" }), "unknown Type")
    assert.include(ServiceGuard.checkOperation({ Id: "a", Type: "STEP", Status: "DONE" }), "unknown Status")
  })
})

describe("ServiceGuard.checkCheckpointResponse", () => {
  const start: Wire.OperationUpdate = { Id: "a", Type: "STEP", Action: "START" }
  const succeed: Wire.OperationUpdate = { Id: "exec", Type: "EXECUTION", Action: "SUCCEED" }

  it("requires NewExecutionState, polls included", () => {
    assert.include(ServiceGuard.checkCheckpointResponse([start], { CheckpointToken: "t" }), "no NewExecutionState")
    // a poll answered without the state would hide the change it was sent to learn (simulation finding F8)
    assert.include(ServiceGuard.checkCheckpointResponse([], { CheckpointToken: "t" }), "no NewExecutionState")
    // the terminal EXECUTION checkpoint may come back bare
    assert.isUndefined(ServiceGuard.checkCheckpointResponse([start, succeed], {}))
  })

  it("refuses garbage", () => {
    assert.include(ServiceGuard.checkCheckpointResponse([], null), "null")
    assert.include(ServiceGuard.checkCheckpointResponse([], "ok"), "string")
    assert.include(ServiceGuard.checkCheckpointResponse([], { CheckpointToken: 42 }), "CheckpointToken")
    assert.include(ServiceGuard.checkCheckpointResponse([], { NewExecutionState: [] }), "not an object")
    assert.include(ServiceGuard.checkCheckpointResponse([], { NewExecutionState: { Operations: {} } }), "not an array")
    assert.include(ServiceGuard.checkCheckpointResponse([], { NewExecutionState: { NextMarker: 1 } }), "NextMarker")
  })

  it("requires the updated operations to be reported", () => {
    assert.include(ServiceGuard.checkApplied([start], new Set()), "does not report operation a")
    assert.isUndefined(ServiceGuard.checkApplied([start], new Set(["a"])))
    assert.isUndefined(ServiceGuard.checkApplied([start, succeed], new Set()))
  })
})

describe("ServiceGuard.nextPage", () => {
  it("ends on no marker or an empty one", () => {
    assert.deepStrictEqual(ServiceGuard.nextPage(ServiceGuard.startPaging, undefined), { _tag: "Done" })
    assert.deepStrictEqual(ServiceGuard.nextPage(ServiceGuard.startPaging, ""), { _tag: "Done" })
  })

  it("refuses a marker given twice", () => {
    const first = ServiceGuard.nextPage(ServiceGuard.startPaging, "m1")
    assert.strictEqual(first._tag, "Next")
    if (first._tag !== "Next") return
    const again = ServiceGuard.nextPage(first.paging, "m1")
    assert.strictEqual(again._tag, "Violation")
    if (again._tag === "Violation") assert.include(again.message, "twice")
  })

  it("caps the pages at twice what the operation cap needs", () => {
    assert.strictEqual(ServiceGuard.maxPages, 60)
    let paging = ServiceGuard.startPaging
    let pages = 1
    while (true) {
      const next = ServiceGuard.nextPage(paging, `m${pages}`)
      if (next._tag !== "Next") {
        assert.strictEqual(next._tag, "Violation")
        break
      }
      paging = next.paging
      pages++
    }
    assert.strictEqual(pages, ServiceGuard.maxPages)
  })
})

describe("ServiceGuard.findDuplicate", () => {
  it("finds an operation id given twice", () => {
    assert.isUndefined(ServiceGuard.findDuplicate([step("STARTED"), { ...step("STARTED"), Id: "b" }]))
    assert.strictEqual(ServiceGuard.findDuplicate([step("STARTED"), step("SUCCEEDED")]), "a")
  })
})
