/**
 * `effect-durable init`: the files it writes, what it refuses, and the one
 * line and exit code the executable gives for a refusal.
 */
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Path } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Init from "../src/commands/Init.ts"
import * as Starter from "../src/Starter.ts"

const expectedFiles = [
  ".gitignore",
  "package.json",
  "README.md",
  "src/handler.ts",
  "src/workflow.ts",
  "template.yaml",
  "test/workflow.test.ts",
  "tsconfig.json",
  "vitest.config.ts"
]

const listFiles = Effect.fn(function*(directory: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const entries = yield* fs.readDirectory(directory, { recursive: true })
  const files: Array<string> = []
  for (const entry of entries) {
    if ((yield* fs.stat(path.join(directory, entry))).type === "File") files.push(entry.split(path.sep).join("/"))
  }
  return files.sort((a, b) => a.localeCompare(b))
})

describe("Init.init", () => {
  it.effect("writes the starter into a new directory, named after it", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const tmp = yield* fs.makeTempDirectoryScoped()
      const directory = path.join(tmp, "Orders Service")
      const created = yield* Init.init({ directory })
      assert.strictEqual(created.name, "orders-service")
      assert.deepStrictEqual(created.files, expectedFiles)
      assert.deepStrictEqual(yield* listFiles(directory), expectedFiles)
      const pkg = JSON.parse(yield* fs.readFileString(path.join(directory, "package.json")))
      assert.strictEqual(pkg.name, "orders-service")
      const version = yield* Starter.version
      assert.strictEqual(pkg.dependencies["@effect-durable/core"], `^${version}`)
      assert.strictEqual(pkg.devDependencies["@effect-durable/testing"], `^${version}`)
      assert.include(yield* fs.readFileString(path.join(directory, "README.md")), "# orders-service")
      // the templates are copied as they are
      const template = path.join(yield* Starter.templatesDirectory, "src", "workflow.ts")
      assert.strictEqual(
        yield* fs.readFileString(path.join(directory, "src", "workflow.ts")),
        yield* fs.readFileString(template)
      )
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("writes into an existing empty directory, with the name given", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const directory = yield* fs.makeTempDirectoryScoped()
      const created = yield* Init.init({ directory, name: "@acme/orders" })
      assert.strictEqual(created.name, "@acme/orders")
      assert.deepStrictEqual(yield* listFiles(directory), expectedFiles)
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("refuses a directory that holds anything, and writes nothing", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const directory = yield* fs.makeTempDirectoryScoped()
      yield* fs.writeFileString(path.join(directory, "notes.txt"), "mine")
      const error = yield* Effect.flip(Init.init({ directory }))
      assert.strictEqual(error._tag, "InitError")
      assert.match(error.message, /is not empty \(1 entry\): choose a new or empty directory$/)
      assert.deepStrictEqual(yield* listFiles(directory), ["notes.txt"])
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))

  it.effect("refuses a file, and a name npm does not accept", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const tmp = yield* fs.makeTempDirectoryScoped()
      const file = path.join(tmp, "package.json")
      yield* fs.writeFileString(file, "{}")
      const notADirectory = yield* Effect.flip(Init.init({ directory: file }))
      assert.match(notADirectory.message, /is a file, not a directory/)
      const badName = yield* Effect.flip(Init.init({ directory: path.join(tmp, "app"), name: "Bad Name" }))
      assert.match(badName.message, /"Bad Name" is not a valid npm package name/)
      assert.include(badName.message, "choose another")
      assert.isFalse(yield* fs.exists(path.join(tmp, "app")))
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)))
})

describe("Init.summary", () => {
  it("says what to run next, with a path the shell reads back as it is", () => {
    const created = { name: "my-app", files: ["package.json", "src/workflow.ts"] }
    const lines = Init.summary(created, "My App").split("\n")
    assert.deepStrictEqual(lines.slice(0, 3), ["Created the project my-app in My App:", "  package.json", "  src/workflow.ts"])
    assert.include(lines, "  cd 'My App'")
    assert.include(Init.summary(created, "../it's").split("\n"), `  cd '../it'\\''s'`)
    assert.include(Init.summary(created, "apps/my-app").split("\n"), "  cd apps/my-app")
    assert.notInclude(Init.summary(created, ".").split("\n").join("\n"), "cd ")
  })
})

describe("Starter", () => {
  it("makes package names from directory names", () => {
    assert.strictEqual(Starter.packageNameFrom("My Durable App"), "my-durable-app")
    assert.strictEqual(Starter.packageNameFrom("__"), "durable-app")
    assert.isTrue(Starter.isPackageName("my-app"))
    assert.isTrue(Starter.isPackageName("@scope/my.app"))
    assert.isFalse(Starter.isPackageName("My App"))
    assert.isFalse(Starter.isPackageName(".hidden"))
  })
})

// The executable, as a user runs it (from the compiled `dist/`, which `npm test` builds first).
const bin = fileURLToPath(new URL("../bin/effect-durable.js", import.meta.url))
const runBin = (args: ReadonlyArray<string>) =>
  Effect.callback<{ code: number; stdout: string; stderr: string }>((resume) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })))
    return Effect.sync(() => child.kill())
  })

describe("effect-durable init (the executable)", () => {
  it.live("refuses a non-empty directory with one line on stderr and exit code 1", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const directory = yield* fs.makeTempDirectoryScoped()
      yield* fs.writeFileString(path.join(directory, "notes.txt"), "mine")
      const { code, stderr, stdout } = yield* runBin(["init", directory])
      assert.strictEqual(code, 1)
      assert.strictEqual(stdout, "")
      assert.deepStrictEqual(stderr.trim().split("\n"), [
        `effect-durable: ${directory} is not empty (1 entry): choose a new or empty directory`
      ])
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)), 30_000)

  it.live("creates the project and says what to run next", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const tmp = yield* fs.makeTempDirectoryScoped()
      const { code, stdout } = yield* runBin(["init", path.join(tmp, "my-app")])
      assert.strictEqual(code, 0)
      assert.include(stdout, "npm install")
      assert.deepStrictEqual(yield* listFiles(path.join(tmp, "my-app")), expectedFiles)
    }).pipe(Effect.scoped, Effect.provide(NodeServices.layer)), 30_000)
})
