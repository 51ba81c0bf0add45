/**
 * Verdicts and reports: what a requirement's runs under each policy mean, and
 * the table, the summary per folder and the JSON report of a whole run.
 *
 * @since 0.1.0
 */
import type { History } from "@effect-durable/testing"
import { Schema } from "effect"
import type * as Requirement from "./Requirement.ts"
import type * as Runner from "./Runner.ts"

/**
 * The verdict on one requirement.
 *
 * - `passed`: it passes under the default policy;
 * - `passed-eager`: it passes under the `eager` policy, and under the default
 *   it differs only because a short wait or retry resumed in-process (fewer
 *   invocations, the same operations' events);
 * - `failed`: it does not pass;
 * - `missing`: no handler is written for it.
 *
 * @category models
 * @since 0.1.0
 */
export type Verdict = "passed" | "passed-eager" | "failed" | "missing"

/**
 * One requirement's outcome.
 *
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly suite: string
  readonly id: string
  readonly description: string
  readonly optional: boolean
  readonly verdict: Verdict
  /** The first difference of the run that decides the verdict, for a failure. */
  readonly firstMismatch: string | undefined
  /** Why it does not pass, when that is known and written down with its handler. */
  readonly knownFailure: string | undefined
  readonly runs: Partial<Record<Runner.PolicyName, Runner.Run>>
}

/** What an event says about the operations, leaving invocations aside. */
const operationEvents = (history: ReadonlyArray<History.Event>): ReadonlyArray<string> =>
  history.filter((event) => event.EventType !== "InvocationCompleted").map((event) =>
    `${event.EventType} ${event.Id ?? ""} ${event.Name ?? ""}`
  )

/**
 * Whether the default run differs from the eager run only by resuming in
 * process: fewer invocations, and the same events of operations, in the same
 * order, once the `InvocationCompleted` events are left aside.
 *
 * @category verdicts
 * @since 0.1.0
 */
export const resumedInProcessOnly = (defaultRun: Runner.Run, eagerRun: Runner.Run): boolean => {
  if (defaultRun.error !== undefined || defaultRun.invocations >= eagerRun.invocations) return false
  if (defaultRun.status !== eagerRun.status) return false
  const a = operationEvents(defaultRun.history)
  const b = operationEvents(eagerRun.history)
  return a.length === b.length && a.every((event, index) => event === b[index])
}

const describeRun = (run: Runner.Run): string | undefined => {
  if (run.error !== undefined) return `run failed: ${run.error}`
  const first = run.mismatches[0]
  return first === undefined ? undefined : `${first.path}: ${first.message}`
}

/**
 * The verdict on a requirement from its runs.
 *
 * @category verdicts
 * @since 0.1.0
 */
export const verdictOf = (
  runs: Partial<Record<Runner.PolicyName, Runner.Run>>
): { readonly verdict: Verdict; readonly firstMismatch: string | undefined } => {
  const byDefault = runs.default
  const eager = runs.eager
  if (byDefault === undefined) return { verdict: "missing", firstMismatch: undefined }
  if (byDefault.passed) return { verdict: "passed", firstMismatch: undefined }
  if (eager?.passed === true && resumedInProcessOnly(byDefault, eager)) {
    return { verdict: "passed-eager", firstMismatch: undefined }
  }
  return { verdict: "failed", firstMismatch: describeRun(eager?.passed === false ? eager : byDefault) }
}

/**
 * Builds one requirement's outcome.
 *
 * @category verdicts
 * @since 0.1.0
 */
export const outcome = (
  requirement: Requirement.Requirement,
  runs: Partial<Record<Runner.PolicyName, Runner.Run>>,
  knownFailure?: string
): Outcome => ({
  suite: requirement.suite,
  id: requirement.id,
  description: requirement.description,
  optional: requirement.optional,
  ...verdictOf(runs),
  knownFailure,
  runs
})

const isPass = (verdict: Verdict): boolean => verdict === "passed" || verdict === "passed-eager"

/**
 * Passed and total counts per folder, and overall.
 *
 * @category reports
 * @since 0.1.0
 */
export interface Summary {
  readonly suite: string
  readonly total: number
  readonly passed: number
  /** Of `passed`, how many pass under the default policy itself. */
  readonly passedDefault: number
  readonly passedEager: number
}

/**
 * The summary per folder, then the total (suite `"total"`).
 *
 * @category reports
 * @since 0.1.0
 */
export const summarize = (outcomes: ReadonlyArray<Outcome>): ReadonlyArray<Summary> => {
  const suites = [...new Set(outcomes.map((o) => o.suite))]
  const of = (suite: string, list: ReadonlyArray<Outcome>): Summary => ({
    suite,
    total: list.length,
    passed: list.filter((o) => isPass(o.verdict)).length,
    passedDefault: list.filter((o) => o.verdict === "passed").length,
    passedEager: list.filter((o) => o.runs.eager?.passed === true).length
  })
  return [...suites.map((suite) => of(suite, outcomes.filter((o) => o.suite === suite))), of("total", outcomes)]
}

