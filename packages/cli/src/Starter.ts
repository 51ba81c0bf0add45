/**
 * The project `effect-durable init` creates: a durable workflow, its test on
 * the emulator under `TestClock`, its Lambda handler, an AWS SAM template, and
 * the package.json, tsconfig.json and vitest.config.ts that make
 * `npm install && npm test` pass and the handler bundle.
 *
 * The files are the templates under `templates/init/` in this package (real
 * files, type-checked and tested in the effect-durable repository), plus a
 * package.json made here, whose `@effect-durable/*` versions are this
 * package's own (all effect-durable packages are released together).
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Schema } from "effect"

/**
 * One file of the starter project.
 *
 * @category models
 * @since 0.1.0
 */
export interface File {
  /** The path inside the project, with `/` separators. */
  readonly path: string
  readonly content: string
}

/**
 * What the starter is made for.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The npm package name of the project. */
  readonly name: string
  /** The version of the `@effect-durable/*` packages to depend on. */
  readonly version: string
}

/**
 * The versions of the other packages the starter depends on: the ones the
 * effect-durable repository is developed and tested with.
 *
 * @category constants
 * @since 0.1.0
 */
export const versions = {
  effect: "^4.1.0",
  "@effect/platform-node": "^4.1.0",
  // @effect/vitest 4.0.5 peers vitest 5, which needs Node 22; it runs on vitest 4 (see `overrides`).
  "@effect/vitest": "4.0.5",
  vitest: "4.1.12",
  typescript: "^7.0.2",
  "@types/node": "^20.19.0",
  esbuild: "^0.28.2"
} as const

/**
 * The esbuild command of `npm run bundle`: the one `sam build` runs for the
 * template's `BuildProperties` (SAM adds `--bundle --platform=node
 * --outdir=<its build directory>`, then one flag per property), writing into
 * `dist/` instead of SAM's build directory.
 *
 * @category constants
 * @since 0.1.0
 */
export const bundleCommand = [
  "esbuild src/handler.ts --bundle --platform=node --outdir=dist",
  "--minify --sourcemap --sources-content=false --main-fields=module,main --target=es2022 --format=esm",
  "--out-extension:.js=.mjs",
  `"--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"`
].join(" ")

/**
 * The command of `npm run dev`: the workflow module bundled into
 * `.effect-durable/workflow.mjs` (esbuild, its packages left to node_modules,
 * so that it shares them with the CLI; plain JavaScript, which every Node
 * imports), then the local durable service with it (`effect-durable dev`;
 * `npm run dev -- --skip-time` passes flags on).
 *
 * @category constants
 * @since 0.1.0
 */
export const devCommand = [
  "esbuild src/workflow.ts --bundle --platform=node --format=esm --packages=external --log-level=warning",
  "--outfile=.effect-durable/workflow.mjs && effect-durable dev .effect-durable/workflow.mjs"
].join(" ")

/**
 * The starter's package.json.
 *
 * @example
 * ```ts
 * Starter.packageJson({ name: "my-app", version: "0.1.0" }).dependencies
 * // { "@effect-durable/core": "^0.1.0", "@effect-durable/runtime-lambda": "^0.1.0", effect: "^4.1.0" }
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const packageJson = ({ name, version }: Options) => ({
  name,
  version: "0.1.0",
  private: true,
  type: "module",
  scripts: {
    typecheck: "tsc",
    test: "tsc && vitest run",
    bundle: bundleCommand,
    dev: devCommand
  },
  dependencies: {
    "@effect-durable/core": `^${version}`,
    "@effect-durable/runtime-lambda": `^${version}`,
    effect: versions.effect
  },
  devDependencies: {
    // the CLI, and the local durable service its dev/run commands load (it brings SQLite, a native module)
    "@effect-durable/cli": `^${version}`,
    "@effect-durable/local": `^${version}`,
    "@effect-durable/testing": `^${version}`,
    "@effect/platform-node": versions["@effect/platform-node"],
    "@effect/vitest": versions["@effect/vitest"],
    "@types/node": versions["@types/node"],
    esbuild: versions.esbuild,
    typescript: versions.typescript,
    vitest: versions.vitest
  },
  overrides: {
    "@effect/vitest": { vitest: "$vitest" }
  },
  // npm 11 asks for install scripts to be allowed: esbuild's checks its platform binary.
  allowScripts: { esbuild: true },
  engines: { node: ">=20.19" }
})

/**
 * Whether a string is a valid npm package name (lowercase, URL-safe, at most
 * 214 characters, optionally scoped).
 *
 * @example
 * ```ts
 * Starter.isPackageName("my-app") // true
 * Starter.isPackageName("My App") // false
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isPackageName = (name: string): boolean =>
  name.length <= 214 && /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name)

/**
 * A package name made from a directory name: lowercase, with every run of
 * characters npm does not allow turned into `-`.
 *
 * @example
 * ```ts
 * Starter.packageNameFrom("My Durable App") // "my-durable-app"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const packageNameFrom = (directoryName: string): string => {
  const name = directoryName.toLowerCase().replace(/[^a-z0-9._~-]+/g, "-").replace(/^[-._~]+|-+$/g, "")
  return name.length === 0 ? "durable-app" : name.slice(0, 214)
}

/**
 * The directory of the templates, next to `src/` and `dist/` in this package.
 *
 * @category constants
 * @since 0.1.0
 */
export const templatesDirectory: Effect.Effect<string, never, Path.Path> = Effect.gen(function*() {
  const path = yield* Path.Path
  return yield* Effect.orDie(path.fromFileUrl(new URL("../templates/init", import.meta.url)))
})

const PackageInfo = Schema.Struct({ version: Schema.String })

/**
 * This package's version, read from its package.json.
 *
 * @category constants
 * @since 0.1.0
 */
export const version: Effect.Effect<string, never, FileSystem.FileSystem | Path.Path> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const file = yield* path.fromFileUrl(new URL("../package.json", import.meta.url))
  const text = yield* fs.readFileString(file)
  const info = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(PackageInfo))(text)
  return info.version
}).pipe(Effect.orDie)

// npm leaves `.gitignore` files out of packages: the template is stored without its dot.
const renamed: Readonly<Record<string, string>> = { gitignore: ".gitignore" }

/**
 * Every file of the starter, the templates with `{{name}}` replaced by the
 * project's name, and its package.json.
 *
 * @example
 * ```ts
 * const files = yield* Starter.files({ name: "my-app", version: "0.1.0" })
 * files.map((file) => file.path) // [".gitignore", "package.json", "README.md", "src/handler.ts", ...]
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const files = Effect.fn("Starter.files")(function*(options: Options) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const root = yield* templatesDirectory
  const entries = (yield* fs.readDirectory(root, { recursive: true })).sort()
  const out: Array<File> = []
  for (const entry of entries) {
    const source = path.join(root, entry)
    if ((yield* fs.stat(source)).type !== "File") continue
    const relative = entry.split(path.sep).join("/")
    const content = (yield* fs.readFileString(source)).replaceAll("{{name}}", options.name)
    out.push({ path: renamed[relative] ?? relative, content })
  }
  out.push({ path: "package.json", content: `${JSON.stringify(packageJson(options), null, 2)}\n` })
  return out.sort((a, b) => a.path.localeCompare(b.path))
})
