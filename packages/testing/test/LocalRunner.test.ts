import { CheckpointClient, Durable, RetryPolicy, type Wire } from "@effect-durable/core"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Emulator } from "../src/Emulator.ts"
import * as LocalRunner from "../src/LocalRunner.ts"

const { CheckpointClientError } = CheckpointClient

class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String }) {}

const makeCounter = () => {
  const counts = new Map<string, number>()
  return {
    counts,
    hit: (name: string) => Effect.sync(() => counts.set(name, (counts.get(name) ?? 0) + 1))
  }
}

const greet = (counter: ReturnType<typeof makeCounter>) =>
  Durable.workflow(
    { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
    ({ name }) =>
      Effect.gen(function*() {
        const a = yield* Durable.step("compose", Effect.as(counter.hit("compose"), `hello ${name}`))
        yield* Durable.wait("pause", "1 hour")
        const b = yield* Durable.step("shout", Effect.as(counter.hit("shout"), a.toUpperCase()))
        yield* Durable.wait("pause again", "1 day")
        return `${a} / ${b}`
      })
  )

const provide = <A, E, R>(effect: Effect.Effect<A, E, R>, pageSize?: number) =>
  Effect.provide(effect, pageSize === undefined ? Emulator.layer : Emulator.layerWith({ pageSize }))

describe("LocalRunner", () => {
  it.effect("runs a workflow through waits, one invocation per suspension", () =>
    provide(Effect.gen(function*() {
      const counter = makeCounter()
      const result = yield* LocalRunner.runUnderTestClock(greet(counter), { name: "ada" })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, "hello ada / HELLO ADA")
      assert.strictEqual(counter.counts.get("compose"), 1)
      assert.strictEqual(counter.counts.get("shout"), 1)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
      assert.strictEqual(result.invocations[1]!.startedAt, 3_600_000)
      assert.strictEqual(result.checkpointCalls, result.execution.checkpointCalls)
      assert.strictEqual(
        result.invocations.reduce((n, i) => n + i.checkpointCalls, 0),
        result.checkpointCalls
      )
      assert.deepStrictEqual(
        result.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`),
        [
          "EXECUTION::SUCCEEDED",
          "STEP:compose:SUCCEEDED",
          "WAIT:pause:SUCCEEDED",
          "STEP:shout:SUCCEEDED",
          "WAIT:pause again:SUCCEEDED"
        ]
      )
      assert.isAtLeast(yield* Clock.currentTimeMillis, 90_000_000)
    })))

  it.effect("replays correctly whichever checkpoint the container dies after", () =>
    provide(Effect.gen(function*() {
      const clean = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "bob" })
      assert.strictEqual(clean.status, "SUCCEEDED")
      for (let k = 1; k <= clean.checkpointCalls; k++) {
        const counter = makeCounter()
        const crashed = yield* LocalRunner.runUnderTestClock(greet(counter), { name: "bob" }, {
          crashAfterCheckpoints: [k]
        })
        assert.strictEqual(crashed.status, "SUCCEEDED", `crash after checkpoint ${k}`)
        assert.deepStrictEqual(
          crashed.status === "SUCCEEDED" ? crashed.output : undefined,
          clean.status === "SUCCEEDED" ? clean.output : undefined
        )
        const outcomes = crashed.invocations.map((i) => i.outcome)
        assert.strictEqual(outcomes.filter((o) => o === "crashed").length, 1, `crash after checkpoint ${k}`)
        assert.strictEqual(outcomes.at(-1), "SUCCEEDED")
        // at-least-once: a step may run again only if the crash came before its result was checkpointed
        assert.isAtMost(counter.counts.get("compose") ?? 0, 2)
        assert.deepStrictEqual(
          crashed.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`),
          clean.operations.map((o) => `${o.Type}:${o.Name ?? ""}:${o.Status}`)
        )
      }
    })))

  it.effect("survives crashes after every checkpoint at once", () =>
    provide(Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "cy" }, {
        crashAfterCheckpoints: Array.from({ length: 20 }, (_, i) => i + 1)
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.isAbove(result.invocations.filter((i) => i.outcome === "crashed").length, 1)
    })))

  it.effect("LocalRunner.crash kills the invocation in the middle of a step: AtMostOncePerRetry does not run it again", () =>
    provide(Effect.gen(function*() {
      const counter = makeCounter()
      const charge = Durable.workflow(
        { name: "charge", output: Schema.String },
        () =>
          Durable.step(
            "charge",
            Effect.gen(function*() {
              const { attempt } = yield* Durable.StepContext
              yield* counter.hit(`attempt ${attempt}`)
              if (attempt === 1) return yield* LocalRunner.crash
              return "charged"
            }),
            { semantics: "AtMostOncePerRetry", retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "5 seconds", jitter: "NONE" }) }
          )
      )
      const result = yield* LocalRunner.runUnderTestClock(charge, undefined)
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, "charged")
      // the crashed attempt is not run again: it counts as failed (StepInterruptedError), then attempt 2 runs
      assert.deepStrictEqual([...counter.counts], [["attempt 1", 1], ["attempt 2", 1]])
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["crashed", "PENDING", "SUCCEEDED"])
      const abandoned = result.execution.history.find((e) => e._tag === "InvocationAbandoned")
      assert.strictEqual(abandoned?._tag === "InvocationAbandoned" ? abandoned.error?.ErrorType : undefined, "Runtime.ExitError")
      // outside a run, it is a defect
      const outside = yield* Effect.exit(LocalRunner.crash)
      assert.isTrue(outside._tag === "Failure")
    })))

  it.effect("reports a failed execution with its error object", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow(
        { name: "decline", input: Schema.Number, output: Schema.Number, error: Declined },
        (n) =>
          Effect.gen(function*() {
            const doubled = yield* Durable.step("double", Effect.succeed(n * 2))
            if (doubled > 10) return yield* new Declined({ reason: "too big" })
            return doubled
          })
      )
      const ok = yield* LocalRunner.runUnderTestClock(workflow, 2)
      assert.strictEqual(ok.status === "SUCCEEDED" ? ok.output : undefined, 4)
      const failed = yield* LocalRunner.runUnderTestClock(workflow, 50)
      assert.strictEqual(failed.status, "FAILED")
      if (failed.status === "FAILED") assert.strictEqual(failed.error.ErrorType, "Declined")
      assert.strictEqual(failed.execution.status, "FAILED")
    })))

  it.effect("retries a failing step through PENDING and READY", () =>
    provide(Effect.gen(function*() {
      let attempts = 0
      const workflow = Durable.workflow(
        { name: "flaky", output: Schema.Number },
        () =>
          Durable.step(
            "flaky",
            Effect.suspend(() => {
              attempts += 1
              return attempts < 3 ? Effect.fail(new Declined({ reason: `attempt ${attempts}` })) : Effect.succeed(attempts)
            }),
            { retry: RetryPolicy.exponential({ maxAttempts: 5, initialDelay: "30 seconds", jitter: "NONE" }) }
          )
      )
      const result = yield* LocalRunner.runUnderTestClock(workflow, undefined)
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, 3)
      assert.strictEqual(attempts, 3)
      const step = result.operations.find((o) => o.Type === "STEP")!
      assert.strictEqual(step.StepDetails?.Attempt, 3)
    })))

  it.effect("delivers events to onEvent in order", () =>
    provide(Effect.gen(function*() {
      const events: Array<LocalRunner.Event> = []
      const result = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "dee" }, {
        onEvent: (event) => Effect.sync(() => events.push(event))
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      const tags = events.map((e) => e._tag)
      assert.strictEqual(tags[0], "ExecutionStarted")
      assert.strictEqual(tags[1], "InvocationStarted")
      assert.strictEqual(tags.at(-1), "ExecutionCompleted")
      assert.strictEqual(tags.filter((t) => t === "InvocationStarted").length, result.invocations.length)
      assert.strictEqual(tags.filter((t) => t === "Checkpointed").length, result.checkpointCalls)
      assert.isAtLeast(tags.filter((t) => t === "Sleeping").length, 1)
      assert.deepStrictEqual(events.filter((e) => e._tag !== "Sleeping"), [...result.execution.history])
    })))

  it.effect("pages large states into the invocation", () =>
    provide(
      Effect.gen(function*() {
        const workflow = Durable.workflow({ name: "many", output: Schema.Number }, () =>
          Effect.gen(function*() {
            let sum = 0
            for (let i = 1; i <= 7; i++) sum += yield* Durable.step(`s${i}`, Effect.succeed(i))
            yield* Durable.wait("nap", "1 minute")
            for (let i = 8; i <= 9; i++) sum += yield* Durable.step(`s${i}`, Effect.succeed(i))
            return sum
          }))
        const result = yield* LocalRunner.runUnderTestClock(workflow, undefined)
        assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, 45)
        assert.strictEqual(result.invocations.length, 2)
      }),
      2
    ))

  it.effect("retries failed invocations a bounded number of times", () =>
    provide(Effect.gen(function*() {
      // a step returns a value its codec cannot encode: a serialization failure Lambda retries
      const workflow = Durable.workflow(
        { name: "bad-step-result" },
        () => Durable.step("compute", Effect.succeed(1.5), { success: Schema.Int })
      )
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { maxConsecutiveFailures: 2 }))
      assert.strictEqual(error._tag, "InvocationFailedError")
      if (error._tag === "InvocationFailedError") assert.strictEqual(error.errors.length, 2)
    })))

  it.effect("gives up at maxInvocations", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "slow" }, () =>
        Effect.gen(function*() {
          for (let i = 1; i <= 5; i++) yield* Durable.wait(`w${i}`, "1 hour")
        }))
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { maxInvocations: 3 }))
      assert.strictEqual(error._tag, "InvocationLimitError")
    })))

  it.effect("fails with HorizonExceededError when time runs out", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "sleepy" }, () => Durable.wait("long", "30 days"))
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(workflow, undefined, { horizon: "1 day" }))
      assert.strictEqual(error._tag, "HorizonExceededError")
    })))

  it.effect("an invocation stuck in code that ignores interruption fails before invocationTimeout, never times out", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "stubborn" }, () =>
        Durable.step("stubborn", Effect.uninterruptible(Effect.sleep("20 minutes")), { retry: RetryPolicy.noRetry }))
      const events: Array<LocalRunner.Event> = []
      const error = yield* Effect.flip(
        LocalRunner.runUnderTestClock(workflow, undefined, {
          invocationTimeout: "1 minute",
          maxConsecutiveFailures: 1,
          onEvent: (event) => Effect.sync(() => events.push(event))
        })
      )
      // Before the watchdog, Lambda timed the invocation out; now it answers (a failed invocation, which
      // Lambda retries) before the deadline, even though the step's fiber cannot be interrupted.
      assert.strictEqual(error._tag, "InvocationFailedError")
      assert.include(error.message, "DeadlineApproachingError")
      const abandoned = events.find((event) => event._tag === "InvocationAbandoned")
      assert.isDefined(abandoned)
      assert.isBelow(abandoned!.at, 60_000)
    })))

  it.effect("drives an execution started elsewhere, and ends with it when it is stopped while it waits", () =>
    provide(Effect.gen(function*() {
      const emulator = yield* Emulator
      const counter = makeCounter()
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "eve" }), name: "greet" })
      const driving = yield* Effect.forkChild(LocalRunner.drive(greet(counter), arn, { waitForExternal: true }))
      // the first invocation runs, then the drive sleeps until the 1-hour wait ends
      for (let second = 0; second < 60; second++) yield* TestClock.adjust("1 second")
      assert.strictEqual(counter.counts.get("compose"), 1)
      yield* emulator.stop(arn, { ErrorType: "Cancelled", ErrorMessage: "no longer needed" })
      const result = yield* Fiber.join(driving)
      assert.strictEqual(result.execution.status, "STOPPED")
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING"])
      assert.isUndefined(counter.counts.get("shout"))
      // and it did not wait for the timer: the clock is where the stop left it
      assert.isBelow(yield* Clock.currentTimeMillis, 3_600_000)
    })))
})

