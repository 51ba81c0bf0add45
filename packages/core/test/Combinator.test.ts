import { assert, describe, it } from "@effect/vitest"
import { Durable, OperationId } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { type Duration, Effect } from "effect"
import { assertReplaySafe, outcomes, run } from "./support.ts"

/**
 * Several durable operations in one branch: grouped in a child context, so that
 * their ids do not depend on which branch gets there first.
 */
const slow = (name: string, value: number, duration: Duration.Input) =>
  Durable.child(
    name,
    Durable.wait("wait", duration).pipe(Effect.andThen(Durable.step("value", Effect.succeed(value))))
  )

describe("Durable combinators", () => {
  it.effect("all: the operations get ids first, then the combination is a RunInChildContext CONTEXT", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "all" }, () =>
        Durable.all("both", [Durable.step("a", Effect.succeed(1)), Durable.step("b", Effect.succeed("two"))]))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [1, "two"])
      const byName = new Map(result.operations.map((op) => [op.Name, op]))
      assert.strictEqual(byName.get("a")?.Id, OperationId.hash("1"))
      assert.strictEqual(byName.get("b")?.Id, OperationId.hash("2"))
      const context = byName.get("both")!
      assert.deepStrictEqual([context.Id, context.Type, context.SubType, context.ContextDetails?.Result], [
        OperationId.hash("3"),
        "CONTEXT",
        "RunInChildContext",
        "[1,\"two\"]"
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("all fails with the first failure, as a PromiseCombinatorError", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "all-fails" }, () =>
        Durable.all("both", [Durable.step("ok", Effect.succeed(1)), Effect.fail(new Error("nope"))]).pipe(
          Effect.catchTag("PromiseCombinatorError", (error) => Effect.succeed(`${error.errorType}: ${error.message}`))
        ))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "Error: nope")
      assert.strictEqual(result.operations.find((op) => op.Name === "both")?.Status, "FAILED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("allSettled records every outcome in the official settled-promise shape", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "settled" }, () =>
        Durable.allSettled("both", [Durable.step("ok", Effect.succeed(1)), Effect.fail(new TypeError("bad"))]))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, [
          { status: "fulfilled", value: 1 },
          { status: "rejected", reason: { message: "bad", name: "TypeError" } }
        ])
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("race keeps the first outcome and interrupts the others; any the first success", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "race" }, () =>
        Effect.all([
          Durable.race("first", [slow("tortoise", 1, "2 hours"), slow("hare", 2, "1 hour")]),
          Durable.any("any", [Effect.fail("no"), slow("eventually", 3, "3 hours")])
        ]))
      const result = yield* run(workflow)
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, [2, 3])
      // the tortoise lost: its child context never completed
      assert.strictEqual(result.operations.find((op) => op.Name === "tortoise")?.Status, "STARTED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("replays a completed combination from its checkpoint and survives a crash after any checkpoint", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "replayed" }, () =>
        Effect.gen(function*() {
          const winner = yield* Durable.race("first", [slow("tortoise", 1, "2 hours"), slow("hare", 2, "1 hour")])
          yield* Durable.wait("after", "5 hours")
          return winner
        }))
      const clean = yield* assertReplaySafe(workflow, undefined)
      if (clean.status === "SUCCEEDED") assert.strictEqual(clean.output, 2)
      // t=0 all wait; 1 h: the hare wins, "after" waits; 2 h: the loser's timer still wakes the
      // function (its wait was abandoned, not cancelled), which suspends again; 6 h: done
      assert.deepStrictEqual(outcomes(clean), ["PENDING", "PENDING", "PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a different combination name on replay is non-deterministic", () =>
    Effect.gen(function*() {
      let invocation = 0
      const workflow = Durable.workflow({ name: "drifting" }, () =>
        Effect.suspend(() => Durable.all(++invocation === 1 ? "x" : "y", [slow("s", 1, "1 hour")])))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "NonDeterministicExecutionError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
