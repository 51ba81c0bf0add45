import { assert, describe, it } from "@effect/vitest"
import { Durable, OperationId, RetryPolicy } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Duration, Effect, Schema } from "effect"
import { answerCallbacks, assertReplaySafe, outcomes, run } from "./support.ts"

const Decision = Schema.Struct({ approved: Schema.Boolean })

const approval = Durable.workflow({ name: "approval", output: Schema.Boolean }, () =>
  Effect.gen(function*() {
    const callback = yield* Durable.createCallback("approval", { schema: Decision, timeout: "1 day" })
    yield* Durable.step("ask", Effect.succeed(callback.callbackId))
    const { approved } = yield* callback.await
    return approved
  }))

describe("Durable.createCallback", () => {
  it.effect("suspends until the external system answers, then resumes with the decoded result", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => ({ after: "1 hour", result: "{\"approved\":true}" }))
      const result = yield* run(approval, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.isTrue(result.output)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const callback = result.operations.find((op) => op.Type === "CALLBACK")
      assert.strictEqual(callback?.SubType, "Callback")
      assert.strictEqual(callback?.Status, "SUCCEEDED")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("during a longer warmup, a quick answer is picked up in-process by polling", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => ({ after: "500 millis", result: "{\"approved\":false}" }))
      const result = yield* run(approval, undefined, { ...options, policy: { warmup: Duration.seconds(2) } })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.isFalse(result.output)
      assert.deepStrictEqual(outcomes(result), ["SUCCEEDED"])
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("returns the raw string without a Schema", () =>
    Effect.scoped(Effect.gen(function*() {
      const raw = Durable.workflow({ name: "raw" }, () =>
        Effect.flatMap(Durable.createCallback("token"), (callback) => callback.await))
      const options = yield* answerCallbacks(() => ({ after: "1 minute", result: "not json" }))
      const result = yield* run(raw, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "not json")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an external failure is a CallbackExternalError", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => ({
        after: "1 minute",
        error: { ErrorType: "Rejected", ErrorMessage: "the manager said no" }
      }))
      const caught = Durable.workflow({ name: "caught" }, () =>
        approval.body(undefined).pipe(
          Effect.catchTag("CallbackExternalError", (error) => Effect.succeed(`${error.errorType}: ${error.message}`))
        ))
      const result = yield* run(caught, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "Rejected: the manager said no")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a callback nobody answers times out with a CallbackTimeoutError", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => undefined)
      const result = yield* run(approval, undefined, options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "CallbackTimeoutError")
      const callback = result.operations.find((op) => op.Type === "CALLBACK")
      assert.strictEqual(callback?.Status, "TIMED_OUT")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      yield* assertReplaySafe(approval, undefined, () =>
        answerCallbacks(() => ({ after: "1 hour", result: "{\"approved\":true}" })))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a different operation at the callback's position on replay is non-deterministic", () =>
    Effect.scoped(Effect.gen(function*() {
      let invocation = 0
      const drifting = Durable.workflow({ name: "drifting" }, () =>
        Effect.gen(function*() {
          invocation++
          if (invocation === 1) return yield* Effect.flatMap(Durable.createCallback("x"), (c) => c.await)
          return yield* Durable.step("x", Effect.succeed("?"))
        }))
      const options = yield* answerCallbacks(() => ({ after: "1 hour", result: "ok" }))
      const result = yield* run(drifting, undefined, options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
        assert.include(result.error.ErrorMessage, "Expected type \"CALLBACK\", but got \"STEP\"")
      }
    })).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("Durable.waitForCallback", () => {
  const submitted: Array<string> = []
  const waiting = Durable.workflow({ name: "waiting", output: Schema.Boolean }, () =>
    Effect.map(
      Durable.waitForCallback("review", (callbackId) => Effect.sync(() => void submitted.push(callbackId)), {
        schema: Decision,
        timeout: "1 day"
      }),
      (decision) => decision.approved
    ))

  it.effect("lays out CONTEXT, unnamed CALLBACK and unnamed submitter STEP as the official SDK does", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => ({ after: "1 hour", result: "{\"approved\":true}" }))
      const result = yield* run(waiting, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.isTrue(result.output)
      const [, context, callback, submitter] = result.operations
      assert.deepStrictEqual([context.Id, context.Type, context.SubType, context.Name], [
        OperationId.hash("1"),
        "CONTEXT",
        "WaitForCallback",
        "review"
      ])
      assert.deepStrictEqual([callback.Id, callback.ParentId, callback.Type, callback.Name], [
        OperationId.hash("1-1"),
        context.Id,
        "CALLBACK",
        undefined
      ])
      assert.deepStrictEqual([submitter.Id, submitter.ParentId, submitter.Type, submitter.SubType, submitter.Name], [
        OperationId.hash("1-2"),
        context.Id,
        "STEP",
        "Step",
        undefined
      ])
      // the raw result, JSON-encoded, is the context's payload; decoded with the Schema only at the end
      assert.strictEqual(context.ContextDetails?.Result, JSON.stringify("{\"approved\":true}"))
      assert.strictEqual(submitted.at(-1), callback.CallbackDetails?.CallbackId)
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a callback completed without a result gives undefined (no payload on the context either)", () =>
    Effect.scoped(Effect.gen(function*() {
      const empty = Durable.workflow({ name: "empty" }, () =>
        Effect.map(Durable.waitForCallback("ping", () => Effect.void), (result) => result === undefined))
      const options = yield* answerCallbacks(() => ({ after: "1 minute", result: undefined }))
      const result = yield* run(empty, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.isTrue(result.output)
      const context = result.operations.find((op) => op.Type === "CONTEXT")
      assert.strictEqual(context?.Status, "SUCCEEDED")
      assert.isUndefined(context?.ContextDetails?.Result)
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a failing submitter is a CallbackSubmitterError", () =>
    Effect.scoped(Effect.gen(function*() {
      const failing = Durable.workflow({ name: "failing" }, () =>
        Durable.waitForCallback("review", () => Effect.fail("queue unavailable"), {
          retry: RetryPolicy.noRetry
        }).pipe(Effect.catchTag("CallbackSubmitterError", (error) => Effect.succeed(error.message))))
      const options = yield* answerCallbacks(() => ({ after: "1 hour", result: "never read" }))
      const result = yield* run(failing, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "queue unavailable")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a timeout is a CallbackTimeoutError, on the first run as on replay", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* answerCallbacks(() => undefined)
      const result = yield* run(waiting, undefined, options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "CallbackTimeoutError")
      const context = result.operations.find((op) => op.Type === "CONTEXT")
      assert.strictEqual(context?.ContextDetails?.Error?.ErrorType, "CallbackTimeoutError")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      yield* assertReplaySafe(waiting, undefined, () =>
        answerCallbacks(() => ({ after: "1 hour", result: "{\"approved\":false}" })))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
