/**
 * Handlers of the `parallel` requirements (8-1 to 8-22): branches in
 * ParallelBranch contexts, named branches, results of different types, empty
 * parallels, completion policies, concurrency, FLAT nesting, a branch format,
 * suspension inside a branch, nesting, the batch result's accessors.
 */
import { Batch, Durable, Payload } from "@effect-durable/core"
import { Effect } from "effect"
import { anyEvent, type Suite } from "../src/Handler.ts"
import { outcome, project } from "./batchProjection.ts"

const counts = project("completionReason", "successCount", "failureCount", "totalCount")

const ok = Effect.succeed("ok")
const fails = Effect.fail(new Error("the branch failed"))

/** Each branch's checkpoint as the JSON envelope `{"wrapped": <value>}`. */
const Wrapped = Payload.serde<string>({
  encode: (value) => JSON.stringify({ wrapped: value }),
  decode: (payload) => (JSON.parse(payload ?? "{}") as { wrapped: string }).wrapped
})

export const handlers: Suite = {
  "8-1": {
    workflow: Durable.workflow(
      { name: "parallel-basic", input: anyEvent },
      () =>
        Durable.parallel("parallel", [
          Durable.step("task-1", Effect.succeed("task-1")),
          Durable.step("task-2", Effect.succeed("task-2"))
        ], { maxConcurrency: 1 }).pipe(Effect.map(Batch.results))
    )
  },
  "8-2": {
    // effect-durable requires a name for every operation a workflow calls: this parallel is named,
    // where the reference calls it without a name (the requirement does not assert the Name).
    workflow: Durable.workflow(
      { name: "parallel-branches-only", input: anyEvent },
      () =>
        Durable.parallel("branches", [Effect.succeed("alpha"), Effect.succeed("beta")], { maxConcurrency: 1 }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "8-3": {
    workflow: Durable.workflow(
      { name: "parallel-named-branches", input: anyEvent },
      () =>
        Durable.parallel("named", [
          { name: "first", effect: Effect.succeed("one") },
          { name: "second", effect: Effect.succeed("two") }
        ], { maxConcurrency: 1 }).pipe(Effect.map(Batch.results))
    )
  },
  "8-4": {
    workflow: Durable.workflow(
      { name: "parallel-heterogeneous", input: anyEvent },
      () =>
        Durable.parallel("hetero", [Effect.succeed("hello"), Effect.succeed(42), Effect.succeed({ k: "v" })], {
          maxConcurrency: 1
        }).pipe(Effect.map(Batch.results))
    )
  },
  "8-5": {
    workflow: Durable.workflow(
      { name: "parallel-empty", input: anyEvent },
      () => Durable.parallel("empty", []).pipe(Effect.map(Batch.results))
    )
  },
  "8-6": {
    workflow: Durable.workflow(
      { name: "parallel-fail-fast", input: anyEvent },
      () =>
        Durable.parallel("failfast", [ok, fails, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 0 }
        }).pipe(Effect.map(outcome))
    )
  },
  "8-7": {
    workflow: Durable.workflow(
      { name: "parallel-throw-if-error", input: anyEvent },
      () =>
        Durable.parallel("throwing", [fails, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 0 }
        }).pipe(Effect.flatMap(Batch.getOrFail))
    )
  },
  "8-8": {
    workflow: Durable.workflow(
      { name: "parallel-min-successful", input: anyEvent },
      () =>
        Durable.parallel("min-successful", [ok, ok, ok, ok], {
          maxConcurrency: 1,
          completion: { minSuccessful: 2 }
        }).pipe(Effect.map(project("completionReason", "successCount", "totalCount")))
    )
  },
  "8-9": {
    workflow: Durable.workflow(
      { name: "parallel-tolerated", input: anyEvent },
      () =>
        Durable.parallel("tolerated", [ok, fails, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        }).pipe(Effect.map(outcome))
    )
  },
  "8-10": {
    workflow: Durable.workflow(
      { name: "parallel-tolerated-exceeded", input: anyEvent },
      () =>
        Durable.parallel("tolerated-exceeded", [fails, fails, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        }).pipe(Effect.map(counts))
    )
  },
  "8-11": {
    workflow: Durable.workflow(
      { name: "parallel-concurrent", input: anyEvent },
      () =>
        Durable.parallel("concurrent", [Effect.succeed("r0"), Effect.succeed("r1"), Effect.succeed("r2")], {
          maxConcurrency: 2
        }).pipe(Effect.map(Batch.results))
    )
  },
  "8-12": {
    workflow: Durable.workflow(
      { name: "parallel-flat", input: anyEvent },
      () =>
        Durable.parallel("flat", [
          Durable.step("fa", Effect.succeed("fa")),
          Durable.step("fb", Effect.succeed("fb"))
        ], { maxConcurrency: 1, nesting: "FLAT" }).pipe(Effect.map(Batch.results))
    )
  },
  "8-13": {
    workflow: Durable.workflow(
      { name: "parallel-tolerated-percentage", input: anyEvent },
      () =>
        Durable.parallel("tolerated-pct", [fails, fails, ok, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailurePercentage: 25 }
        }).pipe(Effect.map(counts))
    )
  },
  "8-14": {
    workflow: Durable.workflow(
      { name: "parallel-suspends-inside", input: anyEvent },
      () =>
        Durable.parallel("replay", [
          Durable.step("b0", Effect.succeed("b0")),
          // The second branch waits: the whole execution suspends in the middle of the parallel.
          Durable.wait("pause", "2 seconds").pipe(Effect.as("b1"))
        ], { maxConcurrency: 1 }).pipe(Effect.map(Batch.results))
    )
  },
  "8-15": {
    workflow: Durable.workflow(
      { name: "parallel-branch-format", input: anyEvent },
      () =>
        Durable.parallel("serde", [Effect.succeed("x"), Effect.succeed("y")], {
          maxConcurrency: 1,
          itemSchema: Wrapped
        }).pipe(Effect.map(Batch.results))
    )
  },
  "8-16": {
    workflow: Durable.workflow(
      { name: "parallel-all-fail", input: anyEvent },
      () =>
        Durable.parallel("all-fail", [fails, fails, fails], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 3 }
        }).pipe(Effect.map(outcome))
    )
  },
  "8-17": {
    workflow: Durable.workflow(
      { name: "parallel-min-not-reached", input: anyEvent },
      () =>
        Durable.parallel("min-not-reached", [ok, fails, ok], {
          maxConcurrency: 1,
          completion: { minSuccessful: 3 }
        }).pipe(Effect.map(outcome))
    )
  },
  "8-18": {
    workflow: Durable.workflow(
      { name: "parallel-combined-completion", input: anyEvent },
      () =>
        Durable.parallel("combined", [fails, fails, ok, ok], {
          maxConcurrency: 1,
          completion: { minSuccessful: 3, toleratedFailureCount: 1 }
        }).pipe(Effect.map(counts))
    )
  },
  "8-19": {
    workflow: Durable.workflow(
      { name: "parallel-invalid-concurrency", input: anyEvent },
      () => Durable.parallel("bad-concurrency", [ok, ok], { maxConcurrency: 0 })
    )
  },
  "8-20": {
    workflow: Durable.workflow(
      { name: "parallel-accessors", input: anyEvent },
      () =>
        Durable.parallel("accessors", [ok, fails, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        }).pipe(Effect.map((result) => ({
          hasFailure: Batch.hasFailure(result),
          successCount: Batch.succeeded(result).length,
          failureCount: Batch.failed(result).length,
          errorCount: Batch.errors(result).length
        })))
    )
  },
  "8-21": {
    workflow: Durable.workflow(
      { name: "parallel-nested", input: anyEvent },
      () =>
        Durable.parallel("outer", [
          Durable.parallel("inner", [
            Durable.step("i1", Effect.succeed("i1")),
            Durable.step("i2", Effect.succeed("i2"))
          ], { maxConcurrency: 1 }).pipe(Effect.map(Batch.results))
        ], { maxConcurrency: 1 }).pipe(Effect.map(Batch.results))
    )
  },
  "8-22": {
    workflow: Durable.workflow(
      { name: "parallel-percentage-boundary", input: anyEvent },
      () =>
        Durable.parallel("pct-boundary", [fails, ok, ok, ok], {
          maxConcurrency: 1,
          completion: { toleratedFailurePercentage: 25 }
        }).pipe(Effect.map(outcome))
    )
  }
}
