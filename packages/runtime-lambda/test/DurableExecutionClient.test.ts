import { assert, describe, it } from "@effect/vitest"
import { DurableExecutionClientError } from "@aws/durable-execution-sdk-js"
import { Durable, type Wire } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import * as DurableExecutionClient from "../src/DurableExecutionClient.ts"
import * as LambdaHandler from "../src/LambdaHandler.ts"

const context: LambdaHandler.LambdaContext = { awsRequestId: "req-1", getRemainingTimeInMillis: () => 60_000 }

const Double = Durable.workflow(
  { name: "double", input: Schema.Number, output: Schema.Number },
  (n) => Durable.step("double", Effect.succeed(n * 2), { success: Schema.Number })
)

/** A Promise transport over the emulator, counting its calls. */
const transportOver = (emulator: Emulator.Emulator["Service"]) => {
  const calls: Array<string> = []
  const transport: DurableExecutionClient.DurableExecutionClient = {
    getExecutionState: (params) => {
      calls.push("getExecutionState")
      return Effect.runPromise(emulator.client.getExecutionState(params as Wire.GetStateRequest)) as never
    },
    checkpoint: (params) => {
      calls.push("checkpoint")
      return Effect.runPromise(emulator.client.checkpoint(params as Wire.CheckpointRequest)) as never
    }
  }
  return { transport, calls }
}

const failing = (error: unknown): DurableExecutionClient.DurableExecutionClient => ({
  getExecutionState: () => Promise.reject(error),
  checkpoint: () => Promise.reject(error)
})

const aws = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) })

describe("DurableExecutionClient", () => {
  it.effect("classifies what a transport throws like the Lambda client's errors", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, "INVOCATION" | "EXECUTION"]> = [
        [aws("InvalidParameterValueException", "Invalid Checkpoint Token: expired", 400), "INVOCATION"],
        [aws("TooManyRequestsException", "Rate exceeded", 429), "INVOCATION"],
        [aws("ServiceException", "boom", 500), "INVOCATION"],
        [aws("ServiceUnavailable", "later", 503), "INVOCATION"],
        [Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "INVOCATION"],
        [aws("InvalidParameterValueException", "bad update", 400), "EXECUTION"],
        [aws("KMSDisabledException", "key disabled", 502), "EXECUTION"],
        // a DurableExecutionClientError is believed as stated, whatever else it looks like
        [new DurableExecutionClientError("gone for good", { scope: "EXECUTION" }), "EXECUTION"],
        [Object.assign(new DurableExecutionClientError("try again", { scope: "INVOCATION" }), { $metadata: { httpStatusCode: 400 } }), "INVOCATION"]
      ]
      for (const [error, scope] of cases) {
        const service = DurableExecutionClient.make(failing(error))
        const failure = yield* Effect.flip(service.checkpoint({ DurableExecutionArn: "arn", CheckpointToken: "t" }))
        assert.strictEqual(failure.scope, scope, String(error))
        assert.strictEqual(failure.cause, error)
        const read = yield* Effect.flip(service.getExecutionState({ DurableExecutionArn: "arn", CheckpointToken: "t" }))
        assert.strictEqual(read.scope, scope)
      }
    }))

  it.effect("a malformed response is an invocation error", () =>
    Effect.gen(function*() {
      const service = DurableExecutionClient.make({
        getExecutionState: () => Promise.resolve({ Operations: [{ Id: 1 }] } as never),
        checkpoint: () => Promise.resolve({ CheckpointToken: 42 } as never)
      })
      const failure = yield* Effect.flip(service.checkpoint({ DurableExecutionArn: "arn", CheckpointToken: "t" }))
      assert.strictEqual(failure.scope, "INVOCATION")
      assert.strictEqual(failure.errorName, "MalformedResponse")
    }))

  it.effect("LambdaHandler uses the transport of its options, and the event's one over it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const configured = transportOver(emulator)
      const injected = transportOver(emulator)
      const handler = LambdaHandler.make(Double, { durableExecutionClient: configured.transport })

      const first = yield* emulator.start({ input: "21" })
      const firstEvent = JSON.parse(JSON.stringify(yield* emulator.invoke(first)))
      const output = yield* Effect.promise(() => handler(firstEvent, context))
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "42" })
      assert.deepStrictEqual(configured.calls, ["checkpoint"])

      const second = yield* emulator.start({ input: "4" })
      const event = { ...(yield* emulator.invoke(second)), durableExecutionClient: injected.transport }
      const again = yield* Effect.promise(() => handler(event, context))
      assert.deepStrictEqual(again, { Status: "SUCCEEDED", Result: "8" })
      assert.deepStrictEqual(injected.calls, ["checkpoint"])
      assert.deepStrictEqual(configured.calls, ["checkpoint"])
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an invocation whose transport fails for the execution answers FAILED; for the invocation, rejects", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Double, { durableExecutionClient: failing(aws("KMSAccessDeniedException", "no", 502)) })
      const arn = yield* emulator.start({ input: "1" })
      const event = yield* emulator.invoke(arn)
      const output = yield* Effect.promise(() => handler(event, context))
      assert.strictEqual(output.Status, "FAILED")
      const throttled = { ...(yield* emulator.invoke(arn)), durableExecutionClient: failing(aws("ThrottlingException", "slow", 429)) }
      const rejected = yield* Effect.promise(() =>
        handler(throttled, context).then(() => undefined, (error: unknown) => error)
      )
      assert.instanceOf(rejected, LambdaHandler.LambdaHandlerError)
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it("refuses both checkpointClient and durableExecutionClient", () => {
    assert.throws(
      () =>
        LambdaHandler.make(Double, {
          checkpointClient: Emulator.Emulator.layerClient.pipe((l) => l as never),
          durableExecutionClient: failing(new Error("x"))
        }),
      /either checkpointClient or durableExecutionClient/
    )
  })
})