// ---------------------------------------------------------------------------
// The outside world: declared answers and handles
// ---------------------------------------------------------------------------

const Decision = Schema.Struct({ approved: Schema.Boolean })

/** A waitForCallback (unnamed callback in a named context) and a createCallback, one after the other. */
const approvals = Durable.workflow({ name: "approvals", output: Schema.Array(Schema.String) }, () =>
  Effect.gen(function*() {
    const first = yield* Durable.waitForCallback("manager", () => Effect.void, { schema: Decision, timeout: "2 days" })
    const second = yield* Durable.createCallback("finance", { timeout: "1 day" })
    const note = yield* second.await.pipe(Effect.catchTag("CallbackTimeoutError", () => Effect.succeed("timed out")))
    return [String(first.approved), note]
  }))

const Receipt = Schema.Struct({ id: Schema.String, cents: Schema.Number })
const PaymentsArn = "arn:aws:lambda:eu-west-1:123456789012:function:payments:live"

const checkout = Durable.workflow({ name: "checkout", output: Schema.String }, () =>
  Effect.gen(function*() {
    const receipt = yield* Durable.invoke("charge", PaymentsArn, { cents: 250 }, { output: Receipt }).pipe(
      Effect.catchTag("InvokeError", (error) => Effect.succeed({ id: `${error.status}:${error.errorType}`, cents: 0 }))
    )
    yield* Durable.step("confirm", Effect.void)
    return `${receipt.id}/${receipt.cents}`
  }))

