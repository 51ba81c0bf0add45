/**
 * The conformance gate of `npm test`: every requirement runs (each under the
 * default and the eager policy, on a virtual clock), and the outcome is
 * compared with the committed record, `conformance/passing.json`. A
 * requirement of the record that no longer passes fails the build; one that
 * passes without being recorded fails it too, until the record is updated
 * (`npm run conformance -- --update-record`), so that the record, and the
 * README's table, say what is true.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { suites } from "../handlers/index.ts"
import * as Conformance from "../src/Conformance.ts"
import * as Files from "../src/Files.ts"
import * as Report from "../src/Report.ts"
import * as Requirement from "../src/Requirement.ts"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/**
 * Where the gate finds the requirement files (reference data beside the
 * repository, not part of it):
 *
 * - `CONFORMANCE_REQUIREMENTS=<dir>`: that folder, which must exist (else the
 *   gate fails);
 * - else the default folder (`Files.requirementsCandidates`), if one exists;
 * - else none: the gate cannot run. With `CONFORMANCE_GATE=required` that
 *   fails the build; otherwise the gate is skipped, and says so loudly.
 */
const locate = (): { readonly dir: string } | { readonly missing: string; readonly given: boolean } => {
  const given = process.env.CONFORMANCE_REQUIREMENTS
  if (given !== undefined && given !== "") {
    return fs.existsSync(given)
      ? { dir: given }
      : { missing: `CONFORMANCE_REQUIREMENTS=${given} does not exist`, given: true }
  }
  const candidates = Files.requirementsCandidates(root, path)
  const found = candidates.find((candidate) => fs.existsSync(candidate))
  return found !== undefined
    ? { dir: found }
    : {
      missing: `no requirements folder (looked for ${candidates.join(", ")}); set CONFORMANCE_REQUIREMENTS=<dir>`,
      given: false
    }
}

const located = locate()
/** Skipped only when nobody asked for it: no folder given, and not `CONFORMANCE_GATE=required`. */
const skipped = "missing" in located && !located.given && process.env.CONFORMANCE_GATE !== "required"

if (skipped) {
  console.warn(
    `\n*** The conformance gate is NOT RUN: ${located.missing}.\n` +
      "*** No requirement of conformance/passing.json is checked. (CONFORMANCE_GATE=required makes this a failure.)\n"
  )
}

describe("conformance", () => {
  if (skipped) {
    it.skip(`the gate is NOT RUN: ${located.missing} (CONFORMANCE_GATE=required makes this a failure)`, () => {})
    return
  }
  it.effect("every requirement of the record still passes, and the record is up to date", () =>
    Effect.gen(function*() {
      if ("missing" in located) return yield* Effect.die(new Error(`The conformance gate cannot run: ${located.missing}`))
      const requirements = yield* Requirement.loadAll(located.dir)
      assert.isAtLeast(requirements.length, 1)
      console.log(`conformance gate: ${requirements.length} requirements from ${located.dir}`)
      const outcomes = yield* Conformance.run(requirements, suites, { seed: 1 })
      const recorded = yield* Files.readRecord(path.join(root, "conformance", "passing.json"))
      const { regressions, unrecorded } = Report.compare(recorded, outcomes)
      assert.deepStrictEqual(regressions, [], `Requirements that passed no longer do:\n${regressions.join("\n")}`)
      assert.deepStrictEqual(
        unrecorded,
        [],
        "Requirements pass that the record does not list: run `npm run conformance -- --update-record`"
      )
    }).pipe(Effect.provide(NodeServices.layer)), 300_000)
})
