/**
 * hello-world, end to end on the emulator under TestClock: a clean run, and a
 * run that dies after each checkpoint in turn, which must give the same result
 * without running any completed step again.
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect } from "effect"
import { HelloWorld } from "./workflow.ts"

const input = { name: "Ada" }
const expected = { greeting: "Hello, Ada!", deliveredOnAttempt: 2, farewell: "Goodbye, Ada." }

/** The updates the service accepted, in order, with the index of the call that carried them. */
const acceptedUpdates = (history: ReadonlyArray<Emulator.Event>) =>
  history.flatMap((event) =>
    event._tag === "Checkpointed" ? event.updates.map((update) => ({ call: event.call, update })) : []
  )

/** What must not depend on crashes: ids (the EXECUTION id is per execution), types, names, statuses. */
const signature = (op: { Id: string; Type: string; Name?: string; Status: string }) =>
  [op.Type === "EXECUTION" ? "execution" : op.Id, op.Type, op.Name ?? null, op.Status]

describe("hello-world", () => {
  it.effect("runs to completion: 3 invocations, 4 checkpoint calls", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(HelloWorld, input)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, expected)
      // the 3 s retry back-off and the 5 s wait each outlast the in-process horizon (2 s): the
      // first suspends on the retry, the second on the wait
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
      // checkpoints are pipelined: the wait's START travels with the retried step's SUCCEED
      assert.strictEqual(result.checkpointCalls, 4)
      assert.deepStrictEqual(
        result.operations.map((op) => [op.Type, op.Name ?? null, op.Status, op.StepDetails?.Attempt ?? null]),
        [
          ["EXECUTION", null, "SUCCEEDED", null],
          ["STEP", "compose-greeting", "SUCCEEDED", 1],
          ["STEP", "deliver-greeting", "SUCCEEDED", 2],
          ["WAIT", "let-it-sink-in", "SUCCEEDED", null],
          ["STEP", "compose-farewell", "SUCCEEDED", 1]
        ]
      )
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("dies after each checkpoint in turn: same result, no completed step runs again", () =>
    Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(HelloWorld, input)
      const calls = clean.checkpointCalls
      assert.isAtLeast(calls, 4)
      for (let k = 1; k <= calls; k++) {
        const crashed = yield* LocalRunner.runUnderTestClock(HelloWorld, input, { crashAfterCheckpoints: [k] })
        assert.strictEqual(crashed.status, "SUCCEEDED", `crash after checkpoint ${k}`)
        if (crashed.status === "SUCCEEDED") assert.deepStrictEqual(crashed.output, expected)
        assert.include(crashed.invocations.map((i) => i.outcome), "crashed")
        assert.deepStrictEqual(
          crashed.operations.map(signature),
          clean.operations.map(signature),
          `crash after checkpoint ${k}`
        )
        // A step whose SUCCEED the service accepted is never started or completed again.
        const emulator = yield* Emulator.Emulator
        const updates = acceptedUpdates(yield* emulator.history(crashed.arn))
        for (const { call, update } of updates) {
          if (update.Action !== "SUCCEED") continue
          const later = updates.filter((u) => u.call > call && u.update.Id === update.Id)
          assert.deepStrictEqual(later, [], `"${update.Name}" ran again after its SUCCEED (crash after ${k})`)
        }
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("dies after every checkpoint: still the same result", () =>
    Effect.gen(function*() {
      const crashed = yield* LocalRunner.runUnderTestClock(HelloWorld, input, {
        crashAfterCheckpoints: Array.from({ length: 20 }, (_, i) => i + 1)
      })
      assert.strictEqual(crashed.status, "SUCCEEDED")
      if (crashed.status === "SUCCEEDED") assert.deepStrictEqual(crashed.output, expected)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
