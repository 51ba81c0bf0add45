/**
 * `npm run conformance [-- --suite step --only 1-11] [--requirements <dir>]`:
 * runs the official requirements against effect-durable on the emulator,
 * prints the table and the summary per folder, writes the JSON report, and
 * fails when a requirement of the record no longer passes.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, FileSystem, Option, Path } from "effect"
import { Command, Flag } from "effect/cli"
import { suites } from "../handlers/index.ts"
import * as Conformance from "./Conformance.ts"
import * as Files from "./Files.ts"
import * as Report from "./Report.ts"
import * as Requirement from "./Requirement.ts"

const list = (value: Option.Option<string>): ReadonlyArray<string> =>
  Option.match(value, {
    onNone: () => [],
    onSome: (text) => text.split(",").map((item) => item.trim()).filter((item) => item.length > 0)
  })

const conformance = Command.make(
  "conformance",
  {
    suite: Flag.String("suite").pipe(
      Flag.withDescription("Folders to run, comma-separated (default: all)"),
      Flag.optional
    ),
    only: Flag.String("only").pipe(
      Flag.withDescription("Requirement ids to run, comma-separated, e.g. 1-11,1-12 (default: all)"),
      Flag.optional
    ),
    requirements: Flag.String("requirements").pipe(
      Flag.withDescription("The requirements folder (default: ../shared/reference/conformance/requirements)"),
      Flag.optional
    ),
    report: Flag.String("report").pipe(
      Flag.withDescription("Where to write the JSON report"),
      Flag.withDefault("conformance/report.json")
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the generated variables"), Flag.withDefault(1)),
    markdown: Flag.Boolean("markdown").pipe(
      Flag.withDescription("Also print the summary and the failures as Markdown"),
      Flag.withDefault(false)
    ),
    updateRecord: Flag.Boolean("update-record").pipe(
      Flag.withDescription("Write the requirements that pass into conformance/passing.json"),
      Flag.withDefault(false)
    )
  },
  Effect.fn(function*(flags) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = path.resolve(path.dirname(yield* path.fromFileUrl(new URL(import.meta.url))), "..", "..", "..")
    const dir = Option.isSome(flags.requirements)
      ? flags.requirements.value
      : yield* Files.defaultRequirementsDir(root)
    if (dir === undefined) {
      return yield* Effect.fail(
        new Error("No requirements folder found (../shared/reference/conformance/requirements): pass --requirements <dir>")
      )
    }
    const requirements = yield* Requirement.loadAll(dir)
    const selection = { suites: list(flags.suite), only: list(flags.only), seed: flags.seed }
    yield* Console.log(`${requirements.filter((r) => Conformance.selects(selection, r)).length} requirements from ${dir}`)
    const outcomes = yield* Conformance.run(requirements, suites, {
      ...selection,
      onOutcome: (outcome) =>
        Console.error(`${outcome.suite}/${outcome.id}: ${outcome.verdict}`)
    })
    yield* Console.log(Report.table(outcomes))
    if (flags.markdown) yield* Console.log(`\n${Report.markdown(outcomes)}`)
    const reportFile = path.resolve(root, flags.report)
    yield* fs.writeFileString(reportFile, Report.json(outcomes, { requirements: dir, seed: flags.seed }))
    yield* Console.log(`\nJSON report: ${reportFile}`)

    const recordFile = yield* Files.recordPath(root)
    const recorded = yield* Files.readRecord(recordFile)
    if (flags.updateRecord) {
      const kept = Object.fromEntries(
        Object.entries(recorded).filter(([key]) =>
          !outcomes.some((outcome) => `${outcome.suite}/${outcome.id}` === key)
        )
      )
      const next = Object.fromEntries(Object.entries({ ...kept, ...Report.record(outcomes) }).sort(([a], [b]) => a.localeCompare(b)))
      yield* fs.writeFileString(recordFile, JSON.stringify(next, null, 2) + "\n")
      yield* Console.log(`Record updated: ${recordFile}`)
      return
    }
    const { regressions, unrecorded } = Report.compare(recorded, outcomes)
    if (unrecorded.length > 0) {
      yield* Console.log(`\nPassing but not in the record (run with --update-record): ${unrecorded.join(", ")}`)
    }
    if (regressions.length > 0) {
      return yield* Effect.fail(new Error(`Requirements that passed no longer do:\n  ${regressions.join("\n  ")}`))
    }
  })
).pipe(Command.withDescription("Run the official durable execution conformance requirements on the emulator"))

conformance.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