const elapsed = (result: LocalRunner.Result<unknown>) =>
  (result.execution.endTimestamp?.getTime() ?? Number.NaN) - result.execution.startTimestamp.getTime()

describe("LocalRunner: declared answers", () => {
  it.effect("answers callbacks by name (a waitForCallback by the name of its context) after their delay", () =>
    provide(Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(approvals, undefined, {
        callbacks: {
          manager: { succeed: { approved: true }, after: "3 hours" },
          finance: { succeed: "paid", after: "2 hours" }
        }
      })
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, ["true", "paid"])
      assert.strictEqual(elapsed(result), 5 * 3_600_000)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
    })))

  it.effect("a callback without an answer times out; a failure answer fails it", () =>
    provide(Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(approvals, undefined, {
        callbacks: { manager: { succeed: "{\"approved\":false}" } }
      })
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, ["false", "timed out"])
      const failed = yield* LocalRunner.runUnderTestClock(approvals, undefined, {
        callbacks: { manager: { fail: new Declined({ reason: "no" }), after: "1 minute" } }
      })
      assert.strictEqual(failed.status, "FAILED")
      if (failed.status === "FAILED") assert.strictEqual(failed.error.ErrorType, "CallbackExternalError")
    })))

  it.effect("answers a chained invoke by function name: a fixed answer, by the bare name or the exact ARN", () =>
    provide(Effect.gen(function*() {
      const ok = yield* LocalRunner.runUnderTestClock(checkout, undefined, {
        functions: { payments: { succeed: { id: "pay-1", cents: 250 }, after: "20 seconds" } }
      })
      assert.strictEqual(ok.status === "SUCCEEDED" ? ok.output : undefined, "pay-1/250")
      assert.strictEqual(elapsed(ok), 20_000)
      const declined = yield* LocalRunner.runUnderTestClock(checkout, undefined, {
        functions: { [PaymentsArn]: { fail: { ErrorType: "CardDeclined", ErrorMessage: "no funds" }, after: "1 second" } }
      })
      assert.strictEqual(declined.status === "SUCCEEDED" ? declined.output : undefined, "FAILED:CardDeclined/0")
      const late = yield* LocalRunner.runUnderTestClock(checkout, undefined, {
        functions: { payments: { fail: "too slow", status: "TIMED_OUT", after: "15 minutes" } }
      })
      assert.strictEqual(late.status === "SUCCEEDED" ? late.output : undefined, "TIMED_OUT:undefined/0")
    })))

  it.effect("runs a registered Effect with the decoded input, and a registered workflow as a child execution", () =>
    provide(Effect.gen(function*() {
      const inputs: Array<unknown> = []
      const viaEffect = yield* LocalRunner.runUnderTestClock(checkout, undefined, {
        functions: {
          payments: (input) =>
            Effect.sync(() => inputs.push(input)).pipe(Effect.delay("5 seconds"), Effect.as({ id: "fx", cents: 1 }))
        }
      })
      assert.strictEqual(viaEffect.status === "SUCCEEDED" ? viaEffect.output : undefined, "fx/1")
      assert.deepStrictEqual(inputs, [{ cents: 250 }])

      const payments = Durable.workflow(
        { name: "payments", input: Schema.Struct({ cents: Schema.Number }), output: Receipt },
        ({ cents }) =>
          Effect.gen(function*() {
            yield* Durable.wait("settle", "1 hour")
            return yield* Durable.step("charge", Effect.succeed({ id: "durable", cents }))
          })
      )
      const viaWorkflow = yield* LocalRunner.runUnderTestClock(checkout, undefined, { functions: { payments } })
      assert.strictEqual(viaWorkflow.status === "SUCCEEDED" ? viaWorkflow.output : undefined, "durable/250")
      const emulator = yield* Emulator
      const executions = yield* emulator.executions
      const child = executions.find((e) => e.functionName === "payments")
      assert.strictEqual(child?.status, "SUCCEEDED")
      assert.strictEqual(child?.invocations, 2)
      assert.isAtLeast(elapsed(viaWorkflow), 3_600_000)
    })))

  it.effect("a workflow awaiting a callback nobody answers is stuck, and says how to answer it", () =>
    provide(Effect.gen(function*() {
      const waiting = Durable.workflow({ name: "waiting" }, () =>
        Effect.flatMap(Durable.createCallback("never"), (callback) => callback.await))
      const error = yield* Effect.flip(LocalRunner.runUnderTestClock(waiting, undefined))
      assert.strictEqual(error._tag, "StuckError")
      assert.include(error.message, "`callbacks` and `functions` options")
    })))
})

