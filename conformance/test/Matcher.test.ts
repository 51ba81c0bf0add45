import { assert, describe, it } from "@effect/vitest"
import * as Matcher from "../src/Matcher.ts"

const bindings = (entries: Record<string, unknown> = {}): Matcher.Bindings => new Map(Object.entries(entries))
const paths = (mismatches: ReadonlyArray<Matcher.Mismatch>) => mismatches.map((m) => m.path)

describe("Matcher.matchValue", () => {
  it("`{}` and '*' accept any value, but the key must exist", () => {
    assert.deepStrictEqual(Matcher.matchValue({ A: {}, B: "*" }, { A: { x: 1 }, B: null }, "E", bindings()), [])
    assert.deepStrictEqual(paths(Matcher.matchValue({ A: {}, B: "*" }, {}, "E", bindings())), ["E.A", "E.B"])
  })

  it("compares only the keys the expected mapping names, recursively", () => {
    const actual = { EventType: "StepFailed", StepFailedDetails: { RetryDetails: { CurrentAttempt: 2, Next: 1 }, Error: {} } }
    assert.deepStrictEqual(
      Matcher.matchValue({ StepFailedDetails: { RetryDetails: { CurrentAttempt: 2 } } }, actual, "E", bindings()),
      []
    )
    const [mismatch] = Matcher.matchValue({ StepFailedDetails: { RetryDetails: { CurrentAttempt: 1 } } }, actual, "E", bindings())
    assert.strictEqual(mismatch?.path, "E.StepFailedDetails.RetryDetails.CurrentAttempt")
    assert.strictEqual(mismatch?.message, "expected 1, got 2")
  })

  it("${NAME}: the first occurrence binds, every later one must be equal", () => {
    const names = bindings()
    assert.deepStrictEqual(Matcher.matchValue({ Id: "${ID1}" }, { Id: "abc" }, "E2", names), [])
    assert.strictEqual(names.get("ID1"), "abc")
    assert.deepStrictEqual(Matcher.matchValue({ Id: "${ID1}" }, { Id: "abc" }, "E3", names), [])
    const [mismatch] = Matcher.matchValue({ Id: "${ID1}" }, { Id: "xyz" }, "E4", names)
    assert.strictEqual(mismatch?.path, "E4.Id")
    assert.include(mismatch?.message, "\"abc\"")
  })

  it("${NAME} bound beforehand (a variable) must be equal", () => {
    assert.deepStrictEqual(Matcher.matchValue({ Name: "${CB}" }, { Name: "q1" }, "E", bindings({ CB: "q1" })), [])
    assert.lengthOf(Matcher.matchValue({ Name: "${CB}" }, { Name: "q2" }, "E", bindings({ CB: "q1" })), 1)
  })

  it("${/regex/}: the actual value as a string must contain a match", () => {
    assert.deepStrictEqual(Matcher.matchValue("${/^[0-5]$/}", 4, "D", bindings()), [])
    assert.lengthOf(Matcher.matchValue("${/^[0-5]$/}", 7, "D", bindings()), 1)
    assert.deepStrictEqual(Matcher.matchValue("${/.*TransientError$/}", "my.TransientError", "T", bindings()), [])
  })

  it("names inside longer strings are substituted before comparing", () => {
    assert.deepStrictEqual(Matcher.matchValue("\"${P}\"", "\"hello\"", "P", bindings({ P: "hello" })), [])
    assert.lengthOf(Matcher.matchValue("\"${P}\"", "hello", "P", bindings({ P: "hello" })), 1)
  })

  it("lists: same length, element by element", () => {
    assert.deepStrictEqual(Matcher.matchValue([1, "*", { a: 1 }], [1, 2, { a: 1, b: 2 }], "L", bindings()), [])
    assert.strictEqual(Matcher.matchValue([1, 2], [1, 2, 3], "L", bindings())[0]?.message, "expected 2 elements, got 3")
  })

  it("${JSON} decodes the actual string; ${ABSENT} requires a key to be missing", () => {
    assert.deepStrictEqual(
      Matcher.matchValue({ Payload: { "${JSON}": { status: "SUCCEEDED" } } }, { Payload: "{\"status\":\"SUCCEEDED\",\"n\":1}" }, "E", bindings()),
      []
    )
    assert.lengthOf(Matcher.matchValue({ Payload: { "${JSON}": {} } }, { Payload: "{oops" }, "E", bindings()), 1)
    assert.deepStrictEqual(Matcher.matchValue({ error: "${ABSENT}" }, { result: 1 }, "E", bindings()), [])
    assert.lengthOf(Matcher.matchValue({ error: "${ABSENT}" }, { error: "x" }, "E", bindings()), 1)
  })

  it("literals: deep equality of decoded JSON, null included", () => {
    assert.deepStrictEqual(Matcher.matchValue({ a: [1, { b: null }] }, { a: [1, { b: null }] }, "R", bindings()), [])
    assert.lengthOf(Matcher.matchValue(null, "null", "R", bindings()), 1)
    assert.lengthOf(Matcher.matchValue("x", { x: 1 }, "R", bindings()), 1)
  })
})