const pad = (text: string, width: number) => text.length >= width ? text : text + " ".repeat(width - text.length)

const label: Record<Verdict, string> = {
  passed: "pass",
  "passed-eager": "pass (eager)",
  failed: "FAIL",
  missing: "no handler"
}

/**
 * The table of requirements (requirement, verdict, result under each policy,
 * first mismatch) followed by the summary per folder, as text.
 *
 * @category reports
 * @since 0.1.0
 */
export const table = (outcomes: ReadonlyArray<Outcome>): string => {
  const policyCell = (run: Runner.Run | undefined) =>
    run === undefined ? "-" : `${run.passed ? "pass" : "fail"} (${run.invocations} inv.)`
  const rows = outcomes.map((o) => [
    `${o.suite}/${o.id}${o.optional ? " (optional)" : ""}`,
    label[o.verdict],
    policyCell(o.runs.default),
    policyCell(o.runs.eager),
    o.verdict === "failed" || o.verdict === "missing" ? (o.knownFailure ?? o.firstMismatch ?? "") : ""
  ])
  const header = ["requirement", "verdict", "default", "eager", "first mismatch / why"]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => Math.min(row[i]!.length, 40))))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : pad(cell, widths[i]!)).join("  ")
  const summary = summarize(outcomes).map((s) =>
    line([
      s.suite,
      `${s.passed}/${s.total}`,
      `${s.passedDefault}/${s.total}`,
      `${s.passedEager}/${s.total}`,
      ""
    ])
  )
  return [
    line(header),
    ...rows.map(line),
    "",
    line(["folder", "passed", "default", "eager", ""]),
    ...summary
  ].join("\n")
}

/**
 * The summary per folder as a Markdown table (for the README).
 *
 * @category reports
 * @since 0.1.0
 */
export const markdown = (outcomes: ReadonlyArray<Outcome>): string => {
  const lines = [
    "| folder | passed | under the default policy | under the eager policy |",
    "|---|---|---|---|",
    ...summarize(outcomes).map((s) =>
      `| ${s.suite === "total" ? "**total**" : s.suite} | ${s.passed}/${s.total} | ${s.passedDefault}/${s.total} | ${s.passedEager}/${s.total} |`
    )
  ]
  const failures = outcomes.filter((o) => !isPass(o.verdict))
  if (failures.length > 0) {
    lines.push("", "| requirement | why it does not pass |", "|---|---|")
    for (const o of failures) lines.push(`| ${o.suite}/${o.id} | ${(o.knownFailure ?? o.firstMismatch ?? o.verdict).replace(/\|/g, "\\|")} |`)
  }
  return lines.join("\n")
}

/**
 * The JSON report: every outcome with its runs (history and logs included).
 *
 * @category reports
 * @since 0.1.0
 */
export const json = (outcomes: ReadonlyArray<Outcome>, meta: Readonly<Record<string, unknown>>): string =>
  JSON.stringify({ ...meta, summary: summarize(outcomes), outcomes }, null, 2)

/**
 * The record kept in the repository: the requirements that pass, each with
 * its verdict. A requirement in it that no longer passes breaks the build.
 *
 * @category record
 * @since 0.1.0
 */
export const PassingRecord = Schema.Record(Schema.String, Schema.Literals(["passed", "passed-eager"]))
/** @since 0.1.0 */
export type PassingRecord = typeof PassingRecord.Type

/**
 * The record of a run.
 *
 * @category record
 * @since 0.1.0
 */
export const record = (outcomes: ReadonlyArray<Outcome>): PassingRecord => {
  const out: Record<string, "passed" | "passed-eager"> = {}
  for (const o of outcomes) if (o.verdict === "passed" || o.verdict === "passed-eager") out[`${o.suite}/${o.id}`] = o.verdict
  return out
}

/**
 * How a run compares with the record: requirements that passed and no longer
 * do (regressions, which break the build), and requirements that pass and are
 * not recorded yet (the record is to be updated).
 *
 * @category record
 * @since 0.1.0
 */
export const compare = (
  recorded: PassingRecord,
  outcomes: ReadonlyArray<Outcome>
): { readonly regressions: ReadonlyArray<string>; readonly unrecorded: ReadonlyArray<string> } => {
  const current = record(outcomes)
  const ran = new Set(outcomes.map((o) => `${o.suite}/${o.id}`))
  const regressions = Object.entries(recorded).flatMap(([key, verdict]) =>
    !ran.has(key) ? [] : current[key] === undefined ? [`${key}: ${verdict} before, now failing`] :
      verdict === "passed" && current[key] === "passed-eager"
      ? [`${key}: passed under the default policy before, now only under the eager one`]
      : []
  )
  const unrecorded = Object.keys(current).filter((key) => recorded[key] !== current[key] && !regressions.some((r) => r.startsWith(`${key}:`)))
  return { regressions, unrecorded }
}
