/**
 * Wire compatibility with the official SDK (@aws/durable-execution-sdk-js):
 * each case is one workflow written twice, run on a fresh emulator each, and
 * what the service saw (operations, updates, checkpoint calls, invocations,
 * outcome) must be equal, except for the differences the case declares, each
 * asserted exactly, with its reason.
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator, LambdaApiServer, LocalRunner } from "@effect-durable/testing"
import { withDurableExecution } from "@aws/durable-execution-sdk-js"
import { Durable } from "@effect-durable/core"
import { LambdaHttpCheckpointClient } from "@effect-durable/runtime-lambda"
import { Effect, Layer } from "effect"
import { writeFileSync } from "node:fs"
import { TestClock } from "effect/testing"
import { type Case, cases } from "./cases.ts"
import * as OfficialRunner from "./OfficialRunner.ts"
import { type Difference, get, mask, showPath, type Snapshot, snapshot, sorted } from "./Snapshot.ts"

/**
 * Our side: the LocalRunner under the TestClock, from the same epoch as theirs. `overHttp`: its checkpoint calls
 * go through runtime-lambda's light transport (`LambdaHttpCheckpointClient`, signed HTTP) to `LambdaApiServer`
 * in front of the emulator, instead of to the emulator's client in memory.
 */
const runOurs = (c: Case, overHttp = false) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(OfficialRunner.epoch)
    const emulator = yield* Emulator.Emulator
    const external = c.external
    const client = overHttp ? yield* httpClient : undefined
    const result = yield* LocalRunner.runUnderTestClock(
      c.ours,
      c.input,
      {
        ...(client === undefined ? {} : { client }),
        ...(external === undefined ? {} : {
          waitForExternal: true,
          // the runner goes to sleep once the invocation has ended PENDING
          onEvent: (event) => event._tag === "Sleeping" ? Effect.orDie(external(emulator, event.arn)) : Effect.void
        })
      }
    )
    return snapshot(result.execution, result.invocations.map((i) => i.outcome))
  }).pipe(
    Effect.scoped,
    Effect.provide(LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.Emulator.layerWith(c.emulator ?? {}))))
  )

/** The light transport to the `LambdaApiServer` in front of the case's emulator (one attempt: no retry hides a failure). */
const httpClient = Effect.gen(function*() {
  const { url } = yield* LambdaApiServer.LambdaApiServer
  return yield* LambdaHttpCheckpointClient.make({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDCOMPAT", secretAccessKey: "compat" },
    maxAttempts: 1
  })
})

/** Their side: the official handler on our emulator. */
const runTheirs = (c: Case) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const external = c.external
    const result = yield* OfficialRunner.run(
      c.theirs,
      c.input,
      external === undefined ? {} : { external: (arn) => external(emulator, arn) }
    )
    assert.deepStrictEqual(result.malformedRequests, [], "requests our wire Schemas cannot decode")
    return snapshot(result.execution, result.invocations.map((i) => i.outcome))
  }).pipe(Effect.provide(Emulator.Emulator.layerWith(c.emulator ?? {})))

/**
 * Asserts every listed difference exactly, then equality of everything else.
 * `order` differences are checked once the others are masked (an element that
 * differs and moved is reached with a selector path on both sides), then
 * `batching` differences (the calls' contents, concatenated, instead of their
 * boundaries).
 * `tolerate` selects the differences that are masked (by default all of them).
 */
const compare = (
  c: Case,
  ours: Snapshot,
  theirs: Snapshot,
  tolerate: (difference: Difference) => boolean = () => true
) => {
  const differences = (c.differences ?? []).filter(tolerate)
  const exact = differences.filter((d) => d.kind !== "order" && d.kind !== "batching")
  const orders = differences.filter((d) => d.kind === "order")
  const batchings = differences.filter((d) => d.kind === "batching")
  for (const difference of exact) {
    const where = `${c.name}: ${showPath(difference.path)}`
    assert.deepStrictEqual(get(ours, difference.path), difference.ours, `ours at ${where}`)
    assert.deepStrictEqual(get(theirs, difference.path), difference.theirs, `theirs at ${where}`)
  }
  const [a, b] = mask(ours, theirs, exact)
  for (const difference of orders) {
    const where = `${c.name}: ${showPath(difference.path)}`
    const [x, y] = [get(a, difference.path), get(b, difference.path)]
    assert.notDeepEqual(x, y, `same order at ${where}`)
    assert.isTrue(Array.isArray(x), `an array at ${where}`)
    assert.deepStrictEqual(sorted(x), sorted(y), `other elements at ${where}`)
  }
  const [c1, c2] = mask(a, b, orders)
  for (const difference of batchings) {
    const where = `${c.name}: ${showPath(difference.path)}`
    const [x, y] = [get(c1, difference.path), get(c2, difference.path)]
    assert.notDeepEqual(x, y, `same batching at ${where}`)
    const [flatX, flatY] = [(x as ReadonlyArray<ReadonlyArray<unknown>>).flat(), (y as ReadonlyArray<ReadonlyArray<unknown>>).flat()]
    if (difference.reordered === true) assert.deepStrictEqual(sorted(flatX), sorted(flatY), `other contents at ${where}`)
    else assert.deepStrictEqual(flatX, flatY, `other contents at ${where}`)
  }
  const [x, y] = mask(c1, c2, batchings)
  assert.deepStrictEqual(x, y)
}

