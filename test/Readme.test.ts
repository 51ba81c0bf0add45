/**
 * The README's quick start is the starter's code, and the steps CI follows
 * outside the repository (`.ci/check-packages`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8")
const readme = read("README.md")
const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1))

/** The code blocks that follow a `<!-- starter: <file> -->` marker. */
const excerpts = [...readme.matchAll(/<!-- starter: (\S+) -->\n```ts\n([\s\S]*?)\n```/g)].map((match) => ({
  file: match[1]!,
  code: match[2]!
}))

describe("README", () => {
  it("quotes the starter's files", () => {
    assert.deepStrictEqual(excerpts.map((e) => e.file), ["src/workflow.ts", "test/workflow.test.ts", "src/handler.ts"])
    for (const { code, file } of excerpts) {
      const source = read(`packages/cli/templates/init/${file}`)
      // `// ...` stands for lines left out: each part is in the file, in this order
      let from = 0
      for (const part of code.split("\n// ...\n")) {
        const at = source.indexOf(part, from)
        assert.isAtLeast(at, 0, `README: this part of ${file} differs from packages/cli/templates/init/${file}:\n${part}`)
        from = at + part.length
      }
    }
  })

  it("gives the commands the outside-the-repository check runs", () => {
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)\n```/g)]
      .flatMap((match) => match[1]!.split("\n"))
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== "" && !/^(sam|aws|--)/.test(line))
    assert.deepStrictEqual(commands, [
      "npx effect-durable init my-app",
      "cd my-app",
      "npm install",
      "npm test",
      "npm run dev -- --skip-time",
      `npx effect-durable run .effect-durable/workflow.mjs Onboarding --input '{"email":"ada@example.com"}'`,
      "npm run bundle"
    ])
    const check = read(".ci/check-packages")
    for (const command of commands) assert.include(check, command, `.ci/check-packages does not run "${command}"`)
  })
})
