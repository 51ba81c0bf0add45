/**
 * The Lambda bundle holds what the handler uses. esbuild cannot tree-shake a
 * namespace re-exported by a barrel (`import { Schema } from "effect"` keeps
 * every export of Schema, and the crypto, net and http modules of its built-in
 * schemas; evanw/esbuild#1420), so the Lambda packages and the examples import
 * modules (`effect/Schema`, `@effect-durable/core/Durable`). This bundles
 * hello-world as its template does and checks that nothing it never uses came in.
 */
import { assert, describe, it } from "@effect/vitest"
import { build } from "esbuild"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** hello-world's `entry` bundled as its template bundles it, minified; the modules that put bytes in it. */
const bundle = async (entry: string) => {
  const { metafile } = await build({
    entryPoints: [path.join(root, "examples", "hello-world", entry)],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    mainFields: ["module", "main"],
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent"
  })
  const output = Object.values(metafile.outputs)[0]!
  const inputs = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file)
  return { inputs, output }
}

describe("the hello-world Lambda bundle", () => {
  it("holds no module hello-world does not use", async () => {
    const { inputs, output } = await bundle("handler.ts")
    const unused = inputs.filter((file) =>
      /node_modules\/effect\/dist\/(crypto|net|http|Cron|JsonSchema|Optic)\b/.test(file) ||
      /packages\/core\/dist\/operations\/(Batch|Callback|Child|Combinator|Invoke|WaitForCondition)\.js$/.test(file) ||
      // the executions' and history events' schemas, for service code (~0.5 ms of a cold start's import)
      /packages\/core\/dist\/internal\/executions\.js$/.test(file) ||
      // the AWS SDK's CommonJS build (the template takes its ES modules), and the Lambda commands the
      // transport does not send (only the client and its two commands are imported)
      /node_modules\/@aws-sdk\/[^/]+\/dist-cjs\//.test(file) ||
      /client-lambda\/dist-es\/commands\/(?!(CheckpointDurableExecution|GetDurableExecutionState)Command\.js$)/
        .test(file)
    )
    assert.deepStrictEqual(unused, [])
    // runtime-lambda's `#awsLambda` under the bundler's `module` condition: the AWS SDK imported by name
    assert.include(inputs, "packages/runtime-lambda/dist/internal/awsLambdaBundled.js")
    assert.notInclude(inputs, "packages/runtime-lambda/dist/internal/awsLambda.js")
    // 1,050 KB with the barrels' namespaces
    assert.isBelow(output.bytes, 800_000, "hello-world's minified bundle grew past 800 KB")
  })

  it("over the light transport, leaves the AWS SDK out", async () => {
    const { inputs, output } = await bundle("handlerHttp.ts")
    // the signer and the few @smithy/core functions it calls; no client, no credential chain, no endpoint rules
    assert.deepStrictEqual(inputs.filter((file) => /node_modules\/@aws-sdk\//.test(file)), [])
    assert.deepStrictEqual(
      [...new Set(inputs.flatMap((file) => /node_modules\/(@smithy\/[^/]+)\//.exec(file)?.[1] ?? []))].sort(),
      ["@smithy/core", "@smithy/signature-v4"]
    )
    assert.notInclude(inputs, "packages/runtime-lambda/dist/LambdaCheckpointClient.js")
    assert.isBelow(output.bytes, 300_000, "the light hello-world's minified bundle grew past 300 KB")
  })
})
