/**
 * The property behind issue 7, over generated workflows and generated
 * transports: whatever the checkpoint transport does at whichever call (hang,
 * lose the response, throttle, reject, answer garbage, answer late, die, loop
 * its paging), every invocation answers before its (6-second) deadline, and the
 * execution ends as a clean run of the same workflow does (same output, same
 * operations, nothing the service accepted done twice), unless the service
 * rejected an update, in which case it ends FAILED with CheckpointFailedError.
 *
 * Faults land on calls the run makes (the last one included, where trailing
 * updates and large results go), and replays read their state in pages of 3,
 * so that the state loading is exercised too.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { type Fault, faults, runFaulty, signature } from "./faults.ts"

/** The operations a generated workflow is made of. */
const Op = Schema.Literals(["step", "retried-step", "short-wait", "long-wait", "child", "parallel", "map"])
type Op = typeof Op.Type

const Workflow = Schema.Array(Op).check(Schema.isMinLength(1), Schema.isMaxLength(5))
const Faults = Schema.Array(
  Schema.Struct({
    /** 0: the last call of a clean run (where trailing updates and the result go); n: the n-th call, wrapping. */
    at: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 12 })),
    fault: Schema.Literals(faults as [Fault, ...Array<Fault>])
  })
).check(Schema.isMaxLength(3))

/** The workflow the ops describe: each op adds its number to the result. */
const workflowOf = (ops: ReadonlyArray<Op>) =>
  Durable.workflow({ name: "generated", output: Schema.Number }, () =>
    Effect.gen(function*() {
      let total = 0
      for (const [i, op] of ops.entries()) {
        const name = `${op}-${i}`
        const step = (label: string, value: number) =>
          Durable.step(label, Effect.succeed(value), { success: Schema.Number })
        switch (op) {
          case "step":
            total += yield* step(name, i)
            break
          case "retried-step":
            total += yield* Durable.step(
              name,
              Effect.gen(function*() {
                const { attempt } = yield* Durable.StepContext
                return attempt === 1 ? yield* Effect.fail(new Error("first attempt fails")) : i
              }),
              { success: Schema.Number, retry: RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "2 seconds" }) }
            )
            break
          case "short-wait":
            yield* Durable.wait(name, "1 second")
            break
          case "long-wait":
            yield* Durable.wait(name, "1 hour")
            break
          case "child":
            total += yield* Durable.child(name, step(`${name}-inner`, i), { success: Schema.Number })
            break
          case "parallel": {
            const batch = yield* Durable.parallel(name, [
              { name: "a", effect: step("a", 1) },
              { name: "b", effect: step("b", 2) }
            ])
            total += batch.successCount
            break
          }
          case "map": {
            const batch = yield* Durable.map(name, [1, 2, 3], (n) => step(`item-${n}`, n), { maxConcurrency: 2 })
            total += batch.successCount
            break
          }
        }
      }
      return total
    }))

/** How many calls (checkpoints and state reads) a clean run of the workflow makes. */
const countCalls = (workflow: ReturnType<typeof workflowOf>) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    let calls = 0
    yield* LocalRunner.runUnderTestClock(workflow, undefined, {
      client: {
        getExecutionState: (request) => Effect.suspend(() => (calls++, emulator.client.getExecutionState(request))),
        checkpoint: (request) => Effect.suspend(() => (calls++, emulator.client.checkpoint(request)))
      }
    })
    return calls
  })

/**
 * Cases run in CI (each runs the workflow three times: to count its calls, cleanly, then over the faulty
 * transport); `DEADLINE_PROPERTY_RUNS` searches further locally.
 */
const runs = Number(process.env.DEADLINE_PROPERTY_RUNS ?? 60)

describe("every invocation answers before its deadline (property)", () => {
  it.effect.prop(
    "over generated transports and workflows",
    { ops: Workflow, injected: Faults },
    ({ injected, ops }) =>
      Effect.gen(function*() {
        const workflow = workflowOf(ops)
        const label = `${JSON.stringify(ops)} with ${JSON.stringify(injected)}`
        const calls = yield* countCalls(workflow)
        const clean = yield* LocalRunner.runUnderTestClock(workflow, undefined)
        // Every fault lands on a call the run makes: the n-th, wrapping over a clean run's calls.
        const plan = new Map(injected.map(({ at, fault }) => [at === 0 ? calls : ((at - 1) % calls) + 1, fault]))
        const { injected: happened, result } = yield* runFaulty(
          workflow,
          undefined,
          ({ index }) => plan.get(index),
          label
        )
        if (result.status === "FAILED") {
          // Only a rejection by the service fails the execution.
          assert.isTrue(happened.some((call) => call.fault === "reject"), `${label}: FAILED without a rejection`)
          assert.strictEqual(result.error.ErrorType, "CheckpointFailedError", label)
          return
        }
        assert.strictEqual(result.status, "SUCCEEDED", label)
        assert.strictEqual(clean.status, "SUCCEEDED", label)
        if (clean.status === "SUCCEEDED" && result.status === "SUCCEEDED") assert.strictEqual(result.output, clean.output, label)
        assert.deepStrictEqual(signature(result.operations), signature(clean.operations), label)
      }).pipe(Effect.provide(Emulator.Emulator.layerWith({ pageSize: 3 }))),
    { timeout: 120_000, arbitrary: { runs } }
  )
})
