/**
 * The conventions every package of `packages/` follows, so that each one is
 * publishable as it stands and is released with the others (see the README's
 * Contributing section). A new package that misses one fails here with what to
 * add.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8")
const json = (file: string) => JSON.parse(read(file))
const exists = (file: string) => fs.existsSync(path.join(root, file))

const rootPackage = json("package.json")
const directories = fs.readdirSync(path.join(root, "packages")).filter((dir) => exists(`packages/${dir}/package.json`))
const packages = directories.map((dir) => ({ dir, pkg: json(`packages/${dir}/package.json`) }))
const names = new Set(packages.map(({ pkg }) => pkg.name))
const version = json("packages/core/package.json").version

/** The range of `effect` (and of its platform packages) the packages need, as peers. */
const effectRange = "^4.1.0"

describe.each(packages)("packages/$dir", ({ dir, pkg }) => {
  const compiled = exists(`packages/${dir}/tsconfig.json`)

  it("is named, versioned and described as a published package", () => {
    assert.strictEqual(pkg.name, dir === "effect-durable" ? "effect-durable" : `@effect-durable/${dir}`)
    assert.strictEqual(pkg.version, version, "every package has the same version (they are released together)")
    assert.isUndefined(pkg.private)
    assert.isString(pkg.description)
    assert.isAtLeast(pkg.keywords?.length ?? 0, 3, "keywords")
    assert.strictEqual(pkg.license, "MIT")
    assert.strictEqual(pkg.type, "module")
    assert.deepStrictEqual(pkg.engines, rootPackage.engines)
    assert.deepStrictEqual(pkg.repository, { ...rootPackage.repository, directory: `packages/${dir}` })
    assert.deepStrictEqual(pkg.bugs, rootPackage.bugs)
    assert.deepStrictEqual(pkg.publishConfig, { access: "public" })
  })

  it("ships a LICENSE, a README and a CHANGELOG", () => {
    assert.strictEqual(read(`packages/${dir}/LICENSE`), read("LICENSE"))
    assert.match(read(`packages/${dir}/README.md`), new RegExp(`^# ${pkg.name.replace("/", "\\/")}\\n`))
    assert.match(read(`packages/${dir}/CHANGELOG.md`), new RegExp(`^# ${pkg.name.replace("/", "\\/")}\\n\\n## `))
    assert.include(pkg.files, "CHANGELOG.md")
  })

  it("shares effect with the application (a peer) and depends on its siblings at their exact version", () => {
    for (const shared of ["effect", "@effect/platform-node"]) {
      assert.isUndefined(pkg.dependencies?.[shared], `${shared} is a peer dependency, not a dependency`)
      if (pkg.peerDependencies?.[shared] !== undefined) {
        assert.strictEqual(pkg.peerDependencies[shared], effectRange, shared)
        assert.strictEqual(pkg.devDependencies?.[shared], effectRange.slice(1), `${shared} in devDependencies too`)
      }
    }
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (names.has(name)) assert.strictEqual(range, version, `${name}: a dependency at this exact version`)
    }
    // A sibling is a peer only when it is optional (loaded when a feature needs it, its version checked then):
    // "*", so that a release never leaves the range (changesets would make it a major one), and a devDependency.
    for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
      if (!names.has(name)) continue
      assert.isTrue(pkg.peerDependenciesMeta?.[name]?.optional, `${name} is a dependency, or an optional peer (see the README's Contributing)`)
      assert.strictEqual(range, "*", `${name}: an optional peer of any version`)
      assert.strictEqual(pkg.devDependencies?.[name], version, `${name} in devDependencies at this exact version`)
      assert.isTrue(
        json(".changeset/config.json").___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH?.onlyUpdatePeerDependentsWhenOutOfRange,
        "changesets bumps the dependents of a peer only when it leaves their range"
      )
    }
  })

  // (packages/effect-durable only forwards its bin to @effect-durable/cli: it compiles nothing)
  if (compiled) {
    it("exports its compiled modules, with declarations and maps, and builds before it is packed", () => {
      assert.deepStrictEqual(pkg.exports["./package.json"], "./package.json")
      assert.deepStrictEqual(pkg.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" })
      assert.deepStrictEqual(pkg.exports["./*"], { types: "./dist/*.d.ts", default: "./dist/*.js" })
      assert.isNull(pkg.exports["./internal/*"])
      for (const pattern of ["src/**/*.ts", "dist/**/*.js", "dist/**/*.js.map", "dist/**/*.d.ts", "dist/**/*.d.ts.map"]) {
        assert.include(pkg.files, pattern)
      }
      assert.strictEqual(pkg.scripts?.prepack, "rm -rf dist && tsc -b")
      assert.isDefined(pkg.peerDependencies?.effect, "effect is a peer dependency")
    })

    it("is built, type-checked and tested with the rest of the repository", () => {
      const references = json("tsconfig.json").references.map((ref: { path: string }) => ref.path)
      assert.include(references, `packages/${dir}`)
      if (exists(`packages/${dir}/tsconfig.test.json`)) assert.include(references, `packages/${dir}/tsconfig.test.json`)
      assert.include(read("vitest.workspace.ts"), `"packages/${dir}"`)
      assert.include(read("vitest.shared.ts"), `packages/${dir}/src/index.ts`)
    })
  }

  it("is a workspace, released with the others and checked outside the repository", () => {
    assert.include(rootPackage.workspaces, `packages/${dir}`)
    assert.include(json(".changeset/config.json").fixed[0], dir === "effect-durable" ? "effect-durable" : "@effect-durable/*")
    assert.match(read(".ci/check-packages"), new RegExp(`^packages=\\(.*\\b${dir}\\b.*\\)$`, "m"))
  })
})

describe("versions", () => {
  it("the user agents name the packages' version", () => {
    assert.include(read("packages/runtime-lambda/src/internal/transport.ts"), `export const VERSION = "${version}"`)
    assert.include(read("packages/runtime-lambda/src/LambdaCheckpointClient.ts"), "export const VERSION = Transport.VERSION")
    assert.include(read("packages/client/src/LambdaExecutionApi.ts"), `export const VERSION = "${version}"`)
    assert.include(read("scripts/version-packages.mjs"), "packages/client/src/LambdaExecutionApi.ts")
  })
})
