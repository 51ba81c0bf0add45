/**
 * A module's services (its exported `layer`) under `effect-durable run`: the
 * starter's own workflow runs with its Mailer; a workflow whose module does
 * not provide a service it needs fails saying which, and how to provide it; a
 * layer that fails to build is one line before any invocation.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { transformWithOxc } from "vite"
import { cli, fixture, tempDir } from "./cli.ts"

const services = fixture("services.mjs")
const starterWorkflow = fileURLToPath(new URL("../templates/init/src/workflow.ts", import.meta.url))

/**
 * The starter's workflow module as `npm run dev` gives it to the CLI: plain
 * JavaScript, its packages left to node_modules (written inside the
 * repository, whose node_modules hold them).
 */
const starterModule = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(fileURLToPath(new URL("../dist/starter-", import.meta.url)))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  const { code } = yield* Effect.promise(() => transformWithOxc(fs.readFileSync(starterWorkflow, "utf8"), starterWorkflow))
  const file = path.join(dir, "workflow.mjs")
  fs.writeFileSync(file, code)
  return file
})

describe("a module's services", () => {
  it.live("run: the layer the module exports provides its workflows' services; missing ones are named", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir("effect-durable-services-")
      const starter = yield* starterModule
      const [onboarded, missing, broken] = yield* Effect.all([
        cli(cwd, ["run", starter, "Onboarding", "--memory", "--skip-time", "--input", `{"email":"ada@example.com"}`]),
        cli(cwd, ["run", services, "Greeting", "--memory", "--input", `"ada"`]),
        cli(cwd, ["run", services, "Greeting", "--memory", "--input", `"ada"`], { SERVICES_LAYER: "broken" })
      ], { concurrency: "unbounded" })

      // the starter's Mailer (its `layer`) sent both emails; the day-long wait skipped
      assert.strictEqual(onboarded.status, 0, onboarded.stderr)
      assert.match(onboarded.stdout, /email "welcome" sent to ada@example\.com/)
      assert.match(onboarded.stdout, /email "tips" sent to ada@example\.com/)
      assert.match(onboarded.stdout, /SUCCEEDED → \{"accountId":"acct-[0-9a-f-]+","email":"ada@example\.com"\}/)

      assert.notStrictEqual(missing.status, 0)
      const advice = `The workflow greeting needs the service fixture/Greeter: export a Layer named "layer" that provides it from ${services}`
      assert.include(missing.stdout, `invocation #1 ends: FAILED: Error: ${advice.slice(0, 60)}`)
      assert.strictEqual(missing.stderr.trim(), `effect-durable: The execution ended FAILED: ${advice}`)

      assert.notStrictEqual(broken.status, 0)
      assert.strictEqual(
        broken.stderr.trim(),
        `effect-durable: The layer exported by ${services} failed to build: no credentials for the greeting service`
      )
      assert.notInclude(broken.stdout, "invocation #1")
    }).pipe(Effect.scoped), 60_000)
})
