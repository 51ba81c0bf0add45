/**
 * The benchmarked workflows, each written with both SDKs. A step's code is
 * code that runs (`Effect.sync(() => i)`), as the official SDK's is a function
 * (`async () => i`), rather than a value (`Effect.succeed(i)`), which no step
 * that does work is. The replayed steps of `replay` keep `Effect.succeed`:
 * their code is never run.
 */
import { type DurableLambdaHandler, StepSemantics, withDurableExecution } from "@aws/durable-execution-sdk-js"
import { Batch, Durable } from "@effect-durable/core"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Effect } from "effect"

export interface Pair {
  readonly ours: Workflow.Any
  readonly theirs: DurableLambdaHandler
}

/** `n` sequential steps with the given semantics, each returning its index; the input is `{ n }`. */
const chain = (semantics: "AtLeastOncePerRetry" | "AtMostOncePerRetry"): Pair => ({
  ours: Durable.workflow(
    { name: `chain-${semantics}` },
    Effect.fn(function*({ n }: { n: number }) {
      let sum = 0
      for (let i = 1; i <= n; i++) sum += yield* Durable.step(`s${i}`, Effect.sync(() => i), { semantics })
      return sum
    })
  ),
  theirs: withDurableExecution(async ({ n }: { n: number }, ctx) => {
    const semanticsOption = semantics === "AtMostOncePerRetry"
      ? StepSemantics.AtMostOncePerRetry
      : StepSemantics.AtLeastOncePerRetry
    let sum = 0
    for (let i = 1; i <= n; i++) sum += await ctx.step(`s${i}`, async () => i, { semantics: semanticsOption })
    return sum
  })
})

/** `n` sequential AtLeastOncePerRetry steps (the default semantics of both SDKs). */
export const sequential: Pair = chain("AtLeastOncePerRetry")

/** `n` sequential AtMostOncePerRetry steps: START is checkpointed before the step's code runs. */
export const sequentialAtMostOnce: Pair = chain("AtMostOncePerRetry")

/** `n` sequential steps (replayed from a seeded state), then one new step "after". */
export const replay: Pair = {
  ours: Durable.workflow(
    { name: "replay" },
    Effect.fn(function*({ n }: { n: number }) {
      let sum = 0
      for (let i = 1; i <= n; i++) sum += yield* Durable.step(`s${i}`, Effect.succeed(i))
      return yield* Durable.step("after", Effect.sync(() => sum))
    })
  ),
  theirs: withDurableExecution(async ({ n }: { n: number }, ctx) => {
    let sum = 0
    for (let i = 1; i <= n; i++) sum += await ctx.step(`s${i}`, async () => i)
    return await ctx.step("after", async () => sum)
  })
}

/** A step, a wait of `seconds` (suspends), a step. */
export const waiting: Pair = {
  ours: Durable.workflow(
    { name: "wait" },
    Effect.fn(function*({ seconds }: { seconds: number }) {
      const before = yield* Durable.step("before", Effect.sync(() => 1))
      yield* Durable.wait("pause", `${seconds} seconds`)
      return before + (yield* Durable.step("after", Effect.sync(() => 1)))
    })
  ),
  theirs: withDurableExecution(async ({ seconds }: { seconds: number }, ctx) => {
    const before = await ctx.step("before", async () => 1)
    await ctx.wait("pause", { seconds })
    return before + (await ctx.step("after", async () => 1))
  })
}

/** `n` steps started at once: `Effect.all` with unbounded concurrency vs `Promise.all`. */
export const concurrent: Pair = {
  ours: Durable.workflow(
    { name: "concurrent" },
    Effect.fn(function*({ n }: { n: number }) {
      const values = yield* Effect.all(
        Array.from({ length: n }, (_, i) => Durable.step(`c${i + 1}`, Effect.sync(() => i + 1))),
        { concurrency: "unbounded" }
      )
      return values.reduce((a, b) => a + b, 0)
    })
  ),
  theirs: withDurableExecution(async ({ n }: { n: number }, ctx) => {
    const values = await Promise.all(Array.from({ length: n }, (_, i) => ctx.step(`c${i + 1}`, async () => i + 1)))
    return values.reduce((a, b) => a + b, 0)
  })
}

/** `Durable.map` / `ctx.map` over `n` items with maxConcurrency 50, each item one step. */
export const map: Pair = {
  ours: Durable.workflow(
    { name: "map" },
    Effect.fn(function*({ n }: { n: number }) {
      const items = Array.from({ length: n }, (_, i) => i + 1)
      const batch = yield* Durable.map("items", items, (i) => Durable.step("value", Effect.sync(() => i)), {
        maxConcurrency: 50
      })
      return Batch.results(batch).reduce((a, b) => a + b, 0)
    })
  ),
  theirs: withDurableExecution(async ({ n }: { n: number }, ctx) => {
    const items = Array.from({ length: n }, (_, i) => i + 1)
    const batch = await ctx.map("items", items, async (child, i) => await child.step("value", async () => i), {
      maxConcurrency: 50
    })
    return batch.getResults().reduce((a, b) => a + b, 0)
  })
}
