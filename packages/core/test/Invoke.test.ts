import { assert, describe, it } from "@effect/vitest"
import { Durable } from "@effect-durable/core"
import { Emulator, type LocalRunner } from "@effect-durable/testing"
import { type Duration, Effect, Schema } from "effect"
import { assertReplaySafe, changed, external, outcomes, run } from "./support.ts"

const Order = Schema.Struct({ id: Schema.String, amount: Schema.Number })
const Receipt = Schema.Struct({ orderId: Schema.String, charged: Schema.Number })

const checkout = Durable.workflow({ name: "checkout", output: Receipt }, () =>
  Durable.invoke("charge", "payments:live", { id: "o-1", amount: 42 }, { input: Order, output: Receipt, tenantId: "t-1" }))

/** Plays the invoked function: answers each CHAINED_INVOKE START after `after`. */
const invokedFunction = (
  outcome: (input: unknown) =>
    | { readonly Status: "SUCCEEDED"; readonly Result?: string }
    | { readonly Status: "FAILED" | "TIMED_OUT" | "STOPPED"; readonly Error?: { ErrorType: string; ErrorMessage: string } },
  after: Duration.Input = "30 seconds"
) =>
  external((event: LocalRunner.Event, emulator) =>
    Effect.forEach(
      changed(event).filter((op) => op.Type === "CHAINED_INVOKE" && op.Status === "STARTED"),
      (op) => {
        const update = event._tag === "Checkpointed" ? event.updates.find((u) => u.Id === op.Id) : undefined
        return Effect.sleep(after).pipe(
          Effect.andThen(emulator.completeChainedInvoke(event.arn, op.Id, outcome(JSON.parse(update?.Payload ?? "null"))))
        )
      },
      { discard: true }
    ))

describe("Durable.invoke", () => {
  it.effect("checkpoints a CHAINED_INVOKE START with the input, suspends, and returns the decoded result", () =>
    Effect.scoped(Effect.gen(function*() {
      const inputs: Array<unknown> = []
      const options = yield* invokedFunction((input) => {
        inputs.push(input)
        return { Status: "SUCCEEDED", Result: JSON.stringify({ orderId: "o-1", charged: 42 }) }
      })
      const result = yield* run(checkout, undefined, options)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, { orderId: "o-1", charged: 42 })
      assert.deepStrictEqual(inputs, [{ id: "o-1", amount: 42 }])
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      const op = result.operations.find((op) => op.Type === "CHAINED_INVOKE")
      assert.strictEqual(op?.SubType, "ChainedInvoke")
      assert.strictEqual(op?.Name, "charge")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("writes the function name and tenant on the wire", () =>
    Effect.scoped(Effect.gen(function*() {
      const options = yield* invokedFunction(() => ({ Status: "SUCCEEDED", Result: "{\"orderId\":\"o-1\",\"charged\":1}" }))
      const result = yield* run(checkout, undefined, options)
      const emulator = yield* Emulator.Emulator
      const history = yield* emulator.history(result.arn)
      const start = history.flatMap((e) => e._tag === "Checkpointed" ? e.updates : []).find((u) =>
        u.Type === "CHAINED_INVOKE"
      )
      assert.deepStrictEqual(start?.ChainedInvokeOptions, { FunctionName: "payments:live", TenantId: "t-1" })
      assert.strictEqual(start?.Payload, "{\"id\":\"o-1\",\"amount\":42}")
    })).pipe(Effect.provide(Emulator.Emulator.layer)))

  for (const status of ["FAILED", "TIMED_OUT", "STOPPED"] as const) {
    it.effect(`an invocation that ends ${status} is an InvokeError with that status`, () =>
      Effect.scoped(Effect.gen(function*() {
        const options = yield* invokedFunction(() => ({
          Status: status,
          Error: { ErrorType: "PaymentDeclined", ErrorMessage: "card expired" }
        }))
        const caught = Durable.workflow({ name: "caught" }, () =>
          checkout.body(undefined).pipe(
            Effect.catchTag("InvokeError", (error) => Effect.succeed([error.status, error.errorType, error.message]))
          ))
        const result = yield* run(caught, undefined, options)
        assert.strictEqual(result.status, "SUCCEEDED")
        if (result.status === "SUCCEEDED") {
          assert.deepStrictEqual(result.output, [status, "PaymentDeclined", "card expired"])
        }
      })).pipe(Effect.provide(Emulator.Emulator.layer)))
  }

  it.effect("survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      yield* assertReplaySafe(checkout, undefined, () =>
        invokedFunction(() => ({ Status: "SUCCEEDED", Result: "{\"orderId\":\"o-1\",\"charged\":42}" })))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("another name at the same position on replay is non-deterministic", () =>
    Effect.scoped(Effect.gen(function*() {
      let invocation = 0
      const drifting = Durable.workflow({ name: "drifting" }, () =>
        Effect.suspend(() => Durable.invoke(++invocation === 1 ? "a" : "b", "fn", null)))
      const options = yield* invokedFunction(() => ({ Status: "SUCCEEDED", Result: "1" }))
      const result = yield* run(drifting, undefined, options)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
        assert.include(result.error.ErrorMessage, "Expected name \"a\", but got \"b\"")
      }
    })).pipe(Effect.provide(Emulator.Emulator.layer)))
})
