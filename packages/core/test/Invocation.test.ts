import { assert, describe, it } from "@effect/vitest"
import {
  CheckpointClient,
  Durable,
  type DurableContext,
  type DurableError,
  Invocation,
  Payload,
  RetryPolicy
} from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { outcomes, run } from "./support.ts"

describe("Invocation", () => {
  it.effect("a result too large for the response is checkpointed as an EXECUTION SUCCEED, with an empty Result", () =>
    Effect.gen(function*() {
      // small enough for the service (6 MiB), too large for the response once wrapped
      const big = "x".repeat(6 * 1024 * 1024 - 36)
      const workflow = Durable.workflow({ name: "big", output: Schema.String }, () => Effect.succeed(big))
      const emulator = yield* Emulator.Emulator
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output.length, big.length)
      const history = yield* emulator.history(result.arn)
      const completed = history.find((event) => event._tag === "InvocationCompleted")
      assert.deepStrictEqual(completed?._tag === "InvocationCompleted" && completed.output, {
        Status: "SUCCEEDED",
        Result: ""
      })
      const execution = yield* emulator.execution(result.arn)
      assert.strictEqual(execution.result?.length, big.length + 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a result over the service's limit fails the execution with PayloadTooLargeError", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "huge" }, () => Effect.succeed("x".repeat(7 * 1024 * 1024)))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "PayloadTooLargeError")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a step result over the per-operation limit fails the execution, naming the step and the size", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "big-step" }, () =>
        Durable.step("fetch-everything", Effect.succeed("x".repeat(300 * 1024))))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "PayloadTooLargeError")
        assert.include(result.error.ErrorMessage, "\"fetch-everything\" is 307202 bytes")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("input that does not match the input Schema fails the execution with InvalidInputError", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "typed", input: Schema.Struct({ count: Schema.Number }) }, ({ count }) =>
        Effect.succeed(count))
      // the runner would refuse to encode such input: start the execution by hand, as a caller could
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{\"count\":\"three\"}" })
      const output = yield* Invocation.handle(workflow, yield* emulator.invoke(arn)).pipe(
        Effect.provide(Emulator.Emulator.layerClient)
      )
      assert.strictEqual(output.Status, "FAILED")
      if (output.Status === "FAILED") {
        assert.strictEqual(output.Error.ErrorType, "InvalidInputError")
        assert.include(output.Error.ErrorMessage, "count")
        // a message, not a stack trace (it used to carry Cause.pretty's, about 1 KB of file paths)
        assert.notMatch(output.Error.ErrorMessage ?? "", /\bat .+:\d+:\d+/)
        assert.notInclude(output.Error.ErrorMessage ?? "", ".ts:")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a failure the error Schema cannot encode still fails the execution, with its type and message", () =>
    Effect.gen(function*() {
      class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String }) {}
      // The Schema covers Declined only; the StepError is not handled by the workflow.
      const workflow = Durable.workflow<unknown, never, Declined | DurableError.StepError, DurableContext.DurableContext>({
        name: "uncovered",
        error: Declined
      }, () =>
        Durable.step("charge", Effect.fail(new TypeError("card reader offline")), { retry: RetryPolicy.noRetry }))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.deepStrictEqual(result.error, { ErrorType: "StepError", ErrorMessage: "card reader offline" })
      }
      assert.deepStrictEqual(outcomes(result), ["FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("an output its Schema refuses fails the execution with SerdesFailedError, instead of every invocation", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow(
        { name: "counted", output: Schema.Struct({ count: Schema.Int }) },
        () => Effect.succeed({ count: 1.5 })
      )
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "SerdesFailedError")
        assert.include(result.error.ErrorMessage, "execution result")
        assert.include(result.error.ErrorMessage, "count")
      }
      assert.deepStrictEqual(outcomes(result), ["FAILED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a malformed event fails the invocation with InvalidEventError, naming the field", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "any" }, () => Effect.void)
      const error = yield* Effect.flip(
        Invocation.handle(workflow, { DurableExecutionArn: "arn", CheckpointToken: 42 }).pipe(
          Effect.provide(Layer.succeed(CheckpointClient.CheckpointClient, {
            getExecutionState: () => Effect.die("unused"),
            checkpoint: () => Effect.die("unused")
          }))
        )
      )
      assert.strictEqual(error._tag, "InvalidEventError")
      assert.include(error.message, "CheckpointToken")
    }))

  it.effect("suspending interrupts the workflow's fibers and runs their finalizers", () =>
    Effect.gen(function*() {
      const finalized: Array<string> = []
      const workflow = Durable.workflow({ name: "clean" }, () =>
        Effect.gen(function*() {
          yield* Effect.forkChild(
            Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => finalized.push("background")))),
            { startImmediately: true }
          )
          yield* Effect.addFinalizer(() => Effect.sync(() => finalized.push("body")))
          yield* Durable.wait("long", "1 day")
        }).pipe(Effect.scoped))
      const result = yield* run(workflow)
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      // once per invocation: the suspended one and the completed one
      assert.deepStrictEqual([...finalized].sort(), ["background", "background", "body", "body"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a state with the same operation twice is refused with InvalidEventError", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "any" }, () => Effect.void)
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const operations = event.InitialExecutionState?.Operations ?? []
      const error = yield* Effect.flip(
        Invocation.handle(workflow, { ...event, InitialExecutionState: { Operations: [...operations, ...operations] } })
          .pipe(Effect.provide(Emulator.Emulator.layerClient))
      )
      assert.strictEqual(error._tag, "InvalidEventError")
      assert.include(error.message, "twice")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("every answer fits Lambda's response limit: a 10 MB ARN is not echoed back in full", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "any" }, () => Durable.step("s", Effect.succeed(1)))
      const emulator = yield* Emulator.Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const huge = `${arn}${"x".repeat(10 * 1024 * 1024)}`
      // The service does not know this ARN: the checkpoint fails the execution, with the ARN in its message.
      const output = yield* Invocation.handle(workflow, { ...event, DurableExecutionArn: huge }).pipe(
        Effect.provide(Emulator.Emulator.layerClient)
      )
      assert.strictEqual(output.Status, "FAILED")
      assert.isAtMost(Buffer.byteLength(JSON.stringify(output)), Invocation.maxInlineResultBytes)
      if (output.Status === "FAILED") {
        assert.isAtMost(Buffer.byteLength(output.Error.ErrorMessage ?? ""), Payload.maxMessageBytes)
        assert.include(output.Error.ErrorMessage, "truncated")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a workflow error too large for the response keeps its type and message, not its data", () =>
    Effect.gen(function*() {
      class Huge extends Schema.TaggedError<Huge>()("Huge", { message: Schema.String, data: Schema.String }) {}
      const workflow = Durable.workflow({ name: "huge-error", error: Huge }, () =>
        Effect.fail(new Huge({ message: "m".repeat(100_000), data: "d".repeat(7 * 1024 * 1024) })))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "Huge")
        assert.isUndefined(result.error.ErrorData)
        assert.isAtMost(Buffer.byteLength(result.error.ErrorMessage ?? ""), Payload.maxMessageBytes)
        assert.include(result.error.ErrorMessage, "ErrorData of")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("onTermination hears the supervisor's decision and reason once per early end, and nothing otherwise", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const workflow = Durable.workflow({ name: "told" }, () => Durable.wait("long", "1 day"))
      const arn = yield* emulator.start({ input: "null" })
      const told: Array<string> = []
      const handle = Effect.gen(function*() {
        const event = yield* emulator.invoke(arn)
        const output = yield* Invocation.handle(workflow, JSON.parse(JSON.stringify(event)), {
          onTermination: (outcome) => Effect.sync(() => told.push(`${outcome._tag} ${outcome.reason}`))
        }).pipe(Effect.provide(Emulator.Emulator.layerClient))
        yield* emulator.complete(arn, output)
        return output.Status
      })
      const first = yield* Effect.forkChild(handle)
      while (first.pollUnsafe() === undefined) yield* TestClock.adjust("50 millis")
      assert.strictEqual(yield* Fiber.join(first), "PENDING")
      yield* TestClock.adjust("1 day")
      assert.strictEqual(yield* handle, "SUCCEEDED")
      assert.deepStrictEqual(told, ["Suspended WAIT_SCHEDULED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a step that fails with a 1 MB message records it cut to 16 KiB, and goes on as a failed step", () =>
    Effect.gen(function*() {
      const workflow = Durable.workflow({ name: "verbose", output: Schema.Number }, () =>
        Durable.step("verbose", Effect.fail(new Error("v".repeat(1024 * 1024))), { retry: RetryPolicy.noRetry }).pipe(
          Effect.catchTag("StepError", (error) => Effect.succeed(error.message.length))
        ))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.isAtMost(result.output, Payload.maxMessageBytes)
      const step = result.operations.find((op) => op.Name === "verbose")
      assert.include(step?.StepDetails?.Error?.ErrorMessage, "[truncated: 1048576 bytes in all]")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a workflow that dies with a value whose getters throw answers FAILED, with a type and a message", () =>
    Effect.gen(function*() {
      const unreadable = new Proxy({}, {
        get: () => {
          throw new Error("do not touch")
        },
        has: () => {
          throw new Error("do not touch")
        }
      })
      const workflow = Durable.workflow({ name: "unreadable" }, () => Effect.die(unreadable))
      const result = yield* run(workflow)
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "Error")
        assert.isString(result.error.ErrorMessage)
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
