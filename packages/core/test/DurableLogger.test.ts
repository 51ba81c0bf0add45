import { assert, describe, it } from "@effect/vitest"
import { Durable, DurableLogger } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Cause, Effect, References } from "effect"
import { outcomes, run } from "./support.ts"

const workflow = Durable.workflow({ name: "logging" }, () =>
  Effect.gen(function*() {
    yield* Effect.logInfo("before")
    yield* Durable.step("greet", Effect.logInfo("inside the step"))
    yield* Durable.wait("pause", "1 hour")
    yield* Effect.logWarning("after")
    yield* Durable.step("bye", Effect.logInfo("inside the last step"))
  }))

describe("DurableLogger", () => {
  it.effect("writes JSON lines once: replayed records are dropped, step records carry the operation", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const logger = DurableLogger.layer({ write: (line) => lines.push(JSON.parse(line)) })
      const result = yield* run(workflow).pipe(Effect.provide(logger))
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.deepStrictEqual(lines.map((line) => line.message), ["before", "inside the step", "after", "inside the last step"])
      const step = lines[1]
      assert.strictEqual(step.level, "INFO")
      assert.strictEqual(step.operationName, "greet")
      assert.strictEqual(step.attempt, 1)
      assert.match(String(step.executionArn), /^arn:aws:lambda:/)
      assert.strictEqual(step.requestId, "local-1")
      assert.strictEqual(lines[2].level, "WARN")
      assert.strictEqual(lines[2].requestId, "local-2")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("writes replayed records too when it is not mode-aware, and honours the minimum level", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      const logger = DurableLogger.layer({
        modeAware: false,
        minimumLevel: "Warn",
        write: (line) => lines.push(JSON.parse(line))
      })
      yield* run(workflow).pipe(Effect.provide(logger))
      assert.deepStrictEqual(lines.map((line) => line.message), ["after"])
      const all: Array<Record<string, unknown>> = []
      yield* run(workflow).pipe(Effect.provide(DurableLogger.layer({ modeAware: false, write: (l) => all.push(JSON.parse(l)) })))
      assert.deepStrictEqual(all.map((line) => line.message), ["before", "inside the step", "before", "after", "inside the last step"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("describes failures with their type and message", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, unknown>> = []
      yield* Effect.logError("failed", Cause.fail(new TypeError("bad input"))).pipe(
        Effect.provide(DurableLogger.layer({ write: (line) => lines.push(JSON.parse(line)) }))
      )
      assert.strictEqual(lines[0].level, "ERROR")
      assert.strictEqual(lines[0].message, "failed")
      assert.strictEqual(lines[0].errorType, "TypeError")
      assert.strictEqual(lines[0].errorMessage, "bad input")
    }))
  it.effect("a step's code sees the workflow's annotations, every own enumerable key as a spread copies it, with its operation's", () =>
    Effect.gen(function*() {
      const marker = Symbol.for("effect-durable/test/annotation")
      const annotated = Durable.workflow({ name: "annotated" }, () =>
        Durable.step(
          "read",
          Effect.gen(function*() {
            const annotations = yield* References.CurrentLogAnnotations
            return {
              keys: Object.keys(annotations),
              proto: Object.getPrototypeOf(annotations) === Object.prototype,
              ownProto: Object.getOwnPropertyDescriptor(annotations, "__proto__")?.value,
              symbol: (annotations as Record<PropertyKey, unknown>)[marker]
            }
          })
        ).pipe(
          Effect.annotateLogs({ tenant: "acme", [marker]: "kept" } as Record<string, unknown>),
          Effect.annotateLogs("__proto__", "plain")
        ))
      const result = yield* run(annotated)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        const output = result.output as { keys: Array<string>; proto: boolean; ownProto: unknown; symbol: unknown }
        assert.deepStrictEqual(output.keys, [
          "executionArn",
          "requestId",
          "__proto__",
          "tenant",
          "operationId",
          "operationName",
          "attempt"
        ])
        assert.isTrue(output.proto)
        assert.strictEqual(output.ownProto, "plain")
        assert.strictEqual(output.symbol, "kept")
      }
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
