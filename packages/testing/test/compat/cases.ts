/**
 * Test support (not shipped): pairs of equivalent workflows, one written with
 * effect-durable, one with the official SDK, for the wire-compatibility test.
 *
 * To add a pair: write both sides, give the input, and list the deliberate
 * differences (path in the `Snapshot`, our value, their value, why). Every
 * other field of the snapshots must be equal.
 */
import {
  BatchItemStatus,
  completeBatch,
  CompletionOutcome,
  continueBatch,
  createRetryStrategy,
  type DurableLambdaHandler,
  JitterStrategy,
  NestingType,
  retryPresets,
  StepSemantics,
  withDurableExecution
} from "@aws/durable-execution-sdk-js"
import { Batch, Durable, Payload, RetryPolicy, WaitForCondition } from "@effect-durable/core"
import type { DurableContext } from "@effect-durable/core/DurableContext"
import type * as Workflow from "@effect-durable/core/Workflow"
import type * as Wire from "@effect-durable/core/Wire"
import type * as Emulator from "@effect-durable/testing/Emulator"
import { Effect, Schema } from "effect"
import type { Difference } from "./Snapshot.ts"
import { HelloWorld } from "../../../../examples/hello-world/workflow.ts"

/** One pair of equivalent workflows. */
export interface Case {
  readonly name: string
  readonly ours: Workflow.Workflow<any, any, any, DurableContext>
  readonly theirs: DurableLambdaHandler
  /** The execution input (JSON). */
  readonly input: unknown
  /** Where the snapshots differ (on purpose, or known bugs of ours); everything else must be equal. */
  readonly differences?: ReadonlyArray<Difference> | undefined
  /** Options of both sides' emulators (e.g. a small `pageSize` to make replay page through the state). */
  readonly emulator?: Emulator.Options | undefined
  /**
   * What the outside world does each time the execution suspends, before the
   * service wakes it up: complete callbacks, chained invokes (see {@link completeExternal}).
   */
  readonly external?: External | undefined
}

/** An action of the outside world on a suspended execution. */
export type External = (emulator: Emulator.Emulator["Service"], arn: string) => Effect.Effect<void, unknown>

/**
 * Completes every STARTED callback with `callback` and every STARTED chained
 * invoke with `invoke` (both raw strings, as the service stores them).
 */
export const completeExternal = (results: {
  readonly callback?: string
  readonly callbackError?: Wire.ErrorObject
  readonly invoke?: string
  readonly invokeError?: Wire.ErrorObject
}): External =>
(emulator, arn) =>
  Effect.gen(function*() {
    const { operations } = yield* emulator.execution(arn)
    for (const operation of operations) {
      if (operation.Status !== "STARTED") continue
      const callbackId = operation.CallbackDetails?.CallbackId
      if (operation.Type === "CALLBACK" && callbackId !== undefined) {
        if (results.callback !== undefined) yield* emulator.sendCallbackSuccess(callbackId, results.callback)
        if (results.callbackError !== undefined) yield* emulator.sendCallbackFailure(callbackId, results.callbackError)
      }
      if (operation.Type === "CHAINED_INVOKE") {
        if (results.invoke !== undefined) {
          yield* emulator.completeChainedInvoke(arn, operation.Id, { Status: "SUCCEEDED", Result: results.invoke })
        }
        if (results.invokeError !== undefined) {
          yield* emulator.completeChainedInvoke(arn, operation.Id, { Status: "FAILED", Error: results.invokeError })
        }
      }
    }
  })

// ---------------------------------------------------------------------------
// Shared retry policies: the same fixed delays on both sides
// ---------------------------------------------------------------------------

const oursRetryOnce = RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "2 seconds", jitter: "NONE" })
const theirsRetryOnce = createRetryStrategy({
  maxAttempts: 2,
  initialDelay: { seconds: 2 },
  jitter: JitterStrategy.NONE
})

// ---------------------------------------------------------------------------
// Errors: a tagged error on our side, an Error with the same `name` on theirs
// ---------------------------------------------------------------------------

class PaymentDeclined extends Schema.TaggedError<PaymentDeclined>()("PaymentDeclined", {
  message: Schema.String,
  code: Schema.Number
}) {}

class TheirPaymentDeclined extends Error {
  constructor(message: string) {
    super(message)
    this.name = "PaymentDeclined"
  }
}

// ---------------------------------------------------------------------------
// Differences that recur
// ---------------------------------------------------------------------------

const pipelined = "checkpoints are pipelined: a step's SUCCEED or FAIL is not awaited but travels with what the " +
  "workflow queues next (the next step's START, a wait's, a callback's or an invoke's START, a context's SUCCEED), " +
  "and a step's code runs once everything queued ahead of it is acknowledged. The same updates in the same order, " +
  "in other calls: fewer when a step is followed by something awaited (an AtMostOncePerRetry step, a wait), one more " +
  "when a step's code waits for a context's START or a concurrent branch's updates"
/** The same updates in the same order, in other checkpoint calls (see `pipelined`). */
const batchedAnew: Difference = { path: ["calls"], why: pipelined, kind: "batching" }

const startOrder = "we run each item up to its first checkpoint before starting the next item; they start every " +
  "item's context first, then the items' steps. Same operations, same batches, another order within a batch; ids " +
  "do not depend on it, so replay is unaffected"
const startedInOrder: ReadonlyArray<Difference> = [
  { path: ["operations"], why: startOrder, kind: "order" },
  { path: ["updates"], why: startOrder, kind: "order" },
  { path: ["calls"], why: `${startOrder}; and ${pipelined}`, kind: "batching", reordered: true }
]

const combinatorOrder = "a combinator's effects allocate their first ids, then the combinator its own (as theirs), " +
  "but we checkpoint the combinator's CONTEXT START before the effects' first operations; they checkpoint the " +
  "branches' STARTs first. Same operations, same updates, same batches, another order within the first batch; ids " +
  "do not depend on it, so replay is unaffected"
const combinedInOrder: ReadonlyArray<Difference> = [
  { path: ["operations"], why: combinatorOrder, kind: "order" },
  { path: ["updates"], why: combinatorOrder, kind: "order" },
  { path: ["calls"], why: `${combinatorOrder}; and ${pipelined}`, kind: "batching", reordered: true }
]

/** The text the official promise.allSettled writes for its rejected reason (its stack redacted, see Snapshot). */
const settledWithStack = "[{\"status\":\"fulfilled\",\"value\":\"fine\"},{\"status\":\"rejected\",\"reason\":" +
  "{\"message\":\"nope\",\"name\":\"StepError\",\"stack\":\"<stack>\"}},{\"status\":\"fulfilled\",\"value\":3}]"
const settledWithoutStack = "[{\"status\":\"fulfilled\",\"value\":\"fine\"},{\"status\":\"rejected\",\"reason\":" +
  "{\"message\":\"nope\",\"name\":\"StepError\"}},{\"status\":\"fulfilled\",\"value\":3}]"
const noStack = "we write a rejected reason as { message, name }; they add its `stack`, which names files, lines and " +
  "Node internals of the machine that ran it (not deterministic, and possibly large); replay needs only name and " +
  "message"
const typedCallbackFailure = "the waitForCallback context checkpoints its typed failure with our error Schema " +
  "(the class tag as ErrorType, the fields as ErrorData) so that replay rebuilds the same class; they checkpoint " +
  "the error that escaped the child (for a submitter failure the StepError) and map it when they rethrow it"

const lastLook = "our default termination policy (cost) stays idle for a callback or an invoke up to the " +
  "break-even time, then looks once more (an empty checkpoint) before it suspends, so that an answer that came " +
  "meanwhile resumes in-process instead of costing a re-invocation; they suspend 20 ms after nothing runs, without " +
  "looking. One empty call more per such suspension"

