/**
 * The official testing library (`@aws/durable-execution-sdk-js-testing`)
 * drives an effect-durable handler: its `LocalDurableTestRunner` invokes
 * `examples/hello-world`'s `handler` in-process with its own checkpoint server
 * injected in the event (`durableExecutionClient`), and the execution must end
 * as on our emulator, with the same operations.
 */
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { handler } from "../../../examples/hello-world/handler.ts"
import { HelloWorld } from "../../../examples/hello-world/workflow.ts"

describe("the official LocalDurableTestRunner", () => {
  it.live("runs hello-world's handler to SUCCEEDED, with the operations our emulator records", () =>
    Effect.gen(function*() {
      yield* Effect.acquireRelease(
        Effect.promise(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: true })),
        () => Effect.promise(() => LocalDurableTestRunner.teardownTestEnvironment())
      )
      // No cast: `LambdaHandler.make`'s handler is typed as a `DurableLambdaHandler`.
      const runner = new LocalDurableTestRunner({ handlerFunction: handler })
      const result = yield* Effect.promise(() => runner.run({ payload: { name: "Ada" } }))
      assert.strictEqual(
        result.getStatus(),
        "SUCCEEDED",
        result.getStatus() === "SUCCEEDED" ? "" : JSON.stringify(result.getError())
      )
      assert.deepStrictEqual(result.getResult(), {
        greeting: "Hello, Ada!",
        deliveredOnAttempt: 2,
        farewell: "Goodbye, Ada."
      })
      const official = result.getOperations().map((op) => [
        op.getId(),
        op.getParentId() ?? null,
        op.getType(),
        op.getSubType() ?? null,
        op.getName() ?? null,
        op.getStatus()
      ])

      const ours = yield* LocalRunner.runUnderTestClock(HelloWorld, { name: "Ada" }).pipe(
        Effect.provide([Emulator.Emulator.layer, TestClock.layer()])
      )
      const expected = ours.operations.filter((op) => op.Type !== "EXECUTION").map((op) => [
        op.Id,
        op.ParentId ?? null,
        op.Type,
        op.SubType ?? null,
        op.Name ?? null,
        op.Status
      ])
      assert.deepStrictEqual(official, expected)
      // and the invocations: suspended on the retry, then on the wait
      assert.strictEqual(result.getInvocations().length, 3)
    }).pipe(Effect.scoped), 60_000)
})
