/**
 * The starter stays consistent with what it claims: `npm run bundle` is the
 * esbuild command `sam build` runs for its template, and it depends on the
 * versions this repository is tested with.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as Starter from "../src/Starter.ts"

const read = (path: string) => fs.readFileSync(new URL(path, import.meta.url), "utf8")

type Property = string | boolean | Array<string>

/** The `BuildProperties` block of the template (plain scalars and lists, as the template writes them). */
const buildProperties = (yaml: string): Record<string, Property> => {
  const lines = yaml.split("\n")
  const start = lines.findIndex((line) => line.trim() === "BuildProperties:")
  assert.isAtLeast(start, 0, "template.yaml has no BuildProperties")
  const indent = lines[start + 1]!.search(/\S/)
  const properties: Record<string, Property> = {}
  let current: Array<string> | undefined
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue
    if (line.search(/\S/) < indent) break
    const item = /^\s*- (.*)$/.exec(line)
    if (item !== null) {
      current!.push(item[1]!)
      continue
    }
    const [, key, value] = /^\s*(\w+):\s*(.*)$/.exec(line)!
    current = value === "" ? [] : undefined
    properties[key!] = current ?? (value === "true" ? true : value === "false" ? false : value!)
  }
  return properties
}

/**
 * The arguments SAM's esbuild builder gives esbuild for these properties: the
 * entry points, `--bundle --platform=node --outdir=<dir>`, its defaults for
 * `Target` (es2020), `Format` (cjs) and `Minify` (true) when they are absent,
 * then one flag per property (`Minify: true` → `--minify`, `Target: x` →
 * `--target=x`, `Banner: [x]` → `--banner:x`, ...).
 */
const samEsbuildArgs = (properties: Record<string, Property>, outdir: string): Array<string> => {
  const kebab = (key: string) => key.replace(/[a-z][A-Z]/g, (pair) => `${pair[0]}-${pair[1]}`).toLowerCase()
  const args = [...(properties.EntryPoints as Array<string>), "--bundle", "--platform=node", `--outdir=${outdir}`]
  if (!("Target" in properties)) args.push("--target=es2020")
  if (!("Format" in properties)) args.push("--format=cjs")
  if (!("Minify" in properties)) args.push("--minify")
  for (const key of ["Minify", "Sourcemap"]) if (properties[key] === true) args.push(`--${kebab(key)}`)
  for (const key of ["Target", "Format", "MainFields", "SourcesContent"]) {
    if (key in properties) args.push(`--${kebab(key)}=${properties[key]}`)
  }
  for (const key of ["External", "Loader", "OutExtension", "Banner"]) {
    for (const value of (properties[key] as Array<string> | undefined) ?? []) args.push(`--${kebab(key)}:${value}`)
  }
  return args
}

/** A command line split as a POSIX shell splits it (double-quoted words only). */
const shellWords = (command: string): Array<string> =>
  [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!)

describe("the starter", () => {
  it("bundles with the esbuild command sam build runs for its template", () => {
    const properties = buildProperties(read("../templates/init/template.yaml"))
    const [command, ...args] = shellWords(Starter.packageJson({ name: "app", version: "0.1.0" }).scripts.bundle)
    assert.strictEqual(command, "esbuild")
    assert.deepStrictEqual([...args].sort(), samEsbuildArgs(properties, "dist").sort())
    assert.deepStrictEqual(properties.EntryPoints, ["src/handler.ts"])
    assert.strictEqual(properties.Format, "esm")
    assert.strictEqual(properties.Minify, true)
  })

  it("depends on the versions this repository is developed and tested with", () => {
    const root = JSON.parse(read("../../../package.json"))
    const testing = JSON.parse(read("../../testing/package.json"))
    const pkg = Starter.packageJson({ name: "app", version: "0.1.0" })
    for (const name of ["@effect/vitest", "vitest"] as const) {
      assert.strictEqual(pkg.devDependencies[name], root.devDependencies[name], name)
    }
    assert.strictEqual(pkg.devDependencies.typescript, `^${root.devDependencies.typescript}`)
    assert.strictEqual(pkg.devDependencies["@types/node"], root.devDependencies["@types/node"])
    assert.strictEqual(pkg.dependencies.effect, testing.peerDependencies.effect)
    assert.strictEqual(pkg.devDependencies["@effect/platform-node"], testing.peerDependencies["@effect/platform-node"])
    assert.deepStrictEqual(pkg.overrides, root.overrides)
  })
})
