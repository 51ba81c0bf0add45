import { Durable, RetryPolicy } from "@effect-durable/core"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Schema } from "effect"
import { Emulator } from "../src/Emulator.ts"
import * as LocalRunner from "../src/LocalRunner.ts"
import * as Simulation from "../src/Simulation.ts"
import { ContractSigning, Mailer } from "../../../examples/callbacks/workflow.ts"
import { TripBooking } from "../../../examples/combinators/workflow.ts"
import { ciFaults } from "../../../examples/simulation/catalog.ts"


const greet = Durable.workflow(
  { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  ({ name }) =>
    Effect.gen(function*() {
      const a = yield* Durable.step("compose", Effect.succeed(`hello ${name}`))
      yield* Durable.wait("pause", "1 hour")
      const b = yield* Durable.step("shout", Effect.succeed(a.toUpperCase()), {
        retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "5 seconds", jitter: "NONE" })
      })
      return `${a} / ${b}`
    })
)

/** The planted defect: the name of a step depends on the hour it first runs in (the wall clock). */
const clockNamed = Durable.workflow({ name: "clock-named", output: Schema.String }, () =>
  Effect.gen(function*() {
    yield* Durable.step("collect", Effect.succeed(1))
    yield* Durable.wait("settle", "1 minute")
    const hour = Math.floor((yield* Clock.currentTimeMillis) / 3_600_000)
    const report = yield* Durable.step(`report-${hour}`, Effect.succeed(`report of hour ${hour}`))
    yield* Durable.wait("publish-later", "1 minute")
    return yield* Durable.step("publish", Effect.succeed(report))
  }))