describe("Matcher.matchHistory", () => {
  const history = [
    { EventType: "ExecutionStarted", EventId: 1 },
    { EventType: "StepStarted", EventId: 2, Id: "c4ca", SubType: "Step", StepStartedDetails: {} },
    { EventType: "StepSucceeded", EventId: 3, Id: "c4ca", SubType: "Step", StepSucceededDetails: { Result: { Payload: "1" } } },
    { EventType: "InvocationCompleted", EventId: 4, InvocationCompletedDetails: {} }
  ]

  it("pairs expected and actual events by EventId and ignores the others", () => {
    assert.deepStrictEqual(
      Matcher.matchHistory(
        [
          { EventType: "StepSucceeded", EventId: 3, Id: "${ID1}" },
          { EventType: "StepStarted", EventId: 2, Id: "${ID1}", StepStartedDetails: {} }
        ],
        history,
        bindings()
      ),
      []
    )
  })

  it("reports an expected event the history does not have, and events out of place", () => {
    const mismatches = Matcher.matchHistory(
      [{ EventType: "StepStarted", EventId: 3 }, { EventType: "InvocationCompleted", EventId: 5 }],
      history,
      bindings()
    )
    assert.deepStrictEqual(paths(mismatches), ["Event[EventId=3].EventType", "Event[EventId=5]"])
  })
})

describe("Matcher.matchLogs", () => {
  const records = [
    { plugin: "P", hook: "invocation-start", first: true },
    { message: "Greeting step running for: abc" },
    { plugin: "P", hook: "attempt-start", n: 1, op: "id1" },
    { plugin: "P", hook: "invocation-end", status: "SUCCEEDED", count: 3 }
  ]

  it("counts records that have every field, with /regex/ values and (?i)", () => {
    assert.deepStrictEqual(
      Matcher.matchLogs(
        [
          { match: { plugin: "P", hook: "invocation-start", first: true }, count: 1 },
          { match: { message: "/running for: ${IN}/" }, count: 1 },
          { match: { hook: "/(?i)INVOCATION-END/", count: "/^[1-9]\\d*$/" }, count: 1 },
          { match: { hook: "invocation-start", first: false }, count: 0 },
          { match: { plugin: "P" }, min_count: 2 },
          { match: { op: "${OP}" } }
        ],
        records,
        bindings({ IN: "abc", OP: "id1" })
      ),
      []
    )
  })

  it("count, min_count and max_count", () => {
    assert.lengthOf(Matcher.matchLogs([{ match: { plugin: "P" }, count: 2 }], records, bindings()), 1)
    assert.lengthOf(Matcher.matchLogs([{ match: { plugin: "P" }, min_count: 4 }], records, bindings()), 1)
    assert.lengthOf(Matcher.matchLogs([{ match: { plugin: "P" }, max_count: 2 }], records, bindings()), 1)
    assert.lengthOf(Matcher.matchLogs([{ match: { plugin: "Q" } }], records, bindings()), 1)
  })

  it("after: every selected record comes after a record matching each entry", () => {
    assert.deepStrictEqual(
      Matcher.matchLogs(
        [{ match: { hook: "invocation-end" }, count: 1, after: [{ message: "/running/" }, { hook: "invocation-start" }] }],
        records,
        bindings()
      ),
      []
    )
    assert.lengthOf(
      Matcher.matchLogs([{ match: { hook: "invocation-start" }, count: 1, after: [{ hook: "invocation-end" }] }], records, bindings()),
      1
    )
    assert.lengthOf(
      Matcher.matchLogs([{ match: { hook: "invocation-end" }, count: 1, after: [{ hook: "nope" }] }], records, bindings()),
      1
    )
  })
})

describe("Matcher.substitute", () => {
  it("a whole placeholder becomes the bound value; inside a string, its text", () => {
    const names = bindings({ A: [1, 2], S: "x" })
    assert.deepStrictEqual(Matcher.substitute({ list: "${A}", text: "v-${S}-${NOPE}" }, names), { list: [1, 2], text: "v-x-${NOPE}" })
    assert.strictEqual(Matcher.substitute("${/re/}", names), "${/re/}")
  })
})
