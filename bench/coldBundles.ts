/**
 * The cold-start benchmarks' bundles (`coldStart.ts`, `coldStartInstructions.ts`): the hello-world handler,
 * its official-SDK twin, hello-world over the opt-in light transport and the two floors, each bundled with
 * `examples/hello-world/template.yaml`'s esbuild settings, and the environment a fresh process runs them in.
 */
import { build } from "esbuild"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, "..", "..")
const out = path.join(here, "cold")

/** Each handler's entry point. */
export const entries = {
  ours: path.join(root, "examples", "hello-world", "handler.ts"),
  oursHttp: path.join(root, "examples", "hello-world", "handlerHttp.ts"),
  theirs: path.join(root, "bench", "coldStartHandler.ts"),
  floorAws: path.join(root, "bench", "coldStartFloorAws.ts"),
  floorAwsLazy: path.join(root, "bench", "coldStartFloorAwsLazy.ts"),
  floorEffect: path.join(root, "bench", "coldStartFloorEffect.ts"),
  floorDesign: path.join(root, "bench", "coldStartFloorDesign.ts")
} as const

/** A handler of the cold-start benchmarks. */
export type Sdk = keyof typeof entries

/**
 * The floors run beside the two SDKs (not with `--enable-source-maps`): the AWS SDK's call alone, the same
 * with the client loaded as the official SDK loads it, the least an Effect handler does around the call, and
 * the least machinery the design document asks for around that. Their differences split a cold start into
 * what any durable handler pays, what each way of loading the client adds, what Effect itself adds, what the
 * design adds, and what each SDK's engine adds on top.
 */
export const floors = ["floorAws", "floorAwsLazy", "floorEffect", "floorDesign"] as const

/** Every handler, the two SDKs first. */
export const sdks: ReadonlyArray<Sdk> = ["ours", "oursHttp", "theirs", ...floors]

/** How each handler is named in the tables. */
export const labels: Record<Sdk, string> = {
  ours: "effect-durable",
  oursHttp: "effect-durable, light transport (opt-in)",
  theirs: "official",
  floorAws: "floor: the AWS call alone",
  floorAwsLazy: "floor: the AWS call alone, the client loaded as the official SDK loads it",
  floorEffect: "floor: Effect around it",
  floorDesign: "floor: the design's machinery"
}

/** A bundle built, with its size. */
export interface Bundle {
  readonly sdk: Sdk
  readonly minify: boolean
  readonly outfile: string
  readonly bytes: number
  readonly gzipped: number
}

/** Bundles `sdk` with the template's esbuild settings; `minify` for the minified variant. */
export const bundle = async (sdk: Sdk, minify: boolean): Promise<Bundle> => {
  const outfile = path.join(out, `${sdk}${minify ? ".min" : ""}.mjs`)
  await build({
    entryPoints: [entries[sdk]],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    sourcemap: !minify,
    sourcesContent: false,
    mainFields: ["module", "main"],
    minify,
    outfile,
    // The template's banner, its import renamed: the official SDK's bundle imports `createRequire` itself.
    banner: {
      js: "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);"
    },
    logLevel: "error"
  })
  const bytes = readFileSync(outfile)
  return { sdk, minify, outfile, bytes: bytes.length, gzipped: gzipSync(bytes).length }
}

/** Every handler bundled both ways. */
export const bundleAll = (): Promise<ReadonlyArray<Bundle>> =>
  Promise.all(sdks.flatMap((sdk) => [bundle(sdk, false), bundle(sdk, true)]))

/** The child process (`coldStartChild.ts`) that imports a bundle and runs its first invocation. */
export const childScript = path.join(here, "coldStartChild.js")

/**
 * A cold process's environment, as Lambda gives it: the region and credentials in the environment, the
 * Lambda API's endpoint pointed at the local service, and nothing else of this process's.
 */
export const childEnv = (url: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  AWS_ENDPOINT_URL_LAMBDA: url,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  ...extra
})
