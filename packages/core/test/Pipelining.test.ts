import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient, Durable, Invocation, RetryPolicy } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { type Duration, Effect } from "effect"

/** What the transport and the steps' code saw, in order. */
type Event =
  | { readonly _tag: "Sent"; readonly call: number; readonly updates: ReadonlyArray<string> }
  | { readonly _tag: "Acknowledged"; readonly call: number }
  | { readonly _tag: "Body"; readonly step: string }

/**
 * The emulator's client, with a real round trip per call (so that calls are in
 * flight while the workflow runs) or none (`undefined`: a call is answered in
 * the run that sends it), recording each call when it is sent and when its
 * answer comes back.
 */
const recording = (
  client: CheckpointClient.CheckpointClient["Service"],
  log: Array<Event>,
  latency: Duration.Input | undefined
) => {
  let calls = 0
  return CheckpointClient.CheckpointClient.of({
    getExecutionState: client.getExecutionState,
    checkpoint: (request) =>
      Effect.gen(function*() {
        const call = ++calls
        const updates = (request.Updates ?? []).map((update) => `${update.Action} ${update.Name ?? update.Id}`)
        log.push({ _tag: "Sent", call, updates })
        if (latency !== undefined) yield* Effect.sleep(latency)
        const response = yield* client.checkpoint(request)
        log.push({ _tag: "Acknowledged", call })
        return response
      })
  })
}

/** A step whose code notes when it starts. */
const step = (
  log: Array<Event>,
  name: string,
  options: { readonly semantics?: "AtLeastOncePerRetry" | "AtMostOncePerRetry"; readonly fail?: boolean } = {}
) =>
  Durable.step(
    name,
    Effect.suspend(() => {
      log.push({ _tag: "Body", step: name })
      return options.fail === true ? Effect.fail(new Error(`${name} failed`)) : Effect.succeed(name)
    }),
    { semantics: options.semantics, retry: RetryPolicy.noRetry }
  )

/**
 * For every step's code: which updates had been sent at that moment, and
 * which of them were still in flight; which updates of `before` (what precedes
 * the step in the workflow) had not been acknowledged yet.
 */
const atBodies = (log: ReadonlyArray<Event>, before: Record<string, ReadonlyArray<string>>) => {
  const findings: Array<string> = []
  const sent = new Map<number, ReadonlyArray<string>>()
  const acknowledged = new Set<string>()
  for (const event of log) {
    if (event._tag === "Sent") sent.set(event.call, event.updates)
    else if (event._tag === "Acknowledged") {
      for (const update of sent.get(event.call)!) acknowledged.add(update)
      sent.delete(event.call)
    } else {
      for (const [call, updates] of sent) findings.push(`${event.step} ran while call ${call} (${updates}) was in flight`)
      for (const update of before[event.step] ?? []) {
        if (!acknowledged.has(update)) findings.push(`${event.step} ran before "${update}" was acknowledged`)
      }
    }
  }
  return findings
}

