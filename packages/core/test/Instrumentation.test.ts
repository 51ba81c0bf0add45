import { assert, describe, it } from "@effect/vitest"
import { Durable, Instrumentation, OperationId, RetryPolicy } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Layer } from "effect"
import { run } from "./support.ts"

/** A plugin that records every hook it is told, as short strings. */
const recorder = () => {
  const seen: Array<string> = []
  const hooks: Instrumentation.Hooks = {
    onInvocationStart: (i) =>
      Effect.sync(() => seen.push(`invocation-start first=${i.isFirstInvocation} updated=${[...i.updatedOperations.keys()]}`)),
    onInvocationEnd: (i) => Effect.sync(() => seen.push(`invocation-end ${i.status}${i.error === undefined ? "" : ` ${i.error.ErrorType}`}`)),
    onOperationStart: (o) => Effect.sync(() => seen.push(`start ${o.name} ${o.status} replay=${o.isReplay}`)),
    onOperationEnd: (o) => Effect.sync(() => seen.push(`end ${o.name} ${o.status} attempt=${o.attempt} result=${o.result}`)),
    onAttemptStart: (a) => Effect.sync(() => seen.push(`attempt-start ${a.name} ${a.attempt}`)),
    onAttemptEnd: (a) => Effect.sync(() => seen.push(`attempt-end ${a.name} ${a.attempt} ${a.outcome}${a.error === undefined ? "" : ` ${a.error.ErrorMessage}`}`)),
    onFunctionStart: (f) => Effect.sync(() => seen.push(`fn-start ${f.name} replaying=${f.isReplayingChildren}`)),
    onFunctionEnd: (f) => Effect.sync(() => seen.push(`fn-end ${f.name} ${f.outcome}`))
  }
  return { seen, hooks }
}

const flaky = Durable.workflow({ name: "flaky" }, () =>
  Effect.gen(function*() {
    const value = yield* Durable.child(
      "group",
      Durable.step(
        "charge",
        Effect.gen(function*() {
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("declined"))
          return "charged"
        }),
        { retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "5 seconds", jitter: "NONE" }) }
      )
    )
    yield* Durable.wait("pause", "1 hour")
    return value
  }))

describe("Instrumentation", () => {
  it.effect("tells the plugins about invocations, operations, attempts and child code, in order", () =>
    Effect.gen(function*() {
      const { hooks, seen } = recorder()
      const result = yield* run(flaky).pipe(Effect.provide(Instrumentation.layer(hooks)))
      assert.strictEqual(result.status, "SUCCEEDED")
      const wait = OperationId.hash("2")
      assert.deepStrictEqual(seen, [
        // invocation 1: the step fails and is retried in 5 s. Its code runs once the context's
        // START (queued ahead of it) is acknowledged: that change is seen first.
        "invocation-start first=true updated=",
        "fn-start group replaying=false",
        "start group STARTED replay=false",
        "attempt-start charge 1",
        "attempt-end charge 1 FAILED declined",
        "start charge PENDING replay=false",
        "invocation-end PENDING",
        // invocation 2: the pending step and its context are observed again, the step succeeds
        `invocation-start first=false updated=${OperationId.hash("1-1")}`,
        "start group STARTED replay=true",
        "fn-start group replaying=true",
        "start charge READY replay=true",
        "attempt-start charge 2",
        "attempt-end charge 2 SUCCEEDED",
        // the step's SUCCEED is pipelined: the context's code ends before the service acknowledges it
        "fn-end group SUCCEEDED",
        "end charge SUCCEEDED attempt=2 result=\"charged\"",
        "end group SUCCEEDED attempt=undefined result=\"charged\"",
        "start pause STARTED replay=false",
        "invocation-end PENDING",
        // invocation 3: the wait the service completed ends now; nothing finished is started or ended again
        `invocation-start first=false updated=${wait}`,
        "end pause SUCCEEDED attempt=undefined result=undefined",
        "invocation-end SUCCEEDED"
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("operation changes carry the changed operations and the whole known state", () =>
    Effect.gen(function*() {
      const changes: Array<[ReadonlyArray<string>, number]> = []
      const plugin = Instrumentation.layer({
        onOperationChange: (change) =>
          Effect.sync(() => changes.push([[...change.updatedOperations.values()].map((o) => `${o.name} ${o.status}`), change.operations.size]))
      })
      const twoSteps = Durable.workflow({ name: "two" }, () =>
        Effect.andThen(Durable.step("a", Effect.succeed(1)), Durable.step("b", Effect.succeed(2))))
      yield* run(twoSteps).pipe(Effect.provide(plugin))
      assert.deepStrictEqual(changes, [[["a SUCCEEDED"], 1], [["b SUCCEEDED"], 2]])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a plugin that fails, dies or throws is ignored; the others still run and the execution is unchanged", () =>
    Effect.gen(function*() {
      const { hooks, seen } = recorder()
      const broken: Instrumentation.Hooks = {
        onInvocationStart: () => Effect.fail("nope"),
        onOperationStart: () => Effect.die(new Error("boom")),
        onAttemptStart: () => {
          throw new Error("thrown")
        },
        onInvocationEnd: () => Effect.die("end")
      }
      const double = Durable.workflow({ name: "double" }, () => Durable.step("double", Effect.succeed(42)))
      const instrumented = yield* run(double).pipe(Effect.provide(Instrumentation.layer(broken, hooks)))
      const plain = yield* run(double)
      assert.strictEqual(instrumented.status, "SUCCEEDED")
      assert.deepStrictEqual(
        instrumented.operations.map((o) => [o.Id, o.Status]).slice(1),
        plain.operations.map((o) => [o.Id, o.Status]).slice(1)
      )
      assert.deepStrictEqual(seen, [
        "invocation-start first=true updated=",
        "attempt-start double 1",
        "attempt-end double 1 SUCCEEDED",
        "start double SUCCEEDED replay=false",
        "end double SUCCEEDED attempt=1 result=42",
        "invocation-end SUCCEEDED"
      ])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a plugin built with services: Instrumentation.make inside a layer", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const Plugin = Layer.effect(
        Instrumentation.Instrumentation,
        Effect.sync(() => Instrumentation.make({ onInvocationEnd: (i) => Effect.sync(() => seen.push(i.status)) }))
      )
      const failing = Durable.workflow({ name: "failing" }, () =>
        Durable.step("no", Effect.fail(new Error("no")), { retry: RetryPolicy.noRetry }))
      const result = yield* run(failing).pipe(Effect.provide(Plugin))
      assert.strictEqual(result.status, "FAILED")
      assert.deepStrictEqual(seen, ["FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an attempt says its step's semantics (none for a waitForCondition check)", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const workflow = Durable.workflow({ name: "semantics" }, () =>
        Effect.gen(function*() {
          yield* Durable.step("at-least", Effect.succeed(1))
          yield* Durable.step("at-most", Effect.succeed(2), { semantics: "AtMostOncePerRetry" })
          yield* Durable.waitForCondition("poll", (n: number) => Effect.succeed(n + 1), { initial: 0, until: (n) => n > 0 })
        }))
      yield* run(workflow).pipe(Effect.provide(Instrumentation.layer({
        onAttemptStart: (a) => Effect.sync(() => seen.push(`${a.name} ${a.semantics}`))
      })))
      assert.deepStrictEqual(seen, ["at-least AtLeastOncePerRetry", "at-most AtMostOncePerRetry", "poll undefined"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
