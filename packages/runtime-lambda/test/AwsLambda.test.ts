/**
 * runtime-lambda's `#awsLambda` (package.json `imports`): the parts of
 * `@aws-sdk/client-lambda` the transport uses, loaded on first use in plain
 * Node and imported by name in a bundle (test/Bundle.test.ts checks that a
 * bundle takes that variant and keeps only the two commands).
 */
import { CheckpointDurableExecutionCommand, GetDurableExecutionStateCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { assert, describe, it } from "@effect/vitest"
import * as Lazy from "../src/internal/awsLambda.ts"
import * as Bundled from "../src/internal/awsLambdaBundled.ts"

describe("#awsLambda", () => {
  it("in plain Node, nothing is loaded until the first use", async () => {
    assert.isUndefined(Lazy.preloaded)
    const aws = await Lazy.load()
    assert.strictEqual(aws.LambdaClient, LambdaClient)
    assert.strictEqual(aws.CheckpointDurableExecutionCommand, CheckpointDurableExecutionCommand)
    assert.strictEqual(aws.GetDurableExecutionStateCommand, GetDurableExecutionStateCommand)
  })

  it("in a bundle, the client and the two commands come with the import", async () => {
    assert.deepStrictEqual(Bundled.preloaded, {
      LambdaClient,
      CheckpointDurableExecutionCommand,
      GetDurableExecutionStateCommand
    })
    assert.strictEqual(await Bundled.load(), Bundled.preloaded)
  })

  it("the package maps it to the bundled variant under `module`, to the lazy one elsewhere", async () => {
    const { default: pkg } = await import("../package.json", { with: { type: "json" } })
    assert.deepStrictEqual(pkg.imports["#awsLambda"], {
      types: "./dist/internal/awsLambda.d.ts",
      module: "./dist/internal/awsLambdaBundled.js",
      default: "./dist/internal/awsLambda.js"
    })
  })
})
