/**
 * Every example workflow, and one workflow per durable operation, ready for
 * `Simulation`: an input, the outside world's answers (callbacks, invoked
 * functions), fresh fakes for every run, and the fault kinds the simulation
 * draws. `simulation.test.ts` runs them in CI; `main.ts` (`npm run simulate`)
 * runs them longer.
 */
import { Durable, RetryPolicy, WaitForCondition } from "@effect-durable/core"
import { Simulation } from "@effect-durable/testing"
import { Effect, Layer, Schema } from "effect"
import { ExpenseApproval, ContractSigning, Mailer } from "../callbacks/workflow.ts"
import { OrderFulfilment } from "../child-context/workflow.ts"
import { TripBooking } from "../combinators/workflow.ts"
import { HelloWorld } from "../hello-world/workflow.ts"
import { Checkout, PaymentsFunction } from "../invoke/workflow.ts"
import { SubscriptionRenewal } from "../logging/workflow.ts"
import { BillingRun } from "../map/workflow.ts"
import { DelayNotice } from "../parallel/workflow.ts"
import { ExportApi, ReportExport } from "../wait-for-condition/workflow.ts"

/**
 * The fault kinds of the CI runs: every kind, garbled responses included (a poll answered without its state,
 * a response without a token while the answer's trailing updates are queued: both found by the simulation,
 * both refused since).
 */
export const ciFaults = Simulation.faultKinds

/**
 * Faults that move the function's runs by seconds to minutes: a hung or slow call holds an invocation up to
 * its deadline, a late re-invocation runs it later. A workflow whose result depends on when it runs (a race, a
 * fake whose job is ready after some time) legitimately ends otherwise under them, so it is simulated without.
 */
export const timeShifting: ReadonlyArray<Simulation.FaultKind> = ["CallHangs", "CallSlow", "ReinvokeLate"]

/** One workflow to simulate. */
export interface Entry {
  readonly name: string
  readonly exhaustive: Effect.Effect<Simulation.Report, Simulation.SimulationError>
  readonly random: (
    options: { readonly runs: number; readonly seed: number; readonly faults: ReadonlyArray<Simulation.FaultKind> }
  ) => Effect.Effect<Simulation.Report, Simulation.SimulationError>
}

const entry = <W extends Parameters<typeof Simulation.exhaustive>[0], R, L>(
  name: string,
  workflow: W,
  input: Parameters<typeof Simulation.exhaustive<W, R, L>>[1],
  options: Simulation.Options<R, L> & {
    /** Kinds this workflow is not simulated with, and why. */
    readonly without?: ReadonlyArray<Simulation.FaultKind>
  } = {}
): Entry => {
  const needsNothing = <A>(effect: Effect.Effect<A, Simulation.SimulationError, any>) =>
    effect as Effect.Effect<A, Simulation.SimulationError>
  return {
    name,
    exhaustive: needsNothing(Simulation.exhaustive(workflow, input, options)),
    random: ({ faults, runs, seed }) =>
      needsNothing(Simulation.random(workflow, input, {
        ...options,
        runs,
        seed,
        faults: faults.filter((kind) => !(options.without ?? []).includes(kind))
      }))
  }
}

// -- the examples -------------------------------------------------------------

/** An inbox that forgets everything at every run. */
const inbox = Layer.succeed(Mailer, Mailer.of({ send: () => Effect.void }))

/**
 * An export job that is ready 2 minutes after it started (the checks come 30 s, 90 s and 210 s after it): the
 * workflow's result (the number of checks) depends on when the checks run, so the faults that move runs in
 * time legitimately change it, and are left out.
 */
const exportApi = Layer.effect(
  ExportApi,
  Effect.gen(function*() {
    const started = new Map<string, number>()
    const now = Effect.clockWith((clock) => clock.currentTimeMillis)
    return ExportApi.of({
      start: (reportId, format) =>
        Effect.map(now, (at) => {
          const jobId = `job-${reportId}-${format}`
          if (!started.has(jobId)) started.set(jobId, at)
          return jobId
        }),
      status: (jobId) =>
        Effect.map(now, (at) =>
          at - (started.get(jobId) ?? at) >= 120_000
            ? { status: "READY" as const, progress: 100, url: `https://exports.example.com/${jobId}` }
            : { status: "RUNNING" as const, progress: 50 })
    })
  })
)

