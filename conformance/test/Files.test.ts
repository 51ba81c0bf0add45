import { assert, describe, it } from "@effect/vitest"
import * as path from "node:path"
import * as Files from "../src/Files.ts"

describe("Files", () => {
  it("looks for the requirements beside the repository, then beside each ancestor, nearest first", () => {
    assert.deepStrictEqual(Files.requirementsCandidates("/work/wt/review", path.posix), [
      "/work/wt/shared/reference/conformance/requirements",
      "/work/shared/reference/conformance/requirements",
      "/shared/reference/conformance/requirements"
    ])
  })
})