const runBoth = (c: Case) =>
  Effect.gen(function*() {
    const ours = yield* runOurs(c)
    const theirs = yield* runTheirs(c)
    const dump = process.env.COMPAT_DUMP
    if (dump) writeFileSync(`${dump}/${c.name.replace(/\W+/g, "-")}.json`, JSON.stringify({ ours, theirs }, null, 1))
    return { ours, theirs }
  })

describe("wire compatibility with the official SDK", () => {
  for (const c of cases) {
    it.effect(c.name, () =>
      Effect.gen(function*() {
        const { ours, theirs } = yield* runBoth(c)
        compare(c, ours, theirs)
      }))
    // The transport changes nothing the service sees: ours over signed HTTP (the light transport, LambdaApiServer)
    // is exactly ours in memory.
    it.effect(`${c.name}: the same over the light transport and HTTP`, () =>
      Effect.gen(function*() {
        const inMemory = yield* runOurs(c)
        const overHttp = yield* runOurs(c, true)
        assert.deepStrictEqual(overHttp, inMemory)
      }))
    // Each known incompatibility of ours, not tolerated: the comparison must still fail. When this test fails,
    // core has fixed it: remove the difference from the case.
    const incompatibilities = new Set(
      (c.differences ?? []).flatMap((d) => d.kind === "incompatibility" ? [d.why] : [])
    )
    for (const why of incompatibilities) {
      it.effect(`${c.name}: still a KNOWN INCOMPATIBILITY: ${why}`, () =>
        Effect.gen(function*() {
          const { ours, theirs } = yield* runBoth(c)
          assert.throws(() => compare(c, ours, theirs, (d) => d.why !== why))
        }))
    }
  }

  it.effect("the comparison catches a difference (a different step name)", () =>
    Effect.gen(function*() {
      const c = cases.find((c) => c.name === "a named wait between steps")!
      const renamed: Case = {
        ...c,
        ours: Durable.workflow(
          { name: "renamed" },
          Effect.fn(function*() {
            const before = yield* Durable.step("before", Effect.succeed("before"))
            yield* Durable.wait("pause", "10 seconds")
            const after = yield* Durable.step("after!", Effect.succeed("after"))
            return [before, after]
          })
        )
      }
      const ours = yield* runOurs(renamed)
      const theirs = yield* runTheirs(c)
      assert.throws(() => compare(renamed, ours, theirs))
      assert.strictEqual(get(ours, ["operations", 3, "Name"]), "after!")
      assert.strictEqual(get(theirs, ["operations", 3, "Name"]), "after")
    }))

  it.effect("the official runner reports what the handler did, deterministically", () =>
    Effect.gen(function*() {
      const handler = withDurableExecution(async (_input, ctx) => {
        await ctx.wait("w", { seconds: 3 })
        return "done"
      })
      const run = () => OfficialRunner.run(handler, {}).pipe(Effect.provide(Emulator.Emulator.layer))
      const first = yield* run()
      const second = yield* run()
      assert.strictEqual(first.status, "SUCCEEDED")
      assert.strictEqual(first.execution.result, "\"done\"")
      assert.deepStrictEqual(first.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
      // the TestClock stands still during an invocation and jumps to the wake-up between them
      assert.deepStrictEqual(
        first.execution.operations.map((o) => [o.StartTimestamp?.getTime(), o.EndTimestamp?.getTime()]),
        [[OfficialRunner.epoch, OfficialRunner.epoch + 3000], [OfficialRunner.epoch, OfficialRunner.epoch + 3000]]
      )
      assert.deepStrictEqual(second.execution, first.execution)
    }))
})