const invoice = (n: number, card = "4242424242424242") => ({
  invoiceId: `inv-${n}`,
  email: `customer${n}@example.com`,
  amountCents: 1000 * n,
  card
})

export const examples: ReadonlyArray<Entry> = [
  entry("hello-world", HelloWorld, { name: "Ada" }),
  entry("callbacks: waitForCallback", ExpenseApproval, {
    expenseId: "exp-42",
    amount: 180,
    approver: "grace@example.com"
  }, {
    layer: inbox,
    callbacks: { "manager-approval": { succeed: { approved: true, comment: "ok" }, after: "1 day" } }
  }),
  entry("callbacks: createCallback", ContractSigning, { contractId: "c-7", signer: "ada@example.com" }, {
    layer: inbox,
    callbacks: { signature: { succeed: { signedBy: "Ada Lovelace", signedAt: "2025-01-02T10:00:00Z" }, after: "5 hours" } }
  }),
  entry("child-context", OrderFulfilment, {
    orderId: "o-17",
    lines: [{ sku: "tea-earl-grey", quantity: 2 }, { sku: "mug-blue", quantity: 1 }]
  }),
  entry("combinators", TripBooking, { tripId: "t-9", destination: "Lisbon", nights: 3 }, {
    // A race decides on the first branch it sees complete: when the function runs late, both airlines' waits
    // are over and the first branch wins, whoever answered first (the official SDK does the same). A response
    // without a checkpoint token moves it in time too: the invocation can go no further and suspends, and the
    // service invokes it again once a wait is over.
    without: [...timeShifting, "Garbage"]
  }),
  entry("invoke", Checkout, {
    orderId: "o-301",
    lines: [{ sku: "tea", unitCents: 450, quantity: 2 }, { sku: "mug", unitCents: 1200, quantity: 1 }]
  }, {
    functions: { [PaymentsFunction]: { succeed: { paymentId: "pay-o-301", chargedCents: 2100 }, after: "20 seconds" } }
  }),
  entry("logging", SubscriptionRenewal, { subscriptionId: "sub-77", card: "4242424242424242", amountCents: 999 }),
  entry("map", BillingRun, { invoices: [1, 2, 3, 4, 5].map((n) => invoice(n)).concat(invoice(6, "4000000000000002")) }),
  entry("parallel", DelayNotice, {
    customerId: "c-1",
    email: "ada@example.com",
    phone: "+44 7700 900001",
    deviceToken: "tok-1"
  }, {
    // The first channel to answer wins: a call held up long enough lets another one answer first.
    without: timeShifting
  }),
  entry("wait-for-condition", ReportExport, { reportId: "sales-2025-q1", format: "csv" }, {
    layer: exportApi,
    without: timeShifting
  })
]

// -- one workflow per operation ---------------------------------------------------

const retried = RetryPolicy.exponential({ maxAttempts: 4, initialDelay: "2 seconds", jitter: "NONE" })

/**
 * A body that fails its first `n` attempts. Its value does not depend on the attempt: an
 * AtMostOncePerRetry attempt cut short by a crash is a failed attempt, so faults change attempt numbers.
 */
const failsFirst = (n: number, value: string) =>
  Effect.gen(function*() {
    const { attempt } = yield* Durable.StepContext
    if (attempt <= n) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
    return value
  })