describe("LocalRunner: handles", () => {
  it.effect("wait for an operation's status, then complete its callback: waitForCallback and createCallback", () =>
    provide(Effect.gen(function*() {
      const run = yield* LocalRunner.start(approvals, undefined)
      const manager = run.operation("manager")
      const submitted = yield* manager.waitFor("SUBMITTED")
      assert.strictEqual(submitted.SubType, "WaitForCallback")
      // 192 random bits, URL-safe: not guessable (it was `callback-<serial>-<n>`, which was the defect)
      assert.match(yield* manager.callbackId, /^[A-Za-z0-9_-]{32}$/)
      yield* Effect.sleep("1 hour")
      yield* manager.heartbeat
      yield* manager.succeed({ approved: true })
      assert.strictEqual((yield* manager.waitFor("COMPLETED")).Status, "SUCCEEDED")

      const finance = run.operation("finance")
      yield* finance.waitFor("STARTED")
      yield* Effect.sleep("30 minutes")
      yield* finance.fail("declined")
      const result = yield* run.result
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorMessage, "declined")
      assert.strictEqual(elapsed(result), 90 * 60_000)
      // completing a closed callback is refused by the service
      const again = yield* Effect.flip(finance.succeed("late"))
      assert.include(again.message, "The service refused")
    })))

  it.effect("complete a chained invoke: succeed, or end it TIMED_OUT", () =>
    provide(Effect.gen(function*() {
      const run = yield* LocalRunner.start(checkout, undefined)
      const charge = run.operation("charge")
      assert.strictEqual((yield* charge.waitFor()).Type, "CHAINED_INVOKE")
      yield* Effect.sleep("10 seconds")
      yield* charge.succeed({ id: "h-1", cents: 250 })
      const result = yield* run.result
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output : undefined, "h-1/250")

      const timedOut = yield* LocalRunner.start(checkout, undefined)
      yield* timedOut.operation("charge").waitFor()
      yield* Effect.sleep("15 minutes")
      yield* timedOut.operation("charge").fail("gave up", { status: "TIMED_OUT" })
      const outcome = yield* timedOut.result
      assert.strictEqual(outcome.status === "SUCCEEDED" ? outcome.output : undefined, "TIMED_OUT:undefined/0")
    })))

  it.effect("a stopped execution ends STOPPED, and a stopped child execution ends its chained invoke STOPPED", () =>
    provide(Effect.gen(function*() {
      const emulator = yield* Emulator
      const run = yield* LocalRunner.start(greet(makeCounter()), { name: "fay" })
      yield* run.operation("pause").waitFor()
      yield* emulator.stop(run.arn, { ErrorType: "Cancelled", ErrorMessage: "no longer needed" })
      const stopped = yield* run.result
      assert.strictEqual(stopped.status, "STOPPED")
      assert.strictEqual(stopped.status === "STOPPED" ? stopped.error.ErrorType : undefined, "Cancelled")

      // the payments function is a durable workflow of its own, stopped while it waits
      const payments = Durable.workflow({ name: "payments", output: Receipt }, () =>
        Durable.wait("settle", "1 hour").pipe(Effect.as({ id: "p-1", cents: 250 })))
      const parent = yield* LocalRunner.start(checkout, undefined, { functions: { [PaymentsArn]: payments } })
      yield* parent.operation("charge").waitFor()
      const child = yield* Effect.gen(function*() {
        while (true) {
          const found = (yield* emulator.executions).find((e) => e.arn !== parent.arn && e.status === "RUNNING")
          if (found !== undefined) return found.arn
          yield* Effect.sleep("1 second")
        }
      })
      yield* emulator.stop(child)
      const result = yield* parent.result
      assert.strictEqual(result.status === "SUCCEEDED" ? result.output.split(":")[0] : result.status, "STOPPED")
    })))

  it.effect("finds operations by name and index, and by id; says why a step cannot be completed", () =>
    provide(Effect.gen(function*() {
      const run = yield* LocalRunner.start(greet(makeCounter()), { name: "eve" })
      const second = yield* run.operation("pause again").waitFor("SUCCEEDED")
      assert.strictEqual(second.Type, "WAIT")
      const byId = yield* run.operationById(second.Id).get
      assert.strictEqual(byId?.Name, "pause again")
      const error = yield* Effect.flip(run.operation("compose").succeed("x"))
      assert.include(error.message, "is a STEP")
      const missing = yield* Effect.flip(run.operation("compose", 1).waitFor())
      assert.include(missing.message, "The execution ended SUCCEEDED before \"compose\" #1 reached STARTED")
      assert.strictEqual((yield* run.result).status, "SUCCEEDED")
    })))
})

