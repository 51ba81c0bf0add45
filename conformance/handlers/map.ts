/**
 * Handlers of the `map` requirements (9-1 to 9-20): items in MapIteration
 * contexts, indexes, empty maps, completion policies, concurrency, FLAT
 * nesting, item names, item and whole-result formats, suspension inside and
 * after a map, results over the checkpoint limit.
 */
import { Batch, Durable, Payload } from "@effect-durable/core"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"
import { outcome, project } from "./batchProjection.ts"

/** An item that succeeds with its own value, unless it is `"fail"`. */
const okUnlessFail = (item: string) =>
  item === "fail" ? Effect.fail(new Error(`item "${item}" failed`)) : Effect.succeed(item)

const upperCase = (item: string) => Effect.succeed(item.toUpperCase())

/** Each item's checkpoint as `wrapped:<value>` (not JSON). */
const Wrapped = Payload.serde<string>({
  encode: (value) => `wrapped:${value}`,
  decode: (payload) => (payload ?? "").replace(/^wrapped:/, "")
})

/** The whole map result as `OPSERDE:<results joined by commas>`, read back into a batch result. */
const OpSerde = Payload.serde<Batch.BatchResult<string>>({
  encode: (result) => `OPSERDE:${Batch.results(result).join(",")}`,
  decode: (payload) =>
    Batch.makeResult(
      (payload ?? "OPSERDE:").slice("OPSERDE:".length).split(",").map((result, index) => ({
        index,
        status: "SUCCEEDED" as const,
        result
      })),
      "ALL_COMPLETED"
    )
})

