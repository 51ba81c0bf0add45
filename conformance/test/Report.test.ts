import type { Wire } from "@effect-durable/core"
import type { History } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Report from "../src/Report.ts"
import type * as Runner from "../src/Runner.ts"

const event = (EventId: number, EventType: Wire.HistoryEventType, Id?: string): History.Event => ({
  EventType,
  EventId,
  EventTimestamp: new Date(0),
  ...(Id === undefined ? {} : { Id })
})

const run = (policy: Runner.PolicyName, passed: boolean, history: ReadonlyArray<History.Event>): Runner.Run => ({
  policy,
  passed,
  mismatches: passed ? [] : [{ path: "Event[EventId=4].EventType", message: "expected \"InvocationCompleted\", got \"WaitSucceeded\"" }],
  error: undefined,
  status: "SUCCEEDED",
  result: null,
  invocations: history.filter((e) => e.EventType === "InvocationCompleted").length,
  history,
  logs: [],
  bindings: {}
})

// A 1 s wait: the reference suspends and is re-invoked; the default policy resumes it in-process.
const suspended = [
  event(1, "ExecutionStarted"),
  event(2, "WaitStarted", "w"),
  event(3, "InvocationCompleted"),
  event(4, "WaitSucceeded", "w"),
  event(5, "InvocationCompleted")
]
const inProcess = [event(1, "ExecutionStarted"), event(2, "WaitStarted", "w"), event(3, "WaitSucceeded", "w"), event(4, "InvocationCompleted")]

describe("Report.verdictOf", () => {
  it("passes under the default policy", () => {
    assert.strictEqual(Report.verdictOf({ default: run("default", true, suspended), eager: run("eager", true, suspended) }).verdict, "passed")
  })

  it("passes under the eager policy when the default only resumed in-process", () => {
    const verdict = Report.verdictOf({ default: run("default", false, inProcess), eager: run("eager", true, suspended) })
    assert.strictEqual(verdict.verdict, "passed-eager")
  })

  it("fails when the default run differs in its operations, not only its invocations", () => {
    const other = [event(1, "ExecutionStarted"), event(2, "StepStarted", "s"), event(3, "InvocationCompleted")]
    const verdict = Report.verdictOf({ default: run("default", false, other), eager: run("eager", true, suspended) })
    assert.strictEqual(verdict.verdict, "failed")
    assert.include(verdict.firstMismatch, "Event[EventId=4]")
  })

  it("no run: no handler", () => {
    assert.strictEqual(Report.verdictOf({}).verdict, "missing")
  })
})

describe("Report.compare", () => {
  const outcome = (id: string, verdict: Report.Verdict): Report.Outcome => ({
    suite: "step",
    id,
    description: "",
    optional: false,
    verdict,
    firstMismatch: undefined,
    knownFailure: undefined,
    runs: {}
  })

  it("a recorded requirement that fails, or passes only under the eager policy now, is a regression", () => {
    const { regressions, unrecorded } = Report.compare(
      { "step/1-1": "passed", "step/1-2": "passed", "step/1-3": "passed-eager", "wait/2-1": "passed" },
      [outcome("1-1", "failed"), outcome("1-2", "passed-eager"), outcome("1-3", "passed"), outcome("1-4", "passed")]
    )
    assert.deepStrictEqual(regressions, [
      "step/1-1: passed before, now failing",
      "step/1-2: passed under the default policy before, now only under the eager one"
    ])
    // 1-3 improved and 1-4 is new: the record is to be updated; wait/2-1 did not run
    assert.deepStrictEqual(unrecorded, ["step/1-3", "step/1-4"])
  })
})