describe("LocalRunner: faults", () => {
  it.effect("a checkpoint call can crash before reaching the service, or lose its response", () =>
    provide(Effect.gen(function*() {
      const counter = makeCounter()
      const reset = new CheckpointClientError({ message: "connection reset", scope: "INVOCATION" })
      const result = yield* LocalRunner.runUnderTestClock(greet(counter), { name: "fay" }, {
        faults: {
          checkpoint: (call) =>
            call.attempt === 1
              ? call.crash("crashed before checkpoint 1")
              : call.attempt === 3
              // applied by the service, but the response is lost: the retry carries the same ClientToken,
              // so the service answers it again instead of refusing its (consumed) checkpoint token
              ? Effect.andThen(call.send(), Effect.fail(reset))
              : call.send()
        }
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(result.invocations.slice(0, 3).map((i) => i.outcome), ["crashed", "PENDING", "PENDING"])
      assert.strictEqual(result.invocations[0]!.error, "crashed before checkpoint 1")
      assert.isUndefined(result.invocations[1]!.error)
      assert.strictEqual(result.execution.rejectedCalls, 0)
      // nothing reached the service before the crash: the step ran again
      assert.strictEqual(counter.counts.get("compose"), 2)
    })))

  it.effect("each invocation can get its own timeout, and the service can re-invoke late", () =>
    provide(Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(greet(makeCounter()), { name: "gus" }, {
        faults: {
          invocationTimeout: (n) => (n === 1 ? "10 seconds" : undefined),
          reinvokeDelay: (n) => (n === 1 ? "2 hours" : undefined)
        }
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.strictEqual(result.invocations[0]!.deadline, 10_000)
      assert.strictEqual(result.invocations[1]!.startedAt, 3_600_000 + 2 * 3_600_000)
    })))

  it.effect("an answer can be delivered twice, or never", () =>
    provide(Effect.gen(function*() {
      const deliveries: Array<LocalRunner.Delivery> = []
      const twice = yield* LocalRunner.runUnderTestClock(approvals, undefined, {
        callbacks: { manager: { succeed: { approved: true }, after: "1 hour" }, finance: { succeed: "ok" } },
        faults: {
          deliveries: (delivery) => {
            deliveries.push(delivery)
            return delivery.name === "manager" ? ["1 hour", "2 hours"] : []
          }
        }
      })
      assert.deepStrictEqual(twice.status === "SUCCEEDED" ? twice.output : undefined, ["true", "timed out"])
      assert.deepStrictEqual(deliveries.map((d) => [d.kind, d.name, Duration.toMillis(d.after)]), [
        ["callback", "manager", 3_600_000],
        ["callback", "finance", 0]
      ])
    })))
})

describe("LocalRunner: what the service accepts and retries (issue 7)", () => {
  it.effect("a callback answered as soon as it started: PENDING is accepted and the execution goes on", () =>
    provide(Effect.gen(function*() {
      const emulator = yield* Emulator
      const workflow = Durable.workflow({ name: "quick-answer", output: Schema.String }, () =>
        Effect.flatMap(Durable.createCallback("approval", { schema: Schema.String }), (callback) => callback.await))
      const result = yield* LocalRunner.runUnderTestClock(workflow, undefined, {
        policy: "eager",
        // answered right after its START was accepted, before the function heard back from the service
        onEvent: (event) =>
          event._tag === "Checkpointed"
            ? Effect.forEach(
              event.operations.filter((o) => o.Type === "CALLBACK" && o.Status === "STARTED"),
              (o) => Effect.orDie(emulator.sendCallbackSuccess(o.CallbackDetails!.CallbackId!, "\"approved\"")),
              { discard: true }
            )
            : Effect.void
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "approved")
      // the service accepted the PENDING (it used to refuse it, leaving the execution RUNNING)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    })))

  it.effect("an answer the service refuses is a failed invocation, invoked again as the service does", () =>
    provide(Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "refused", output: Schema.Number }, () =>
        Effect.zipWith(
          Durable.step("a", Effect.succeed(1), { success: Schema.Number }),
          Durable.step("b", Effect.succeed(2), { success: Schema.Number }),
          (a, b) => a + b
        ))
      // A proxy that drops the token and makes up a running wait: the function answers PENDING, which the
      // service refuses (nothing is pending on its side).
      const madeUp: Wire.Operation = { Id: "made-up", Type: "WAIT", SubType: "Wait", Status: "STARTED" }
      const lying = ({ attempt, response }: { attempt: number; response: Wire.CheckpointResponse }) =>
        attempt === 1 ? { NewExecutionState: { Operations: [...(response.NewExecutionState?.Operations ?? []), madeUp] } } : response
      const result = yield* LocalRunner.runUnderTestClock(workflow, undefined, { alterResponse: lying })
      assert.strictEqual(result.status, "SUCCEEDED")
      const [refused, retried] = result.invocations
      assert.strictEqual(refused?.outcome, "failed")
      assert.include(refused?.error, "Cannot return PENDING status with no pending operations")
      assert.strictEqual(retried?.outcome, "SUCCEEDED")
    })))
})