describe("Simulation", () => {
  it("draws the same schedule from the same seed, and others from other seeds", () => {
    const shape = { calls: 6, invocations: 3, callbacks: [{ timeoutMillis: 60_000 }] }
    const a = Simulation.draw(7, shape)
    assert.deepStrictEqual(Simulation.draw(7, shape), a)
    assert.notDeepEqual(Simulation.draw(8, shape), a)
    for (let seed = 0; seed < 200; seed++) {
      for (const fault of Simulation.draw(seed, shape, { maxFaults: 4 })) {
        assert.include(Simulation.faultKinds, fault._tag)
        if ("call" in fault) assert.isAtMost(fault.call, 8)
        if ("callback" in fault) assert.strictEqual(fault.callback, 1)
      }
    }
    const onlyCrashes = Simulation.draw(3, shape, { faults: ["CrashAfter"], maxFaults: 5 })
    assert.isTrue(onlyCrashes.every((f) => f._tag === "CrashAfter"))
  })

  it.effect("checkHistory accepts the emulator's histories and flags impossible transitions", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(greet, { name: "ada" }, { crashAfterCheckpoints: [2] })
      const history = result.execution.history
      assert.deepStrictEqual(Simulation.checkHistory(history), [])
      // A step that went from SUCCEEDED back to STARTED, and a checkpoint with no invocation running.
      const checkpointed = history.find((e) => e._tag === "Checkpointed")!
      const moved = checkpointed._tag === "Checkpointed"
        ? checkpointed.operations.map((o) => ({ ...o, Status: "STARTED" as const }))
        : []
      const tampered = [...history, { ...checkpointed, operations: moved }]
      const problems = Simulation.checkHistory(tampered)
      assert.isTrue(problems.some((p) => p.includes("moved from SUCCEEDED to STARTED")))
      assert.isTrue(problems.some((p) => p.includes("was running") || p.includes("had ended")))
    }).pipe(Effect.provide(Emulator.layer)))

  it.effect("exhaustive: a crash before and after every checkpoint call, one run each", () =>
    Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(greet, { name: "bo" }).pipe(Effect.provide(Emulator.layer))
      const report = yield* Simulation.exhaustive(greet, { name: "bo" })
      assert.strictEqual(report.runs, 2 * clean.checkpointCalls)
      assert.deepStrictEqual(report.byKind, { CrashBefore: clean.checkpointCalls, CrashAfter: clean.checkpointCalls })
      assert.deepStrictEqual(report.failures, [])
    }))

  it.effect("random: every fault kind it survives, with no invariant broken", () =>
    Effect.gen(function*() {
      const report = yield* Simulation.random(greet, { name: "cy" }, { runs: 40, seed: 5, faults: ciFaults })
      assert.strictEqual(report.runs, 40)
      // Faults are drawn up to two calls past the clean run's last one, so not every drawn fault
      // happens (fewer calls since checkpoints are pipelined): most do, 38 with this seed.
      assert.isAtLeast(report.faults, 36)
      for (const kind of ciFaults.filter((k) => !k.startsWith("Callback"))) {
        assert.isAbove(report.byKind[kind] ?? 0, 0, kind)
      }
    }))

  it.effect("replay: an explicit schedule, with the faults that happened", () =>
    Effect.gen(function*() {
      const run = yield* Simulation.replay(greet, { name: "di" }, [
        { _tag: "CallFails", call: 1, error: "throttled", times: 2 },
        { _tag: "ResponseLost", call: 4 },
        { _tag: "DeadlineEarly", invocation: 9, millis: 5_000 }
      ])
      assert.deepStrictEqual(run.violations, [])
      assert.deepStrictEqual(run.fired.map((f) => f._tag), ["CallFails", "ResponseLost"])
      assert.strictEqual(run.outcome, "SUCCEEDED")
    }))

  it.effect("a checkpoint the service rejects for the execution is a documented failure", () =>
    Effect.gen(function*() {
      const run = yield* Simulation.replay(greet, { name: "ed" }, [
        { _tag: "CallFails", call: 2, error: "invalid-parameter", times: 1 }
      ])
      assert.strictEqual(run.outcome, "FAILED")
      assert.deepStrictEqual(run.violations, [])
    }))

  it.effect("a poll's response without its state is refused, not believed: a callback's end it hid is not lost (F8)", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "w" }, () =>
        Durable.map("map.0", [0], () =>
          Durable.createCallback("cb", { timeout: "2 hours" }).pipe(
            Effect.flatMap((callback) => callback.await),
            Effect.catch((error) => Effect.succeed(error._tag))
          )))
      const run = yield* Simulation.replay(workflow, undefined, [{ _tag: "Garbage", call: 2, kind: "no-state" }], {
        callbacks: { cb: { fail: "no" } }
      })
      assert.deepStrictEqual(run.violations, [])
      assert.strictEqual(run.outcome, "SUCCEEDED")
    }))

  it.effect("a response without a token while the answer's trailing updates are queued fails the invocation, never answers without them (F9)", () =>
    Effect.gen(function*() {
      const run = yield* Simulation.replay(TripBooking, { tripId: "t-9", destination: "Lisbon", nights: 3 }, [
        { _tag: "Garbage", call: 5, kind: "no-token" }
      ])
      assert.deepStrictEqual(run.violations, [])
      assert.strictEqual(run.outcome, "SUCCEEDED")
    }))

  it.effect("the watchdog does not vouch for a wake-up while a checkpoint call is unanswered: the service may have moved on", () =>
    Effect.gen(function*() {
      // The callback is answered during the first invocation; the call that would have told the
      // function hangs after the service applied it. At the deadline the function still believes
      // the callback pending: answering PENDING on that belief was refused by the service (or, for
      // a waitForCallback, left the execution waiting forever).
      const run = yield* Simulation.replay(
        ContractSigning,
        { contractId: "c-7", signer: "ada@example.com" },
        [{ _tag: "CallbackEarly", callback: 1 }, { _tag: "CallHangs", call: 3, applied: true }],
        {
          layer: Layer.succeed(Mailer, Mailer.of({ send: () => Effect.void })),
          callbacks: { signature: { succeed: { signedBy: "Ada Lovelace", signedAt: "2025-01-02T10:00:00Z" }, after: "5 hours" } }
        }
      )
      assert.deepStrictEqual(run.fired.map((fault) => fault._tag), ["CallbackEarly", "CallHangs"])
      assert.deepStrictEqual(run.violations, [])
      assert.strictEqual(run.outcome, "SUCCEEDED")
    }))

  it.effect("the planted defect (a step named after the wall clock) fails the simulation, and its seed reproduces it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Simulation.random(clockNamed, undefined, { runs: 50, seed: 11, faults: ciFaults }))
      assert.strictEqual(error._tag, "SimulationError")
      assert.include(error.message, "NonDeterministicExecutionError")
      const [seed] = error.seeds
      assert.isDefined(seed)
      const failure = error.report!.failures[0]!
      // The same seed, alone, reproduces the same run exactly.
      const again = yield* Effect.flip(Simulation.random(clockNamed, undefined, { runs: 1, seed: seed!, faults: ciFaults }))
      const rerun = again.report!.failures[0]!
      assert.deepStrictEqual(rerun.run.schedule, failure.run.schedule)
      assert.deepStrictEqual(rerun.run.violations, failure.run.violations)
      // Shrunk to the faults that matter, which move the function's runs past the hour.
      assert.isAtMost(failure.shrunk.schedule.length, failure.run.schedule.length)
      assert.isTrue(failure.shrunk.schedule.every((f) => ["ReinvokeLate", "CallSlow", "CallHangs"].includes(f._tag)))
      assert.include(failure.shrunk.violations.map((v) => v.message).join(), "NonDeterministicExecutionError")
      assert.include(error.message, `seed ${seed}`)
    }))

  it("checkAttempts: an AtMostOncePerRetry attempt whose code ran twice breaks the invariant; an AtLeastOnce one may", () => {
    const attempt = (id: string, number: number, semantics?: "AtLeastOncePerRetry" | "AtMostOncePerRetry") => ({
      id,
      name: `step-${id}`,
      attempt: number,
      semantics
    })
    assert.deepStrictEqual(
      Simulation.checkAttempts([
        attempt("a", 1, "AtMostOncePerRetry"),
        attempt("a", 2, "AtMostOncePerRetry"),
        attempt("b", 1, "AtLeastOncePerRetry"),
        attempt("b", 1, "AtLeastOncePerRetry"),
        attempt("c", 1),
        attempt("c", 1),
        attempt("a", 2, "AtMostOncePerRetry")
      ]),
      ["the code of step a \"step-a\" ran 2 times in attempt 2"]
    )
  })

  it.effect("at-most-once holds through every crash, and the attempts are observed", () =>
    Effect.gen(function*() {
      const charge = Durable.workflow({ name: "charge" }, () =>
        Effect.gen(function*() {
          yield* Durable.step("charge", Effect.succeed("charged"), {
            semantics: "AtMostOncePerRetry",
            retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "1 second", jitter: "NONE" })
          })
          yield* Durable.wait("cool-off", "1 minute")
        }))
      const report = yield* Simulation.exhaustive(charge, undefined)
      assert.isAbove(report.runs, 0)
      const run = yield* Simulation.replay(charge, undefined, [{ _tag: "CrashAfter", call: 1 }])
      // START was checkpointed, then the invocation died: the attempt is not run again, the next one runs
      assert.deepStrictEqual(run.attempts, 1)
      assert.deepStrictEqual(run.violations, [])
    }))
})
