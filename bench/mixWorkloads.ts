/**
 * The termination mix: six small workloads whose wake-ups span what durable
 * functions wait for, each written with both SDKs.
 *
 * Every workflow takes `{ history, slowMillis }`: it first goes through
 * `history` completed steps `s1..sN` (seeded by the runner, so every
 * invocation replays them), then does its work. `slowMillis` is the long
 * step of the parallel workload (10 s when measured, a few ms in the warm-up).
 *
 * Step bodies mark themselves busy (`Probe`), so that idle time is measured
 * the same way for both SDKs.
 */
import {
  createRetryStrategy,
  type DurableContext as TheirContext,
  type DurableLambdaHandler,
  JitterStrategy,
  withDurableExecution
} from "@aws/durable-execution-sdk-js"
import { Durable, RetryPolicy, WaitForCondition } from "@effect-durable/core"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Effect } from "effect"
import { setTimeout as sleep } from "node:timers/promises"
import * as Probe from "./probe.ts"

/** The workflows' input. */
export interface Input {
  readonly history: number
  readonly slowMillis: number
}

/** One workload: both SDKs' workflows, and when the outside world answers its callbacks. */
export interface Workload {
  readonly name: string
  readonly ours: Workflow.Any
  readonly theirs: DurableLambdaHandler
  /** Milliseconds after a callback started at which it is answered, by callback name. */
  readonly answers?: Readonly<Record<string, number>> | undefined
}

/** An Effect marked busy while it runs. */
const busy = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(Effect.sync(Probe.enter), () => effect, () => Effect.sync(Probe.exit))

/** Goes through the seeded history (replayed, never executed). */
const replayOurs = (history: number) =>
  Effect.gen(function*() {
    for (let i = 1; i <= history; i++) yield* Durable.step(`s${i}`, Effect.succeed(i))
  })

const replayTheirs = async (ctx: TheirContext, history: number) => {
  for (let i = 1; i <= history; i++) await ctx.step(`s${i}`, async () => i)
}

const ours = (name: string, body: (input: Input) => Effect.Effect<unknown, unknown, any>): Workflow.Any =>
  Durable.workflow(
    { name },
    Effect.fn(function*(input: Input) {
      yield* replayOurs(input.history)
      return yield* body(input)
    })
  )

const theirs = (body: (ctx: TheirContext, input: Input) => Promise<unknown>): DurableLambdaHandler =>
  withDurableExecution(async (input: Input, ctx) => {
    await replayTheirs(ctx, input.history)
    return await body(ctx, input)
  })

/** Four steps with a 1 s wait between each two. */
const stepsWithWaits: Workload = {
  name: "steps with 1 s waits",
  ours: ours("steps-with-waits", () =>
    Effect.gen(function*() {
      let sum = 0
      for (let i = 1; i <= 4; i++) {
        if (i > 1) yield* Durable.wait(`pause-${i}`, "1 second")
        sum += yield* Durable.step(`step-${i}`, busy(Effect.succeed(i)))
      }
      return sum
    })),
  theirs: theirs(async (ctx) => {
    let sum = 0
    for (let i = 1; i <= 4; i++) {
      if (i > 1) await ctx.wait(`pause-${i}`, { seconds: 1 })
      sum += await ctx.step(`step-${i}`, async () => Probe.busy(async () => i))
    }
    return sum
  })
}

/** A step that fails three times, retried after 1, 2 and 4 s. */
const retries: Workload = {
  name: "retries, 1-4 s back-offs",
  ours: ours("retries", () =>
    Durable.step(
      "flaky",
      busy(Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt < 4) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
        return attempt
      })),
      { retry: RetryPolicy.exponential({ maxAttempts: 4, initialDelay: "1 second", backoffRate: 2, jitter: "NONE" }) }
    )),
  theirs: theirs(async (ctx) =>
    await ctx.step(
      "flaky",
      async ({ attempt }) =>
        Probe.busy(async () => {
          if (attempt < 4) throw new Error(`attempt ${attempt} failed`)
          return attempt
        }),
      { retryStrategy: createRetryStrategy({ maxAttempts: 4, initialDelay: { seconds: 1 }, backoffRate: 2, jitter: JitterStrategy.NONE }) }
    )
  )
}

