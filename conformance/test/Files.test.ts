import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem } from "effect"
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

  it.effect("reads the record: empty when there is none, a RecordError when it is not one", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const file = path.join(dir, "passing.json")
      assert.deepStrictEqual(yield* Files.readRecord(file), {})
      yield* fs.writeFileString(file, JSON.stringify({ "step/1-1": "passed", "wait/2-1": "passed-eager" }))
      assert.deepStrictEqual(yield* Files.readRecord(file), { "step/1-1": "passed", "wait/2-1": "passed-eager" })
      for (const text of ["{ not json", JSON.stringify({ "step/1-1": "pased" })]) {
        yield* fs.writeFileString(file, text)
        const error = yield* Effect.flip(Files.readRecord(file))
        assert.strictEqual(error._tag, "RecordError")
        assert.strictEqual(error.file, file)
      }
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
})