export const operations: ReadonlyArray<Entry> = [
  entry(
    "step: retries, at most once per retry",
    Durable.workflow({ name: "op-step", output: Schema.Array(Schema.String) }, () =>
      Effect.all([
        Durable.step("at-least-once", failsFirst(2, "a"), { retry: retried }),
        Durable.step("at-most-once", failsFirst(1, "b"), {
          retry: retried,
          semantics: "AtMostOncePerRetry"
        })
      ])),
    undefined
  ),
  entry(
    "wait",
    Durable.workflow({ name: "op-wait" }, () =>
      Effect.gen(function*() {
        yield* Durable.wait("short", "1 second")
        yield* Durable.wait("long", "2 days")
        return yield* Durable.step("after", Effect.succeed("woke"))
      })),
    undefined
  ),
  entry(
    "child",
    Durable.workflow({ name: "op-child" }, () =>
      Durable.child(
        "outer",
        Effect.gen(function*() {
          const inner = yield* Durable.child("inner", Durable.step("deep", Effect.succeed(1)))
          yield* Durable.wait("between", "10 minutes")
          return inner + (yield* Durable.step("shallow", Effect.succeed(2)))
        })
      )),
    undefined
  ),
  entry(
    "callbacks: two at once, one times out",
    Durable.workflow({ name: "op-callbacks" }, () =>
      Effect.gen(function*() {
        const first = yield* Durable.createCallback("first", { timeout: "1 hour" })
        const second = yield* Durable.createCallback("second", { timeout: "2 hours" })
        const third = yield* Durable.waitForCallback("third", () => Effect.void, { timeout: "1 day" })
        const late = first.await.pipe(Effect.catchTag("CallbackTimeoutError", () => Effect.succeed("timed out")))
        return [yield* late, yield* second.await, third]
      })),
    undefined,
    {
      callbacks: {
        first: { succeed: "one", after: "30 minutes" },
        second: { succeed: "two", after: "10 minutes" },
        third: { succeed: "three", after: "3 hours" }
      }
    }
  ),
  entry(
    "invoke: a durable function and a failing one",
    Durable.workflow({ name: "op-invoke" }, () =>
      Effect.gen(function*() {
        const total = yield* Durable.invoke("sum", "summer", [1, 2, 3])
        const failed = yield* Durable.invoke("fail", "failer", null).pipe(
          Effect.catchTag("InvokeError", (error) => Effect.succeed(`${error.status}: ${error.message}`))
        )
        return [total, failed]
      })),
    undefined,
    {
      functions: {
        summer: Durable.workflow({ name: "summer", input: Schema.Array(Schema.Number), output: Schema.Number }, (ns) =>
          Effect.gen(function*() {
            yield* Durable.wait("think", "1 minute")
            return yield* Durable.step("add", Effect.succeed(ns.reduce((a, b) => a + b, 0)))
          })),
        failer: { fail: { ErrorType: "Nope", ErrorMessage: "no way" }, after: "5 seconds" }
      }
    }
  ),
  entry(
    "waitForCondition",
    Durable.workflow({ name: "op-wait-for-condition", output: Schema.Number }, () =>
      Durable.waitForCondition("counter", (n: number) => Effect.succeed(n + 1), {
        initial: 0,
        schedule: WaitForCondition.until((n: number) => n >= 4, { initialDelay: "5 seconds", maxAttempts: 10 })
      })),
    undefined
  ),
  entry(
    "map and parallel",
    Durable.workflow({ name: "op-batch" }, () =>
      Effect.gen(function*() {
        const squares = yield* Durable.map("squares", [1, 2, 3, 4], (n) => Durable.step("square", Effect.succeed(n * n)), {
          maxConcurrency: 2
        })
        const both = yield* Durable.parallel("both", [
          Durable.wait("nap", "1 hour").pipe(Effect.as("rested")),
          { name: "quick", effect: Durable.step("quick", Effect.succeed("quick")) }
        ])
        return [squares.all.map((item) => item.status), both.successCount]
      })),
    undefined
  ),
  entry(
    "combinators: all, allSettled, any, race",
    Durable.workflow({ name: "op-combinators" }, () =>
      Effect.gen(function*() {
        const all = yield* Durable.all("all", [Durable.step("a", Effect.succeed(1)), Durable.step("b", Effect.succeed(2))])
        const settled = yield* Durable.allSettled("settled", [
          Durable.step("ok", Effect.succeed(1)),
          Durable.step("ko", Effect.fail(new Error("ko")), { retry: RetryPolicy.noRetry })
        ])
        const any = yield* Durable.any("any", [
          Durable.step("bad", Effect.fail(new Error("bad")), { retry: RetryPolicy.noRetry }),
          Durable.child("good", Durable.wait("w", "1 minute").pipe(Effect.andThen(Durable.step("g", Effect.succeed("g")))))
        ])
        const race = yield* Durable.race("race", [
          Durable.child("slow", Durable.wait("w", "2 hours").pipe(Effect.as("slow"))),
          Durable.child("fast", Durable.wait("w", "1 hour").pipe(Effect.as("fast")))
        ])
        return [all, settled.map((s) => s.status), any, race]
      })),
    undefined,
    { without: timeShifting }
  )
]