/** Steps around a 30 s and a 5 min wait. */
const longWaits: Workload = {
  name: "waits of 30 s and 5 min",
  ours: ours("long-waits", () =>
    Effect.gen(function*() {
      const a = yield* Durable.step("before", busy(Effect.succeed(1)))
      yield* Durable.wait("half-minute", "30 seconds")
      const b = yield* Durable.step("between", busy(Effect.succeed(2)))
      yield* Durable.wait("five-minutes", "5 minutes")
      return a + b + (yield* Durable.step("after", busy(Effect.succeed(3))))
    })),
  theirs: theirs(async (ctx) => {
    const a = await ctx.step("before", async () => Probe.busy(async () => 1))
    await ctx.wait("half-minute", { seconds: 30 })
    const b = await ctx.step("between", async () => Probe.busy(async () => 2))
    await ctx.wait("five-minutes", { minutes: 5 })
    return a + b + (await ctx.step("after", async () => Probe.busy(async () => 3)))
  })
}

const callbackNames = ["answered-after-0.5s", "answered-after-5s", "answered-after-1h"] as const

/** Three callbacks in a row, answered after 0.5 s, 5 s and 1 h. */
const callbacks: Workload = {
  name: "callbacks after 0.5 s, 5 s, 1 h",
  answers: { "answered-after-0.5s": 500, "answered-after-5s": 5_000, "answered-after-1h": 3_600_000 },
  ours: ours("callbacks", () =>
    Effect.gen(function*() {
      const answers: Array<string> = []
      for (const name of callbackNames) {
        const callback = yield* Durable.createCallback(name, { timeout: "2 hours" })
        answers.push(yield* callback.await)
      }
      return yield* Durable.step("record", busy(Effect.succeed(answers.length)))
    })),
  theirs: theirs(async (ctx) => {
    const answers: Array<unknown> = []
    for (const name of callbackNames) {
      const [answer] = await ctx.createCallback(name, { timeout: { hours: 2 } })
      answers.push(await answer)
    }
    return await ctx.step("record", async () => Probe.busy(async () => answers.length))
  })
}

/** A parallel of a 10 s step and a 2 s wait, then a step. */
const parallel: Workload = {
  name: "parallel: 10 s step, 2 s wait",
  ours: ours("parallel", ({ slowMillis }) =>
    Effect.gen(function*() {
      yield* Durable.parallel("both", [
        { name: "slow", effect: Durable.step("slow", busy(Effect.sleep(`${slowMillis} millis`).pipe(Effect.as(1)))) },
        { name: "short", effect: Durable.wait("short", "2 seconds").pipe(Effect.as(2)) }
      ])
      return yield* Durable.step("after", busy(Effect.succeed(3)))
    })),
  theirs: theirs(async (ctx, { slowMillis }) => {
    await ctx.parallel("both", [
      {
        name: "slow",
        func: async (child) =>
          await child.step("slow", async () =>
            Probe.busy(async () => {
              await sleep(slowMillis)
              return 1
            }))
      },
      {
        name: "short",
        func: async (child) => {
          await child.wait("short", { seconds: 2 })
          return 2
        }
      }
    ])
    return await ctx.step("after", async () => Probe.busy(async () => 3))
  })
}

/** A condition checked every 2 s, true at the fourth check. */
const condition: Workload = {
  name: "condition polled every 2 s",
  ours: ours("condition", () =>
    Durable.waitForCondition(
      "ready",
      (state: { checks: number }) => busy(Effect.succeed({ checks: state.checks + 1 })),
      {
        initial: { checks: 0 },
        schedule: WaitForCondition.until((state) => state.checks >= 4, {
          initialDelay: "2 seconds",
          backoffRate: 1,
          maxAttempts: 10
        })
      }
    )),
  theirs: theirs(async (ctx) =>
    await ctx.waitForCondition(
      "ready",
      async (state: { checks: number }) => Probe.busy(async () => ({ checks: state.checks + 1 })),
      {
        initialState: { checks: 0 },
        waitStrategy: (state) =>
          state.checks >= 4 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 2 } }
      }
    )
  )
}

/** The mix, in the order it runs. */
export const workloads: ReadonlyArray<Workload> = [stepsWithWaits, retries, longWaits, callbacks, parallel, condition]