/** Their checkpoint calls, with our last look (an empty call) inserted at `at`. */
const lookedOnceMore = (theirs: ReadonlyArray<ReadonlyArray<string>>, at: number): Difference => ({
  path: ["calls"],
  ours: [...theirs.slice(0, at), [], ...theirs.slice(at)],
  theirs,
  why: lastLook
})

// ---------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------

const sequentialSteps: Case = {
  name: "sequential steps with JSON results",
  input: { user: "ada", n: 3 },
  ours: Durable.workflow(
    { name: "sequential-steps" },
    Effect.fn(function*(input: { user: string; n: number }) {
      const profile = yield* Durable.step(
        "object",
        Effect.succeed({ id: input.user, tags: ["a", "b"], nested: { ok: true } })
      )
      const greeting = yield* Durable.step("string", Effect.succeed(`hi ${input.user}`))
      const count = yield* Durable.step("number", Effect.succeed(input.n * 1.5))
      const nothing = yield* Durable.step("undefined", Effect.succeed(undefined))
      const empty = yield* Durable.step("null", Effect.succeed(null))
      const list = yield* Durable.step("array", Effect.succeed([1, "two", false, null]))
      const flag = yield* Durable.step("boolean", Effect.succeed(false))
      const unicode = yield* Durable.step("unicode", Effect.succeed("héllo \"wörld\" ✓\n"))
      return { profile, greeting, count, nothing, empty, list, flag, unicode }
    })
  ),
  theirs: withDurableExecution(async (input: { user: string; n: number }, ctx) => {
    const profile = await ctx.step("object", async () => ({ id: input.user, tags: ["a", "b"], nested: { ok: true } }))
    const greeting = await ctx.step("string", async () => `hi ${input.user}`)
    const count = await ctx.step("number", async () => input.n * 1.5)
    const nothing = await ctx.step("undefined", async () => undefined)
    const empty = await ctx.step("null", async () => null)
    const list = await ctx.step("array", async () => [1, "two", false, null])
    const flag = await ctx.step("boolean", async () => false)
    const unicode = await ctx.step("unicode", async () => "héllo \"wörld\" ✓\n")
    return { profile, greeting, count, nothing, empty, list, flag, unicode }
  })
}

