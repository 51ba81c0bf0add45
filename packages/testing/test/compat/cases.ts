/**
 * Test support (not shipped): pairs of equivalent workflows, one written with
 * effect-durable, one with the official SDK, for the wire-compatibility test.
 *
 * To add a pair: write both sides, give the input, and list the deliberate
 * differences (path in the `Snapshot`, our value, their value, why). Every
 * other field of the snapshots must be equal.
 */
import {
  createRetryStrategy,
  type DurableLambdaHandler,
  JitterStrategy,
  retryPresets,
  StepSemantics,
  withDurableExecution
} from "@aws/durable-execution-sdk-js"
import { Batch, Durable, RetryPolicy, WaitForCondition } from "@effect-durable/core"
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

/**
 * Our default termination policy waits in-process for a wake-up due within 1 s
 * of going idle; the official SDK suspends 20 ms after nothing executes. So a
 * 1 s wait costs them one more invocation, and we poll (an empty checkpoint)
 * to see the wait SUCCEEDED.
 */
const startOrder = "we run each item up to its first checkpoint before starting the next item; they start every " +
  "item's context first, then the items' steps. Same operations, same batches, another order within a batch; ids " +
  "do not depend on it, so replay is unaffected"
const startedInOrder: ReadonlyArray<Difference> = [
  { path: ["operations"], why: startOrder, kind: "order" },
  { path: ["updates"], why: startOrder, kind: "order" },
  { path: ["calls", 0], why: startOrder, kind: "order" }
]

const inProcessWait =
  "our default policy resumes a wait ending within 1 s of going idle in-process (they re-invoke), polling for SUCCEEDED"

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
  })
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
  }),
  differences: [
    {
      path: ["calls"],
      ours: [["START one-second"], [], ["START ninety-seconds"], ["START one-day"], ["START done", "SUCCEED done"]],
      theirs: [["START one-second"], ["START ninety-seconds"], ["START one-day"], ["START done", "SUCCEED done"]],
      why: inProcessWait
    },
    {
      path: ["invocations"],
      ours: ["PENDING", "PENDING", "SUCCEEDED"],
      theirs: ["PENDING", "PENDING", "PENDING", "SUCCEEDED"],
      why: inProcessWait
    }
  ]
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
  })
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
  })
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
  })
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
  })
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
  })
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
  })
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
  })
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
  })
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
  differences: startedInOrder
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
  })
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
  theirs: withDurableExecution(async (_input, ctx) => await ctx.invoke("charge", "payments:live", { amount: 5 }))
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
  })
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
  mapWithFailure
]