describe("Pipelined checkpoints", () => {
  it.live("no step's code starts before every update queued ahead of it is acknowledged", () =>
    Effect.gen(function*() {
      const log: Array<Event> = []
      const workflow = Durable.workflow({ name: "pipelined" }, () =>
        Effect.gen(function*() {
          yield* step(log, "a")
          yield* step(log, "b", { semantics: "AtMostOncePerRetry" })
          yield* Durable.child(
            "c",
            Effect.andThen(step(log, "c1"), step(log, "c2", { semantics: "AtMostOncePerRetry" }))
          )
          yield* step(log, "d")
          yield* Effect.all([step(log, "p1"), step(log, "p2", { semantics: "AtMostOncePerRetry" })], {
            concurrency: "unbounded"
          })
          const caught = yield* step(log, "e", { fail: true }).pipe(Effect.orElseSucceed(() => "caught"))
          return [caught, yield* step(log, "f", { semantics: "AtMostOncePerRetry" })]
        }))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const output = yield* Invocation.handle(workflow, yield* emulator.invoke(arn)).pipe(
        Effect.provideService(CheckpointClient.CheckpointClient, recording(emulator.client, log, "5 millis"))
      )
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "[\"caught\",\"f\"]" })

      // What precedes each step in the workflow (its own START too, for AtMostOncePerRetry).
      const a = ["START a", "SUCCEED a"]
      const b = [...a, "START b", "SUCCEED b"]
      const c1 = [...b, "START c"]
      const c2 = [...c1, "START c1", "SUCCEED c1", "START c2"]
      const d = [...c2, "SUCCEED c2", "SUCCEED c"]
      const p = [...d, "START d", "SUCCEED d"]
      const e = [...p, "START p1", "SUCCEED p1", "START p2", "SUCCEED p2"]
      const before = {
        a: [],
        b: [...a, "START b"],
        c1,
        c2,
        d,
        p1: p,
        p2: p,
        e,
        f: [...e, "START e", "FAIL e", "START f"]
      }
      assert.deepStrictEqual(atBodies(log, before), [])
      assert.deepStrictEqual(log.flatMap((event) => event._tag === "Body" ? [event.step] : []).sort(), [
        "a",
        "b",
        "c1",
        "c2",
        "d",
        "e",
        "f",
        "p1",
        "p2"
      ])
      // The answer waited for everything: every call was acknowledged before it.
      assert.strictEqual(log.filter((event) => event._tag === "Sent").length, log.filter((e) => e._tag === "Acknowledged").length)
      const operations = (yield* emulator.execution(arn)).operations
      assert.strictEqual(operations.filter((op) => op.Status === "SUCCEEDED").length, 9)
      assert.strictEqual(operations.find((op) => op.Name === "e")?.Status, "FAILED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("an AtMostOncePerRetry step costs one round trip: its START travels with the previous step's SUCCEED", () =>
    Effect.gen(function*() {
      const log: Array<Event> = []
      const n = 20
      const workflow = Durable.workflow({ name: "at-most-once-chain" }, () =>
        Effect.forEach(
          Array.from({ length: n }, (_, i) => `s${i + 1}`),
          (name) => step(log, name, { semantics: "AtMostOncePerRetry" }),
          { discard: true }
        ))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      yield* Invocation.handle(workflow, yield* emulator.invoke(arn)).pipe(
        Effect.provideService(CheckpointClient.CheckpointClient, recording(emulator.client, log, "2 millis"))
      )
      const calls = log.flatMap((event) => event._tag === "Sent" ? [event.updates] : [])
      // The first START alone, then each SUCCEED with the next START, then the last SUCCEED: n + 1 calls.
      assert.strictEqual(calls.length, n + 1)
      assert.deepStrictEqual(calls[1], ["SUCCEED s1", "START s2"])
      assert.deepStrictEqual(calls[n], [`SUCCEED s${n}`])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("concurrent siblings do not wait for each other's updates; what was joined is durable before the next step", () =>
    Effect.gen(function*() {
      const log: Array<Event> = []
      const siblings = ["q1", "q2", "q3", "q4", "q5"]
      const workflow = Durable.workflow({ name: "siblings" }, () =>
        Effect.gen(function*() {
          yield* Effect.all([
            ...siblings.map((name) => step(log, name)),
            step(log, "m", { semantics: "AtMostOncePerRetry" }),
            // A chain inside one sibling: r2's code comes after r1's outcome.
            Effect.andThen(step(log, "r1"), step(log, "r2"))
          ], { concurrency: "unbounded" })
          return yield* step(log, "z")
        }))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const output = yield* Invocation.handle(workflow, yield* emulator.invoke(arn)).pipe(
        Effect.provideService(CheckpointClient.CheckpointClient, recording(emulator.client, log, "5 millis"))
      )
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "\"z\"" })

      // Causally ahead of each step: its own START (AtMostOncePerRetry), what its fiber learnt
      // before it (r2: r1's outcome) and what was joined before it (z: every sibling's outcome).
      // A sibling's code may run while a call carrying the others' updates is in flight.
      const qs = siblings.flatMap((name) => [`START ${name}`, `SUCCEED ${name}`])
      const before = {
        m: ["START m"],
        r2: ["START r1", "SUCCEED r1"],
        z: [...qs, "START m", "SUCCEED m", "START r1", "SUCCEED r1", "START r2", "SUCCEED r2"]
      }
      assert.deepStrictEqual(atBodies(log, before).filter((finding) => !finding.endsWith("in flight")), [])
      // Narrower than "everything queued so far": no sibling's code waited for another sibling's
      // updates: q1 to q5 all ran before the first acknowledgement, and their updates travel together.
      const firstAcknowledgement = log.findIndex((event) => event._tag === "Acknowledged")
      const early = log.slice(0, firstAcknowledgement).flatMap((event) => event._tag === "Body" ? [event.step] : [])
      assert.deepStrictEqual(early.filter((name) => name.startsWith("q")), siblings)
      const first = log.find((event) => event._tag === "Sent")!
      assert.deepStrictEqual(qs.filter((update) => !first.updates.includes(update)), [])
      const bodies = log.flatMap((event) => event._tag === "Body" ? [event.step] : [])
      assert.deepStrictEqual(bodies.sort(), [...siblings, "m", "r1", "r2", "z"].sort())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("a call answered in the run that sent it: what the answer resumed travels with what the siblings in their turn queue", () =>
    Effect.gen(function*() {
      const log: Array<Event> = []
      // m's START goes first (AtMostOncePerRetry); a is in its turn meanwhile. The call is answered at
      // once: m's SUCCEED, queued by its fiber resumed by the answer, waits for a's updates.
      const workflow = Durable.workflow({ name: "turns" }, () =>
        Effect.all([step(log, "m", { semantics: "AtMostOncePerRetry" }), step(log, "a")], { concurrency: "unbounded" }))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const output = yield* Invocation.handle(workflow, yield* emulator.invoke(arn)).pipe(
        Effect.provideService(CheckpointClient.CheckpointClient, recording(emulator.client, log, undefined))
      )
      assert.strictEqual(output.Status, "SUCCEEDED")
      const calls = log.flatMap((event) => event._tag === "Sent" ? [event.updates] : [])
      assert.deepStrictEqual(calls.slice(0, 2), [["START m"], ["SUCCEED m", "START a", "SUCCEED a"]])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