const namedWait: Case = {
  name: "a named wait between steps",
  input: {},
  ours: Durable.workflow(
    { name: "named-wait" },
    Effect.fn(function*() {
      const before = yield* Durable.step("before", Effect.succeed("before"))
      yield* Durable.wait("pause", "10 seconds")
      const after = yield* Durable.step("after", Effect.succeed("after"))
      return [before, after]
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const before = await ctx.step("before", async () => "before")
    await ctx.wait("pause", { seconds: 10 })
    const after = await ctx.step("after", async () => "after")
    return [before, after]
  }),
  differences: [batchedAnew]
}

const severalWaits: Case = {
  name: "several waits (1 s, 90 s, 1 day)",
  input: {},
  ours: Durable.workflow(
    { name: "several-waits" },
    Effect.fn(function*() {
      yield* Durable.wait("one-second", "1 second")
      yield* Durable.wait("ninety-seconds", "90 seconds")
      yield* Durable.wait("one-day", "1 day")
      return yield* Durable.step("done", Effect.succeed(3))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    await ctx.wait("one-second", { seconds: 1 })
    await ctx.wait("ninety-seconds", { minutes: 1, seconds: 30 })
    await ctx.wait("one-day", { days: 1 })
    return await ctx.step("done", async () => 3)
  })
}

const retriedOnce: Case = {
  name: "a step that fails once and is retried",
  input: {},
  ours: Durable.workflow(
    { name: "retried-once" },
    Effect.fn(function*() {
      return yield* Durable.step(
        "flaky",
        Effect.gen(function*() {
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("boom"))
          return { attempt }
        }),
        { retry: oursRetryOnce }
      )
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) =>
    await ctx.step("flaky", async ({ attempt }) => {
      if (attempt === 1) throw new Error("boom")
      return { attempt }
    }, { retryStrategy: theirsRetryOnce })
  )
}

const failsForGood: Case = {
  name: "a step that fails for good (no typed error)",
  input: {},
  ours: Durable.workflow(
    { name: "fails-for-good" },
    Effect.fn(function*() {
      yield* Durable.step("charge", Effect.fail(new PaymentDeclined({ message: "card declined", code: 51 })), {
        retry: RetryPolicy.noRetry
      })
      return "unreachable"
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    await ctx.step("charge", async () => {
      throw new TheirPaymentDeclined("card declined")
    }, { retryStrategy: retryPresets.noRetry })
    return "unreachable"
  })
}

const failsForGoodTyped: Case = {
  name: "a step that fails for good with a typed error",
  input: {},
  ours: Durable.workflow(
    { name: "fails-for-good-typed", error: PaymentDeclined },
    Effect.fn(function*() {
      yield* Durable.step("charge", Effect.fail(new PaymentDeclined({ message: "card declined", code: 51 })), {
        error: PaymentDeclined,
        retry: RetryPolicy.noRetry
      }).pipe(Effect.catchTag("StepError", (error) => Effect.die(error)))
      return "unreachable"
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    await ctx.step("charge", async () => {
      throw new TheirPaymentDeclined("card declined")
    }, { retryStrategy: retryPresets.noRetry })
    return "unreachable"
  }),
  differences: [
    {
      path: ["operations", 1, "StepDetails", "Error", "ErrorData"],
      ours: "{\"_tag\":\"PaymentDeclined\",\"message\":\"card declined\",\"code\":51}",
      theirs: undefined,
      why: "with an `error` Schema we encode the typed error into ErrorData, so replay rebuilds the same class"
    },
    {
      path: ["updates", 1, "Error", "ErrorData"],
      ours: "{\"_tag\":\"PaymentDeclined\",\"message\":\"card declined\",\"code\":51}",
      theirs: undefined,
      why: "with an `error` Schema we encode the typed error into ErrorData, so replay rebuilds the same class"
    },
    {
      path: ["error"],
      ours: {
        ErrorType: "PaymentDeclined",
        ErrorMessage: "card declined",
        ErrorData: "{\"_tag\":\"PaymentDeclined\",\"message\":\"card declined\",\"code\":51}"
      },
      theirs: { ErrorType: "StepError", ErrorMessage: "card declined" },
      why: "our workflow fails with the typed error itself (its `error` Schema writes ErrorData); " +
        "they rethrow a step failure as StepError"
    }
  ]
}

const defect: Case = {
  name: "a step whose code throws (a defect)",
  input: {},
  ours: Durable.workflow(
    { name: "defect" },
    Effect.fn(function*() {
      yield* Durable.step(
        "explode",
        Effect.sync((): number => {
          throw new TypeError("x is not a function")
        }),
        { retry: RetryPolicy.noRetry }
      )
      return "unreachable"
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    await ctx.step("explode", async (): Promise<number> => {
      throw new TypeError("x is not a function")
    }, { retryStrategy: retryPresets.noRetry })
    return "unreachable"
  })
}

const atMostOnce: Case = {
  name: "AtMostOncePerRetry steps",
  input: {},
  ours: Durable.workflow(
    { name: "at-most-once" },
    Effect.fn(function*() {
      const a = yield* Durable.step("once", Effect.succeed("charged"), { semantics: "AtMostOncePerRetry" })
      const b = yield* Durable.step(
        "once-flaky",
        Effect.gen(function*() {
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("timeout"))
          return attempt
        }),
        { semantics: "AtMostOncePerRetry", retry: oursRetryOnce }
      )
      return { a, b }
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const a = await ctx.step("once", async () => "charged", { semantics: StepSemantics.AtMostOncePerRetry })
    const b = await ctx.step("once-flaky", async ({ attempt }) => {
      if (attempt === 1) throw new Error("timeout")
      return attempt
    }, { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: theirsRetryOnce })
    return { a, b }
  }),
  differences: [batchedAnew]
}

/** The official twin of examples/hello-world (ours is the example itself). */
class TheirDeliveryFailed extends Error {
  readonly attempt: number
  constructor(attempt: number) {
    super("") // like our DeliveryFailed, which has no message field
    this.name = "DeliveryFailed"
    this.attempt = attempt
  }
}

const helloWorld: Case = {
  name: "hello-world",
  input: { name: "Ada" },
  ours: HelloWorld,
  theirs: withDurableExecution(async ({ name }: { name: string }, ctx) => {
    const greeting = await ctx.step("compose-greeting", async () => `Hello, ${name}!`)
    const deliveredOnAttempt = await ctx.step("deliver-greeting", async ({ attempt }) => {
      if (attempt === 1) throw new TheirDeliveryFailed(attempt)
      return attempt
    }, {
      retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 3 }, jitter: JitterStrategy.NONE })
    })
    await ctx.wait("let-it-sink-in", { seconds: 5 })
    const farewell = await ctx.step("compose-farewell", async () => `Goodbye, ${name}.`)
    return { greeting, deliveredOnAttempt, farewell }
  }),
  differences: [
    batchedAnew,
    {
      path: ["updates", 3, "Error", "ErrorData"],
      ours: "{\"_tag\":\"DeliveryFailed\",\"attempt\":1}",
      theirs: undefined,
      why: "with an `error` Schema we encode the typed error into ErrorData, so replay rebuilds the same class"
    },
    {
      path: ["updates", 3, "Error", "ErrorMessage"],
      ours: "{\"attempt\":1}",
      theirs: "",
      why: "a tagged error without a message is described by its fields (JSON); an Error without one has \"\""
    }
  ]
}

const returnsNothing: Case = {
  name: "a workflow that returns nothing",
  input: null,
  ours: Durable.workflow(
    { name: "returns-nothing" },
    Effect.fn(function*() {
      yield* Durable.step("side-effect", Effect.void)
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    await ctx.step("side-effect", async () => {})
  })
}

const caughtFailure: Case = {
  name: "a failed step caught by the workflow, then replayed after a wait",
  input: {},
  ours: Durable.workflow(
    { name: "caught-failure" },
    Effect.fn(function*() {
      const outcome = yield* Durable.step("risky", Effect.fail(new Error("nope")), { retry: RetryPolicy.noRetry }).pipe(
        Effect.map(() => "ok"),
        Effect.catchTag("StepError", (error) => Effect.succeed(`caught ${error.errorType}: ${error.message}`))
      )
      yield* Durable.wait("after-failure", "1 hour")
      const fallback = yield* Durable.step("fallback", Effect.succeed(outcome))
      return fallback
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    let outcome: string
    try {
      await ctx.step("risky", async () => {
        throw new Error("nope")
      }, { retryStrategy: retryPresets.noRetry })
      outcome = "ok"
    } catch (error) {
      outcome = `caught Error: ${(error as Error).message}`
    }
    await ctx.wait("after-failure", { hours: 1 })
    return await ctx.step("fallback", async () => outcome)
  }),
  differences: [batchedAnew]
}

const workflowFails: Case = {
  name: "the workflow itself fails after a step",
  input: { amount: -1 },
  ours: Durable.workflow(
    { name: "workflow-fails" },
    Effect.fn(function*(input: { amount: number }) {
      const checked = yield* Durable.step("check", Effect.succeed(input.amount > 0))
      if (!checked) return yield* Effect.fail(new RangeError(`invalid amount ${input.amount}`))
      return "paid"
    })
  ),
  theirs: withDurableExecution(async (input: { amount: number }, ctx) => {
    const checked = await ctx.step("check", async () => input.amount > 0)
    if (!checked) throw new RangeError(`invalid amount ${input.amount}`)
    return "paid"
  })
}

const pagedReplay: Case = {
  name: "replay through a paged state (page size 2)",
  input: {},
  emulator: { pageSize: 2 },
  ours: Durable.workflow(
    { name: "paged-replay" },
    Effect.fn(function*() {
      const values: Array<number> = []
      for (let i = 1; i <= 5; i++) values.push(yield* Durable.step(`step-${i}`, Effect.succeed(i * i)))
      yield* Durable.wait("between", "1 minute")
      values.push(yield* Durable.step("last", Effect.succeed(values.reduce((a, b) => a + b, 0))))
      return values
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const values: Array<number> = []
    for (let i = 1; i <= 5; i++) values.push(await ctx.step(`step-${i}`, async () => i * i))
    await ctx.wait("between", { minutes: 1 })
    values.push(await ctx.step("last", async () => values.reduce((a, b) => a + b, 0)))
    return values
  }),
  differences: [batchedAnew]
}

const childContext: Case = {
  name: "a child context with steps and a wait, then a root step",
  input: { order: "o-1" },
  ours: Durable.workflow(
    { name: "child-context" },
    Effect.fn(function*({ order }: { order: string }) {
      const shipped = yield* Durable.child(
        "ship",
        Effect.gen(function*() {
          const label = yield* Durable.step("label", Effect.succeed(`label-${order}`))
          yield* Durable.wait("pickup", "1 hour")
          return yield* Durable.step("handover", Effect.succeed({ label, carrier: "ups" }))
        })
      )
      const receipt = yield* Durable.step("receipt", Effect.succeed(`${shipped.label} via ${shipped.carrier}`))
      return { shipped, receipt }
    })
  ),
  theirs: withDurableExecution(async ({ order }: { order: string }, ctx) => {
    const shipped = await ctx.runInChildContext("ship", async (child) => {
      const label = await child.step("label", async () => `label-${order}`)
      await child.wait("pickup", { hours: 1 })
      return await child.step("handover", async () => ({ label, carrier: "ups" }))
    })
    const receipt = await ctx.step("receipt", async () => `${shipped.label} via ${shipped.carrier}`)
    return { shipped, receipt }
  }),
  differences: [batchedAnew]
}

const waitForCondition: Case = {
  name: "waitForCondition polling every 10 s until the third check",
  input: {},
  ours: Durable.workflow(
    { name: "wait-for-condition" },
    Effect.fn(function*() {
      return yield* Durable.waitForCondition(
        "job-done",
        (state: { checks: number }) => Effect.succeed({ checks: state.checks + 1 }),
        {
          initial: { checks: 0 },
          schedule: WaitForCondition.until((state) => state.checks >= 3, {
            initialDelay: "10 seconds",
            backoffRate: 1,
            maxAttempts: 10
          })
        }
      )
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) =>
    await ctx.waitForCondition("job-done", async (state: { checks: number }) => ({ checks: state.checks + 1 }), {
      initialState: { checks: 0 },
      waitStrategy: (state) =>
        state.checks >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 10 } }
    })
  )
}

const createCallback: Case = {
  name: "createCallback, its id handed to a step, then awaited",
  input: {},
  external: completeExternal({ callback: "{\"approved\":true}" }),
  ours: Durable.workflow(
    { name: "create-callback" },
    Effect.fn(function*() {
      const approval = yield* Durable.createCallback("approval", { timeout: "1 day" })
      yield* Durable.step("notify", Effect.succeed(`sent ${approval.callbackId}`))
      return yield* approval.await
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const [approval, callbackId] = await ctx.createCallback("approval", { timeout: { days: 1 } })
    await ctx.step("notify", async () => `sent ${callbackId}`)
    return await approval
  }),
  differences: [lookedOnceMore([["START approval"], ["START notify", "SUCCEED notify"]], 2)]
}

const waitForCallback: Case = {
  name: "waitForCallback with a submitter",
  input: { order: "o-7" },
  external: completeExternal({ callback: "\"shipped\"" }),
  ours: Durable.workflow(
    { name: "wait-for-callback" },
    Effect.fn(function*({ order }: { order: string }) {
      const status = yield* Durable.waitForCallback("shipping", () => Effect.void, { timeout: "2 hours" })
      return `${order}: ${status}`
    })
  ),
  theirs: withDurableExecution(async ({ order }: { order: string }, ctx) => {
    const status = await ctx.waitForCallback("shipping", async () => {}, { timeout: { hours: 2 } })
    return `${order}: ${status}`
  }),
  differences: [
    lookedOnceMore([
      ["START shipping", "START ea66c06c1e1c05fa"],
      ["START 98c6f2c2287f4c73", "SUCCEED 98c6f2c2287f4c73"],
      ["SUCCEED shipping"]
    ], 2)
  ]
}

const chainedInvoke: Case = {
  name: "a chained invoke",
  input: { amount: 5 },
  external: completeExternal({ invoke: "{\"charged\":5}" }),
  ours: Durable.workflow(
    { name: "chained-invoke" },
    Effect.fn(function*({ amount }: { amount: number }) {
      const receipt = yield* Durable.invoke("charge", "payments:live", { amount })
      return yield* Durable.step("record", Effect.succeed({ receipt }))
    })
  ),
  theirs: withDurableExecution(async ({ amount }: { amount: number }, ctx) => {
    const receipt = await ctx.invoke("charge", "payments:live", { amount })
    return await ctx.step("record", async () => ({ receipt }))
  }),
  differences: [lookedOnceMore([["START charge"], ["START record", "SUCCEED record"]], 1)]
}

const mapSequential: Case = {
  name: "map over 3 items, one at a time, a step each",
  input: { items: [1, 2, 3] },
  ours: Durable.workflow(
    { name: "map-sequential" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const double = (item: number) => Durable.step("times-two", Effect.succeed(item * 2))
      const result = yield* Durable.map("double", items, double, { maxConcurrency: 1 })
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map(
      "double",
      items,
      async (child, item) => await child.step("times-two", async () => item * 2),
      { maxConcurrency: 1 }
    )
    return result.getResults()
  }),
  differences: [batchedAnew]
}

const mapConcurrent: Case = {
  name: "map over 4 items, all at once, a step and a wait each",
  input: { items: ["a", "b", "c", "d"] },
  ours: Durable.workflow(
    { name: "map-concurrent" },
    Effect.fn(function*({ items }: { items: Array<string> }) {
      const result = yield* Durable.map("process", items, (item) =>
        Effect.gen(function*() {
          const upper = yield* Durable.step("upper", Effect.succeed(item.toUpperCase()))
          yield* Durable.wait("cool-down", "10 seconds")
          return upper
        }))
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<string> }, ctx) => {
    const result = await ctx.map("process", items, async (child, item) => {
      const upper = await child.step("upper", async () => item.toUpperCase())
      await child.wait("cool-down", { seconds: 10 })
      return upper
    })
    return result.getResults()
  }),
  differences: startedInOrder
}

const parallelBranches: Case = {
  name: "parallel: a named and an unnamed branch",
  input: {},
  ours: Durable.workflow(
    { name: "parallel" },
    Effect.fn(function*() {
      const result = yield* Durable.parallel("notify", [
        { name: "email", effect: Durable.step("send-email", Effect.succeed("email sent")) },
        Durable.step("send-sms", Effect.succeed("sms sent"))
      ])
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const result = await ctx.parallel("notify", [
      { name: "email", func: async (child) => await child.step("send-email", async () => "email sent") },
      async (child) => await child.step("send-sms", async () => "sms sent")
    ])
    return result.getResults()
  }),
  differences: [
    { path: ["updates"], why: `${startOrder}; and ${pipelined}`, kind: "order" },
    { path: ["calls"], why: `${startOrder}; and ${pipelined}`, kind: "batching", reordered: true }
  ]
}

const callbackFailure: Case = {
  name: "a callback completed with a failure, caught by the workflow",
  input: {},
  external: completeExternal({
    callbackError: { ErrorType: "Rejected", ErrorMessage: "manager said no", ErrorData: "{\"by\":\"bob\"}" }
  }),
  ours: Durable.workflow(
    { name: "callback-failure" },
    Effect.fn(function*() {
      const approval = yield* Durable.createCallback("approval")
      const outcome = yield* approval.await.pipe(
        Effect.map((value) => `approved: ${value}`),
        Effect.catch((error) => Effect.succeed(`rejected: ${error.message}`))
      )
      return yield* Durable.step("record", Effect.succeed(outcome))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const [approval] = await ctx.createCallback("approval")
    let outcome: string
    try {
      outcome = `approved: ${await approval}`
    } catch (error) {
      outcome = `rejected: ${(error as Error).message}`
    }
    return await ctx.step("record", async () => outcome)
  }),
  differences: [lookedOnceMore([["START approval"], ["START record", "SUCCEED record"]], 1)]
}

const invokeFailure: Case = {
  name: "a chained invoke that fails, uncaught",
  input: {},
  external: completeExternal({ invokeError: { ErrorType: "PaymentError", ErrorMessage: "insufficient funds" } }),
  ours: Durable.workflow(
    { name: "invoke-failure" },
    Effect.fn(function*() {
      return yield* Durable.invoke("charge", "payments:live", { amount: 5 })
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => await ctx.invoke("charge", "payments:live", { amount: 5 })),
  differences: [lookedOnceMore([["START charge"]], 1)]
}

const mapWithFailure: Case = {
  name: "map with a failing item, tolerated",
  input: { items: [1, 2, 3] },
  ours: Durable.workflow(
    { name: "map-with-failure" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const check = (item: number) =>
        Durable.step("check", item === 2 ? Effect.fail(new Error(`bad item ${item}`)) : Effect.succeed(item), {
          retry: RetryPolicy.noRetry
        })
      const result = yield* Durable.map("validate", items, check, {
        maxConcurrency: 1,
        completion: { toleratedFailureCount: 1 }
      })
      return { status: result.status, ok: Batch.results(result), failed: result.failureCount }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("validate", items, async (child, item) =>
      await child.step("check", async () => {
        if (item === 2) throw new Error(`bad item ${item}`)
        return item
      }, { retryStrategy: retryPresets.noRetry }), {
      maxConcurrency: 1,
      completionConfig: { toleratedFailureCount: 1 }
    })
    return { status: result.status, ok: result.getResults(), failed: result.failureCount }
  }),
  differences: [batchedAnew]
}


// ---------------------------------------------------------------------------
// Promise combinators
// ---------------------------------------------------------------------------

const promiseAll: Case = {
  name: "all: two steps combined",
  input: { user: "ada" },
  ours: Durable.workflow(
    { name: "promise-all" },
    Effect.fn(function*({ user }: { user: string }) {
      const [profile, orders] = yield* Durable.all("load", [
        Durable.step("profile", Effect.succeed({ id: user })),
        Durable.step("orders", Effect.succeed([1, 2]))
      ])
      return yield* Durable.step("combine", Effect.succeed({ profile, orders }))
    })
  ),
  theirs: withDurableExecution(async ({ user }: { user: string }, ctx) => {
    const profile = ctx.step("profile", async () => ({ id: user }))
    const orders = ctx.step("orders", async () => [1, 2])
    const [p, o] = await ctx.promise.all<unknown>("load", [profile, orders])
    return await ctx.step("combine", async () => ({ profile: p, orders: o }))
  }),
  differences: combinedInOrder
}

const promiseAllSettled: Case = {
  name: "allSettled: a step that succeeds, one that fails, and a child",
  input: {},
  ours: Durable.workflow(
    { name: "promise-all-settled" },
    Effect.fn(function*() {
      const settled = yield* Durable.allSettled("settle", [
        Durable.step("ok", Effect.succeed("fine")),
        Durable.step("bad", Effect.fail(new Error("nope")), { retry: RetryPolicy.noRetry }),
        Durable.child(
          "two-steps",
          Effect.gen(function*() {
            const a = yield* Durable.step("a", Effect.succeed(1))
            return a + (yield* Durable.step("b", Effect.succeed(2)))
          })
        )
      ])
      return settled.map((s) => s.status === "fulfilled" ? s.value : `${s.reason.name}: ${s.reason.message}`)
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const ok = ctx.step("ok", async () => "fine")
    const bad = ctx.step("bad", async (): Promise<string> => {
      throw new Error("nope")
    }, { retryStrategy: retryPresets.noRetry })
    const two = ctx.runInChildContext("two-steps", async (child) => {
      const a = await child.step("a", async () => 1)
      return a + await child.step("b", async () => 2)
    })
    const settled = await ctx.promise.allSettled<string | number>("settle", [ok, bad, two])
    return settled.map((s) => s.status === "fulfilled" ? s.value : `${s.reason.name}: ${s.reason.message}`)
  }),
  differences: [
    ...combinedInOrder.slice(0, 2),
    {
      path: ["operations", { Name: "settle" }, "ContextDetails", "Result"],
      ours: settledWithoutStack,
      theirs: settledWithStack,
      why: noStack
    },
    {
      path: ["updates", { Name: "settle", Action: "SUCCEED" }, "Payload"],
      ours: settledWithoutStack,
      theirs: settledWithStack,
      why: noStack
    },
    // Pipelined, the combinator's SUCCEED now travels with the child's (it went in a call of its own).
    { path: ["calls"], why: `${combinatorOrder}; and ${pipelined}`, kind: "batching", reordered: true }
  ]
}

const promiseAllFails: Case = {
  name: "all: a failing step fails the combination, uncaught",
  input: {},
  ours: Durable.workflow(
    { name: "promise-all-fails" },
    Effect.fn(function*() {
      return yield* Durable.all("both", [
        Durable.step("good", Effect.succeed(1)),
        Durable.step("broken", Effect.fail(new Error("broken")), { retry: RetryPolicy.noRetry })
      ])
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const good = ctx.step("good", async () => 1)
    const broken = ctx.step("broken", async (): Promise<number> => {
      throw new Error("broken")
    }, { retryStrategy: retryPresets.noRetry })
    return await ctx.promise.all("both", [good, broken])
  }),
  differences: combinedInOrder
}

const promiseAnyAllFail: Case = {
  name: "any: every step fails, caught by the workflow",
  input: {},
  ours: Durable.workflow(
    { name: "promise-any-all-fail" },
    Effect.fn(function*() {
      const outcome = yield* Durable.any("mirror", [
        Durable.step("primary", Effect.fail(new Error("primary down")), { retry: RetryPolicy.noRetry }),
        Durable.step("secondary", Effect.fail(new Error("secondary down")), { retry: RetryPolicy.noRetry })
      ]).pipe(Effect.catchTag("PromiseCombinatorError", (error) => Effect.succeed(`failed: ${error.message}`)))
      return yield* Durable.step("record", Effect.succeed(outcome))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const primary = ctx.step("primary", async (): Promise<string> => {
      throw new Error("primary down")
    }, { retryStrategy: retryPresets.noRetry })
    const secondary = ctx.step("secondary", async (): Promise<string> => {
      throw new Error("secondary down")
    }, { retryStrategy: retryPresets.noRetry })
    let outcome: string
    try {
      outcome = await ctx.promise.any("mirror", [primary, secondary])
    } catch (error) {
      outcome = `failed: ${(error as Error).message}`
    }
    return await ctx.step("record", async () => outcome)
  }),
  differences: combinedInOrder
}

const promiseRace: Case = {
  name: "race: a step against a long wait",
  input: {},
  ours: Durable.workflow(
    { name: "promise-race" },
    Effect.fn(function*() {
      const winner = yield* Durable.race("first", [
        Durable.step("fast", Effect.succeed("fast")),
        Durable.wait("deadline", "1 hour")
      ])
      return yield* Durable.step("record", Effect.succeed(winner))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const fast = ctx.step("fast", async () => "fast")
    const deadline = ctx.wait("deadline", { hours: 1 })
    const winner = await ctx.promise.race<string | void>("first", [fast, deadline])
    return await ctx.step("record", async () => winner)
  }),
  differences: combinedInOrder
}

const promiseAny: Case = {
  name: "any: the first step fails, the second succeeds",
  input: {},
  ours: Durable.workflow(
    { name: "promise-any" },
    Effect.fn(function*() {
      return yield* Durable.any("mirror", [
        Durable.step("primary", Effect.fail(new Error("primary down")), { retry: RetryPolicy.noRetry }),
        Durable.step("secondary", Effect.succeed("from secondary"))
      ])
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const primary = ctx.step("primary", async (): Promise<string> => {
      throw new Error("primary down")
    }, { retryStrategy: retryPresets.noRetry })
    const secondary = ctx.step("secondary", async () => "from secondary")
    return await ctx.promise.any("mirror", [primary, secondary])
  }),
  differences: combinedInOrder
}

// ---------------------------------------------------------------------------
// Child contexts
// ---------------------------------------------------------------------------

const nestedChildren: Case = {
  name: "a child inside a child, with steps and a wait",
  input: {},
  ours: Durable.workflow(
    { name: "nested-children" },
    Effect.fn(function*() {
      const outer = yield* Durable.child(
        "outer",
        Effect.gen(function*() {
          const first = yield* Durable.step("first", Effect.succeed(1))
          const inner = yield* Durable.child(
            "inner",
            Effect.gen(function*() {
              const second = yield* Durable.step("second", Effect.succeed(2))
              yield* Durable.wait("nap", "30 seconds")
              return yield* Durable.step("third", Effect.succeed(second + 1))
            })
          )
          return yield* Durable.step("fourth", Effect.succeed(first + inner))
        })
      )
      return yield* Durable.step("root", Effect.succeed(outer * 10))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const outer = await ctx.runInChildContext("outer", async (outerCtx) => {
      const first = await outerCtx.step("first", async () => 1)
      const inner = await outerCtx.runInChildContext("inner", async (innerCtx) => {
        const second = await innerCtx.step("second", async () => 2)
        await innerCtx.wait("nap", { seconds: 30 })
        return await innerCtx.step("third", async () => second + 1)
      })
      return await outerCtx.step("fourth", async () => first + inner)
    })
    return await ctx.step("root", async () => outer * 10)
  }),
  differences: [batchedAnew]
}

/** Two chunks of 150 000 characters: each fits in a step checkpoint, together they do not fit in a context's. */
const chunk = (c: string) => c.repeat(150_000)

const largeChild: Case = {
  name: "a child whose result is over 256 KB (summary, ReplayChildren), replayed after a wait",
  input: {},
  ours: Durable.workflow(
    { name: "large-child" },
    Effect.fn(function*() {
      const big = yield* Durable.child(
        "big",
        Effect.gen(function*() {
          const a = yield* Durable.step("chunk-a", Effect.succeed(chunk("a")))
          const b = yield* Durable.step("chunk-b", Effect.succeed(chunk("b")))
          return a + b
        }),
        { summary: (value) => JSON.stringify({ length: value.length }) }
      )
      yield* Durable.wait("later", "1 minute")
      return yield* Durable.step("measure", Effect.succeed({ length: big.length, last: big.slice(-3) }))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const big = await ctx.runInChildContext("big", async (child) => {
      const a = await child.step("chunk-a", async () => chunk("a"))
      const b = await child.step("chunk-b", async () => chunk("b"))
      return a + b
    }, { summaryGenerator: (value) => JSON.stringify({ length: value.length }) })
    await ctx.wait("later", { minutes: 1 })
    return await ctx.step("measure", async () => ({ length: big.length, last: big.slice(-3) }))
  }),
  differences: [batchedAnew]
}

// ---------------------------------------------------------------------------
// Completion policies and nesting of map and parallel
// ---------------------------------------------------------------------------

const mapMinSuccessful: Case = {
  name: "map with minSuccessful 2 of 4, one at a time",
  input: { items: [1, 2, 3, 4] },
  ours: Durable.workflow(
    { name: "map-min-successful" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const square = (item: number) => Durable.step("square", Effect.succeed(item * item))
      const result = yield* Durable.map("first-two", items, square, {
        maxConcurrency: 1,
        completion: { minSuccessful: 2 }
      })
      return { reason: result.completionReason, status: result.status, ok: Batch.results(result) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map(
      "first-two",
      items,
      async (child, item) => await child.step("square", async () => item * item),
      { maxConcurrency: 1, completionConfig: { minSuccessful: 2 } }
    )
    return { reason: result.completionReason, status: result.status, ok: result.getResults() }
  }),
  differences: [batchedAnew]
}

const mapFailurePercentage: Case = {
  name: "map with toleratedFailurePercentage 25, exceeded by the second failure",
  input: { items: [1, 2, 3, 4, 5] },
  ours: Durable.workflow(
    { name: "map-failure-percentage" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const check = (item: number) =>
        Durable.step("check", item % 2 === 0 ? Effect.fail(new Error(`odd one ${item}`)) : Effect.succeed(item), {
          retry: RetryPolicy.noRetry
        })
      const result = yield* Durable.map("validate", items, check, {
        maxConcurrency: 1,
        completion: { toleratedFailurePercentage: 25 }
      })
      return {
        reason: result.completionReason,
        status: result.status,
        ok: Batch.results(result),
        failed: result.failureCount
      }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("validate", items, async (child, item) =>
      await child.step("check", async () => {
        if (item % 2 === 0) throw new Error(`odd one ${item}`)
        return item
      }, { retryStrategy: retryPresets.noRetry }), {
      maxConcurrency: 1,
      completionConfig: { toleratedFailurePercentage: 25 }
    })
    return {
      reason: result.completionReason,
      status: result.status,
      ok: result.getResults(),
      failed: result.failureCount
    }
  }),
  differences: [batchedAnew]
}

const mapFailFast: Case = {
  name: "map without a completion policy: the first failure completes it",
  input: { items: [1, 2, 3] },
  ours: Durable.workflow(
    { name: "map-fail-fast" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const check = (item: number) =>
        Durable.step("check", item === 2 ? Effect.fail(new Error(`bad item ${item}`)) : Effect.succeed(item), {
          retry: RetryPolicy.noRetry
        })
      const result = yield* Durable.map("validate", items, check, { maxConcurrency: 1 })
      return { reason: result.completionReason, status: result.status, ok: Batch.results(result) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("validate", items, async (child, item) =>
      await child.step("check", async () => {
        if (item === 2) throw new Error(`bad item ${item}`)
        return item
      }, { retryStrategy: retryPresets.noRetry }), { maxConcurrency: 1 })
    return { reason: result.completionReason, status: result.status, ok: result.getResults() }
  }),
  differences: [batchedAnew]
}

const parallelFirstDone: Case = {
  name: "parallel with minSuccessful 1, all at once: a quick branch and one still waiting",
  input: {},
  ours: Durable.workflow(
    { name: "parallel-first-done" },
    Effect.fn(function*() {
      const result = yield* Durable.parallel("first-done", [
        { name: "quick", effect: Durable.step("quick-step", Effect.succeed("quick")) },
        {
          name: "slow",
          effect: Effect.gen(function*() {
            yield* Durable.wait("slow-wait", "1 hour")
            return yield* Durable.step("slow-step", Effect.succeed("slow"))
          })
        }
      ], { completion: { minSuccessful: 1 } })
      const winner = Batch.results(result)
      return yield* Durable.step("after", Effect.succeed({ reason: result.completionReason, winner }))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const result = await ctx.parallel("first-done", [
      { name: "quick", func: async (child) => await child.step("quick-step", async () => "quick") },
      {
        name: "slow",
        func: async (child) => {
          await child.wait("slow-wait", { hours: 1 })
          return await child.step("slow-step", async () => "slow")
        }
      }
    ], { completionConfig: { minSuccessful: 1 } })
    const winner = result.getResults()
    return await ctx.step("after", async () => ({ reason: result.completionReason, winner }))
  }),
  differences: startedInOrder
}

const parallelShouldComplete: Case = {
  name: "parallel with a custom shouldComplete: fail the batch once branch b failed",
  input: {},
  ours: Durable.workflow(
    { name: "parallel-should-complete" },
    Effect.fn(function*() {
      const result = yield* Durable.parallel("tasks", [
        { name: "a", effect: Durable.step("do-a", Effect.succeed("a")) },
        {
          name: "b",
          effect: Durable.step("do-b", Effect.fail(new Error("b broke")), { retry: RetryPolicy.noRetry })
        },
        { name: "c", effect: Durable.step("do-c", Effect.succeed("c")) }
      ], {
        maxConcurrency: 1,
        completion: {
          shouldComplete: ({ items }) =>
            items.some((item) => item.name === "b" && item.status === "FAILED")
              ? { complete: true, outcome: "FAILED" }
              : { complete: false }
        }
      })
      return {
        reason: result.completionReason,
        status: result.status,
        ok: Batch.results(result),
        failed: result.failureCount
      }
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const result = await ctx.parallel("tasks", [
      { name: "a", func: async (child) => await child.step("do-a", async () => "a") },
      {
        name: "b",
        func: async (child) =>
          await child.step("do-b", async (): Promise<string> => {
            throw new Error("b broke")
          }, { retryStrategy: retryPresets.noRetry })
      },
      { name: "c", func: async (child) => await child.step("do-c", async () => "c") }
    ], {
      maxConcurrency: 1,
      completionConfig: {
        shouldComplete: ({ items }) =>
          items.some((item) => item.name === "b" && item.status === BatchItemStatus.FAILED)
            ? completeBatch(CompletionOutcome.FAILED)
            : continueBatch()
      }
    })
    return {
      reason: result.completionReason,
      status: result.status,
      ok: result.getResults(),
      failed: result.failureCount
    }
  }),
  differences: [batchedAnew]
}

const mapShouldCompleteSucceeded: Case = {
  name: "map with a custom shouldComplete: succeed once 2 items succeeded",
  input: { items: ["a", "b", "c", "d"] },
  ours: Durable.workflow(
    { name: "map-should-complete" },
    Effect.fn(function*({ items }: { items: Array<string> }) {
      const up = (item: string) => Durable.step("up", Effect.succeed(item.toUpperCase()))
      const result = yield* Durable.map("upper", items, up, {
        maxConcurrency: 1,
        completion: {
          shouldComplete: ({ successCount }) =>
            successCount >= 2 ? { complete: true, outcome: "SUCCEEDED" } : { complete: false }
        }
      })
      return { reason: result.completionReason, status: result.status, ok: Batch.results(result) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<string> }, ctx) => {
    const result = await ctx.map(
      "upper",
      items,
      async (child, item) => await child.step("up", async () => item.toUpperCase()),
      {
        maxConcurrency: 1,
        completionConfig: {
          shouldComplete: ({ successCount }) => successCount >= 2 ? completeBatch() : continueBatch()
        }
      }
    )
    return { reason: result.completionReason, status: result.status, ok: result.getResults() }
  }),
  differences: [batchedAnew]
}

const mapFlat: Case = {
  name: "map with FLAT nesting, a step and a wait per item",
  input: { items: [1, 2, 3] },
  ours: Durable.workflow(
    { name: "map-flat" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const result = yield* Durable.map("flat", items, (item) =>
        Effect.gen(function*() {
          const tripled = yield* Durable.step("triple", Effect.succeed(item * 3))
          yield* Durable.wait("breathe", "1 minute")
          return tripled
        }), { maxConcurrency: 1, nesting: "FLAT" })
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("flat", items, async (child, item) => {
      const tripled = await child.step("triple", async () => item * 3)
      await child.wait("breathe", { minutes: 1 })
      return tripled
    }, { maxConcurrency: 1, nesting: NestingType.FLAT })
    return result.getResults()
  }),
  differences: [batchedAnew]
}

const parallelFlat: Case = {
  name: "parallel with FLAT nesting, a failing branch tolerated",
  input: {},
  ours: Durable.workflow(
    { name: "parallel-flat" },
    Effect.fn(function*() {
      const result = yield* Durable.parallel("flat", [
        Durable.step("one", Effect.succeed(1)),
        {
          name: "two",
          effect: Durable.step("two", Effect.fail(new Error("two failed")), { retry: RetryPolicy.noRetry })
        }
      ], { maxConcurrency: 1, nesting: "FLAT", completion: { toleratedFailureCount: 1 } })
      return { status: result.status, ok: Batch.results(result), failed: result.failureCount }
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const result = await ctx.parallel("flat", [
      async (child) => await child.step("one", async () => 1),
      {
        name: "two",
        func: async (child) =>
          await child.step("two", async (): Promise<number> => {
            throw new Error("two failed")
          }, { retryStrategy: retryPresets.noRetry })
      }
    ], { maxConcurrency: 1, nesting: NestingType.FLAT, completionConfig: { toleratedFailureCount: 1 } })
    return { status: result.status, ok: result.getResults(), failed: result.failureCount }
  }),
  differences: [batchedAnew]
}

const mapImmediateItems: Case = {
  name: "map with minSuccessful 2 of 4, one at a time, items that checkpoint nothing of their own",
  input: { items: [1, 2, 3, 4] },
  ours: Durable.workflow(
    { name: "map-immediate-items" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const result = yield* Durable.map("first-two", items, (item) => Effect.succeed(item * item), {
        maxConcurrency: 1,
        completion: { minSuccessful: 2 }
      })
      return { reason: result.completionReason, total: result.totalCount, ok: Batch.results(result) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("first-two", items, async (_child, item) => item * item, {
      maxConcurrency: 1,
      completionConfig: { minSuccessful: 2 }
    })
    return { reason: result.completionReason, total: result.totalCount, ok: result.getResults() }
  })
}

const mapImmediateAllAtOnce: Case = {
  name: "map with minSuccessful 2 of 4, all at once, items that checkpoint nothing of their own",
  input: { items: [1, 2, 3, 4] },
  // the operations come out in the same order (each item's context is its first operation); the updates do not
  differences: startedInOrder.filter((difference) => difference.path[0] !== "operations"),
  ours: Durable.workflow(
    { name: "map-immediate-all-at-once" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const result = yield* Durable.map("first-two", items, (item) => Effect.succeed(item * item), {
        completion: { minSuccessful: 2 }
      })
      return { reason: result.completionReason, statuses: result.all.map((item) => item.status) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("first-two", items, async (_child, item) => item * item, {
      completionConfig: { minSuccessful: 2 }
    })
    return { reason: result.completionReason, statuses: result.all.map((item) => item.status) }
  })
}

const mapFailsAtOnce: Case = {
  name: "map without a completion policy, 3 at a time: the second item fails at once, the others wait",
  input: { items: [1, 2, 3, 4] },
  differences: startedInOrder,
  ours: Durable.workflow(
    { name: "map-fails-at-once" },
    Effect.fn(function*({ items }: { items: Array<number> }) {
      const result = yield* Durable.map("check", items, (item) =>
        item === 2
          ? Effect.fail(new Error(`bad item ${item}`))
          : Durable.wait("breathe", "1 minute").pipe(Effect.as(item)), { maxConcurrency: 3 })
      return { reason: result.completionReason, statuses: result.all.map((item) => item.status) }
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<number> }, ctx) => {
    const result = await ctx.map("check", items, async (child, item) => {
      if (item === 2) throw new Error(`bad item ${item}`)
      await child.wait("breathe", { minutes: 1 })
      return item
    }, { maxConcurrency: 3 })
    return { reason: result.completionReason, statuses: result.all.map((item) => item.status) }
  })
}

const mapItemFormat: Case = {
  name: "map with a hand-written item format (itemSerdes) that is not JSON, read back after a wait",
  input: { items: ["x", "y"] },
  ours: Durable.workflow(
    { name: "map-item-format" },
    Effect.fn(function*({ items }: { items: Array<string> }) {
      const Wrapped = Payload.serde<string>({
        encode: (value) => `wrapped:${value}`,
        decode: (payload) => (payload ?? "").replace(/^wrapped:/, "")
      })
      const result = yield* Durable.map("upper", items, (item) => Effect.succeed(item.toUpperCase()), {
        maxConcurrency: 1,
        itemSchema: Wrapped
      })
      yield* Durable.wait("pause", "1 second")
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<string> }, ctx) => {
    const result = await ctx.map("upper", items, async (_child, item) => item.toUpperCase(), {
      maxConcurrency: 1,
      itemSerdes: {
        serialize: async (value: string | undefined) => `wrapped:${value}`,
        deserialize: async (payload: string | undefined) => (payload ?? "").replace(/^wrapped:/, "")
      }
    })
    await ctx.wait("pause", { seconds: 1 })
    return result.getResults()
  })
}

const mapResultFormat: Case = {
  name: "map with an operation-level format (serdes) for the whole result, read back after a wait",
  input: { items: ["x", "y"] },
  ours: Durable.workflow(
    { name: "map-result-format" },
    Effect.fn(function*({ items }: { items: Array<string> }) {
      const Joined = Payload.serde<Batch.BatchResult<string>>({
        encode: (result) => `JOINED:${Batch.results(result).join(",")}`,
        decode: (payload) =>
          Batch.makeResult(
            (payload ?? "JOINED:").slice("JOINED:".length).split(",").map((result, index) => ({
              index,
              status: "SUCCEEDED" as const,
              result
            })),
            "ALL_COMPLETED"
          )
      })
      const result = yield* Durable.map("upper", items, (item) => Effect.succeed(item.toUpperCase()), {
        maxConcurrency: 1,
        resultSchema: Joined
      })
      yield* Durable.wait("pause", "1 second")
      return Batch.results(result)
    })
  ),
  theirs: withDurableExecution(async ({ items }: { items: Array<string> }, ctx) => {
    const result = await ctx.map("upper", items, async (_child, item) => item.toUpperCase(), {
      maxConcurrency: 1,
      serdes: {
        serialize: async (value) => `JOINED:${value?.getResults().join(",")}`,
        deserialize: async (payload) =>
          ({
            all: (payload ?? "JOINED:").slice("JOINED:".length).split(",").map((result, index) => ({
              result,
              index,
              status: BatchItemStatus.SUCCEEDED
            })),
            completionReason: "ALL_COMPLETED"
          }) as never
      }
    })
    await ctx.wait("pause", { seconds: 1 })
    return result.getResults()
  })
}

const waitForConditionFormat: Case = {
  name: "waitForCondition with a hand-written state format (serdes)",
  input: {},
  ours: Durable.workflow(
    { name: "wait-for-condition-format" },
    Effect.fn(function*() {
      const Tagged = Payload.serde<string>({
        encode: (text) => `state:${text}`,
        decode: (payload) => (payload ?? "").replace(/^state:/, "")
      })
      return yield* Durable.waitForCondition("append", (text: string) => Effect.succeed(`${text}x`), {
        initial: "",
        schema: Tagged,
        strategy: (text) => text.length >= 2 ? { shouldContinue: false } : { shouldContinue: true, delay: "10 seconds" }
      })
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) =>
    await ctx.waitForCondition("append", async (text: string) => `${text}x`, {
      initialState: "",
      serdes: {
        serialize: async (text: string | undefined) => `state:${text}`,
        deserialize: async (payload: string | undefined) => (payload ?? "").replace(/^state:/, "")
      },
      waitStrategy: (text) => text.length >= 2 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 10 } }
    })
  )
}

// ---------------------------------------------------------------------------
// Callbacks that time out, and a failing submitter
// ---------------------------------------------------------------------------

const callbackTimeout: Case = {
  name: "a callback that times out, caught by the workflow",
  input: {},
  ours: Durable.workflow(
    { name: "callback-timeout" },
    Effect.fn(function*() {
      const approval = yield* Durable.createCallback("approval", { timeout: "1 hour" })
      const outcome = yield* approval.await.pipe(
        Effect.map((value) => `approved: ${value}`),
        Effect.catch((error) => Effect.succeed(`${error._tag}: ${error.message}`))
      )
      return yield* Durable.step("record", Effect.succeed(outcome))
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    const [approval] = await ctx.createCallback("approval", { timeout: { hours: 1 } })
    let outcome: string
    try {
      outcome = `approved: ${await approval}`
    } catch (error) {
      outcome = `${(error as Error).name}: ${(error as Error).message}`
    }
    return await ctx.step("record", async () => outcome)
  }),
  differences: [lookedOnceMore([["START approval"], ["START record", "SUCCEED record"]], 1)]
}

const heartbeatTimeout: Case = {
  name: "waitForCallback timing out on its heartbeat, uncaught",
  input: {},
  ours: Durable.workflow(
    { name: "heartbeat-timeout" },
    Effect.fn(function*() {
      return yield* Durable.waitForCallback("job", () => Effect.void, {
        timeout: "1 day",
        heartbeatTimeout: "5 minutes"
      })
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) =>
    await ctx.waitForCallback("job", async () => {}, { timeout: { days: 1 }, heartbeatTimeout: { minutes: 5 } })
  ),
  differences: [
    ...([["operations", 1, "ContextDetails", "Error"], ["updates", 4, "Error"]] as const).map((path) => ({
      path: [...path, "ErrorData"],
      ours: "{\"_tag\":\"CallbackTimeoutError\",\"message\":\"Callback timed out on heartbeat\"}",
      theirs: undefined,
      why: typedCallbackFailure
    })),
    lookedOnceMore([
      ["START job", "START ea66c06c1e1c05fa"],
      ["START 98c6f2c2287f4c73", "SUCCEED 98c6f2c2287f4c73"],
      ["FAIL job"]
    ], 2)
  ]
}

const submitterFails: Case = {
  name: "waitForCallback whose submitter fails, no retry",
  input: {},
  ours: Durable.workflow(
    { name: "submitter-fails" },
    Effect.fn(function*() {
      return yield* Durable.waitForCallback("job", () => Effect.fail(new Error("queue unavailable")), {
        retry: RetryPolicy.noRetry
      })
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) =>
    await ctx.waitForCallback("job", async () => {
      throw new Error("queue unavailable")
    }, { retryStrategy: retryPresets.noRetry })
  ),
  differences: [
    batchedAnew,
    ...([["operations", 1, "ContextDetails", "Error"], ["updates", 4, "Error"]] as const).flatMap((path) => [
      { path: [...path, "ErrorType"], ours: "CallbackSubmitterError", theirs: "StepError", why: typedCallbackFailure },
      {
        path: [...path, "ErrorData"],
        ours: "{\"_tag\":\"CallbackSubmitterError\",\"message\":\"queue unavailable\",\"errorType\":\"Error\"}",
        theirs: undefined,
        why: typedCallbackFailure
      }
    ])
  ]
}

// ---------------------------------------------------------------------------
// Non-determinism
// ---------------------------------------------------------------------------

/** How many times each side's workflow has run (module state: the non-determinism this case is about). */
const runs = { ours: 0, theirs: 0 }

const nonDeterminism: Case = {
  name: "non-determinism: a wait, then a step at its position on replay",
  input: {},
  ours: Durable.workflow(
    { name: "non-determinism" },
    Effect.fn(function*() {
      runs.ours++
      if (runs.ours % 2 === 1) yield* Durable.wait("pause", "10 seconds")
      else yield* Durable.step("pause", Effect.succeed("stepped"))
      return "unreachable"
    })
  ),
  theirs: withDurableExecution(async (_input, ctx) => {
    runs.theirs++
    if (runs.theirs % 2 === 1) await ctx.wait("pause", { seconds: 10 })
    else await ctx.step("pause", async () => "stepped")
    return "unreachable"
  }),
  differences: [
    {
      path: ["error", "ErrorMessage"],
      ours: "Non-deterministic execution detected: Operation type mismatch for step \"1\". Expected type \"WAIT\", " +
        "but got \"STEP\". The history has wait/Wait \"pause\" at this position; the workflow now calls step/Step " +
        "\"pause\".",
      theirs: "[Unrecoverable Execution] Non-deterministic execution detected: Operation type mismatch for step " +
        "\"1\". Expected type \"WAIT\", but got \"STEP\". This indicates non-deterministic control flow in your " +
        "workflow code.",
      why: "our message says what the history holds at that position and what the workflow now calls there; they " +
        "prefix `[Unrecoverable Execution]` and end with a generic hint. Same ErrorType, same status"
    }
  ]
}

/** Every pair the wire-compatibility test runs. */
export const cases: ReadonlyArray<Case> = [
  sequentialSteps,
  namedWait,
  severalWaits,
  retriedOnce,
  failsForGood,
  failsForGoodTyped,
  defect,
  atMostOnce,
  helloWorld,
  returnsNothing,
  caughtFailure,
  workflowFails,
  pagedReplay,
  childContext,
  waitForCondition,
  createCallback,
  waitForCallback,
  chainedInvoke,
  mapSequential,
  mapConcurrent,
  parallelBranches,
  callbackFailure,
  invokeFailure,
  mapWithFailure,
  promiseAll,
  promiseAllSettled,
  promiseAllFails,
  promiseRace,
  promiseAny,
  promiseAnyAllFail,
  nestedChildren,
  largeChild,
  mapMinSuccessful,
  mapFailurePercentage,
  mapFailFast,
  parallelFirstDone,
  parallelShouldComplete,
  mapShouldCompleteSucceeded,
  mapFlat,
  parallelFlat,
  mapImmediateItems,
  mapImmediateAllAtOnce,
  mapFailsAtOnce,
  mapItemFormat,
  mapResultFormat,
  waitForConditionFormat,
  callbackTimeout,
  heartbeatTimeout,
  submitterFails,
  nonDeterminism
]