export const handlers: Suite = {
  "9-1": {
    workflow: Durable.workflow(
      { name: "map-basic", input: event(Schema.Array(Schema.String)) },
      ({ Input }) =>
        Durable.map("map", Input, (name) => Durable.step("greet", Effect.succeed(`Hello, ${name}!`)), {
          maxConcurrency: 1
        }).pipe(Effect.map(Batch.results))
    )
  },
  "9-2": {
    // effect-durable requires a name for every operation a workflow calls: this map is named,
    // where the reference calls it without a name (the requirement does not assert the Name).
    workflow: Durable.workflow(
      { name: "map-items-only", input: event(Schema.Array(Schema.Number)) },
      ({ Input }) =>
        Durable.map("double", Input, (n) => Effect.succeed(n * 2), { maxConcurrency: 1 }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "9-3": {
    workflow: Durable.workflow(
      { name: "map-item-and-index", input: event(Schema.Array(Schema.Number)) },
      ({ Input }) =>
        Durable.map("indexed", Input, (n, index) => Effect.succeed(n + index), { maxConcurrency: 1 }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "9-4": {
    workflow: Durable.workflow(
      { name: "map-empty", input: event(Schema.Array(Schema.String)) },
      ({ Input }) => Durable.map("empty", Input, upperCase).pipe(Effect.map(Batch.results))
    )
  },
  "9-5": {
    workflow: Durable.workflow(
      { name: "map-fail-fast", input: anyEvent },
      () =>
        Durable.map("failfast", ["ok", "fail", "ok"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 0 }
        }).pipe(Effect.map(outcome))
    )
  },
  "9-6": {
    workflow: Durable.workflow(
      { name: "map-throw-if-error", input: anyEvent },
      () =>
        Durable.map("throwing", ["fail", "ok"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 0 }
        }).pipe(Effect.flatMap(Batch.getOrFail))
    )
  },
  "9-7": {
    workflow: Durable.workflow(
      { name: "map-min-successful", input: anyEvent },
      () =>
        Durable.map("min-successful", ["i0", "i1", "i2", "i3"], () => Effect.succeed("done"), {
          maxConcurrency: 1,
          completion: { minSuccessful: 2 }
        }).pipe(Effect.map(project("completionReason", "successCount", "totalCount")))
    )
  },
  "9-8": {
    workflow: Durable.workflow(
      { name: "map-tolerated", input: anyEvent },
      () =>
        Durable.map("tolerated", ["ok", "fail", "ok"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        }).pipe(Effect.map(outcome))
    )
  },
  "9-9": {
    workflow: Durable.workflow(
      { name: "map-tolerated-exceeded", input: anyEvent },
      () =>
        Durable.map("tolerated-exceeded", ["fail", "fail", "ok"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        }).pipe(Effect.map(project("completionReason", "successCount", "failureCount", "totalCount")))
    )
  },
  "9-10": {
    workflow: Durable.workflow(
      { name: "map-tolerated-percentage", input: anyEvent },
      () =>
        Durable.map("tolerated-pct", ["fail", "fail", "ok", "ok"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailurePercentage: 25 }
        }).pipe(Effect.map(project("completionReason", "successCount", "failureCount", "totalCount")))
    )
  },
  "9-11": {
    workflow: Durable.workflow(
      { name: "map-concurrent", input: anyEvent },
      () =>
        Durable.map("concurrent", [0, 1, 2], (n) => Effect.succeed(`r${n}`), { maxConcurrency: 2 }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "9-12": {
    workflow: Durable.workflow(
      { name: "map-flat", input: anyEvent },
      () =>
        Durable.map("flat", ["fa", "fb"], (item) => Durable.step("echo", Effect.succeed(item)), {
          maxConcurrency: 1,
          nesting: "FLAT"
        }).pipe(Effect.map(Batch.results))
    )
  },
  "9-13": {
    workflow: Durable.workflow(
      { name: "map-item-namer", input: event(Schema.Array(Schema.Number)) },
      ({ Input }) =>
        Durable.map("named-items", Input, (n) => Effect.succeed(n * 10), {
          maxConcurrency: 1,
          itemNamer: (n) => `item-${n}`
        }).pipe(Effect.map(Batch.results))
    )
  },
  "9-14": {
    workflow: Durable.workflow(
      { name: "map-item-format", input: anyEvent },
      () =>
        Durable.map("serdes", ["x", "y"], upperCase, { maxConcurrency: 1, itemSchema: Wrapped }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "9-15": {
    workflow: Durable.workflow(
      { name: "map-suspends-inside", input: anyEvent },
      () =>
        Durable.map(
          "suspend",
          ["r0", "r1"],
          (item, index) =>
            Effect.andThen(
              // The second iteration waits first: the whole execution suspends in the middle of the map.
              index === 0 ? Effect.void : Durable.wait("pause", "1 second"),
              Durable.step("produce", Effect.succeed(item))
            ),
          { maxConcurrency: 1 }
        ).pipe(Effect.map(Batch.results))
    )
  },
  "9-16": {
    // Four results of 70 KiB: together over the 256 KiB a checkpoint holds.
    workflow: Durable.workflow(
      { name: "map-large-result", input: anyEvent },
      () =>
        Durable.map("large", ["a", "b", "c", "d"], (item) => Effect.succeed(item.repeat(70 * 1024)), {
          maxConcurrency: 1
        }).pipe(Effect.map(project("successCount", "totalCount")))
    )
  },
  "9-17": {
    workflow: Durable.workflow(
      { name: "map-then-wait", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.map("then-wait", ["a", "b"], upperCase, { maxConcurrency: 1 })
        yield* Durable.wait("pause", "1 second")
        return Batch.results(result)
      })
    )
  },
  "9-18": {
    workflow: Durable.workflow(
      { name: "map-failure-then-wait", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.map("fail-then-wait", ["ok", "fail"], okUnlessFail, {
          maxConcurrency: 1,
          completion: { toleratedFailureCount: 1 }
        })
        yield* Durable.wait("pause", "1 second")
        return outcome(result)
      })
    )
  },
  "9-19": {
    workflow: Durable.workflow(
      { name: "map-result-format", input: anyEvent },
      () =>
        Durable.map("op-serde", ["x", "y"], upperCase, { maxConcurrency: 1, resultSchema: OpSerde }).pipe(
          Effect.map(Batch.results)
        )
    )
  },
  "9-20": {
    workflow: Durable.workflow(
      { name: "map-result-format-replayed", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.map("op-serde-replay", ["x", "y"], upperCase, {
          maxConcurrency: 1,
          resultSchema: OpSerde
        })
        yield* Durable.wait("pause", "1 second")
        // After the wait, `result` is the checkpointed payload read back through OpSerde.
        return Batch.results(result)
      })
    )
  }
}
