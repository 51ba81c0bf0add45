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

/** The requirements folder: `CONFORMANCE_REQUIREMENTS`, else `../shared/...` beside the checkout or an ancestor. */
const requirementsDir = (): string | undefined => {
  if (process.env.CONFORMANCE_REQUIREMENTS !== undefined) return process.env.CONFORMANCE_REQUIREMENTS
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, ...Files.requirementsSubpath)
    if (fs.existsSync(candidate)) return candidate
    if (path.dirname(dir) === dir) return undefined
  }
}

const dir = requirementsDir()

describe("conformance", () => {
  // The requirement files are reference data beside the repository, not part of it: without them there is nothing to run.
  it.effect.skipIf(dir === undefined)("every requirement of the record still passes, and the record is up to date", () =>
    Effect.gen(function*() {
      const requirements = yield* Requirement.loadAll(dir!)
      assert.isAtLeast(requirements.length, 1)
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
