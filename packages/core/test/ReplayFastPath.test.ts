import { assert, describe, it } from "@effect/vitest"
import { Durable } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Effect, Schema, Tracer } from "effect"
import { outcomes, run } from "./support.ts"

/** A tracer that records the name of every span it starts. */
const recording = (names: Array<string>) =>
  Tracer.make({
    span(options) {
      names.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })

/** The operations' spans, per invocation. */
const perInvocation = (names: ReadonlyArray<string>) => {
  const invocations: Array<Array<string>> = []
  for (const name of names) {
    if (name === "Invocation.handle") invocations.push([])
    else if (name.startsWith("Durable.")) invocations.at(-1)?.push(name)
  }
  return invocations
}

describe("Replay fast path", () => {
  it.effect("a replayed operation runs nothing and starts no span: only new operations do", () =>
    Effect.gen(function*() {
      const runs: Array<string> = []
      const counted = (name: string) => Effect.sync(() => runs.push(name)).pipe(Effect.as(name))
      const workflow = Durable.workflow({ name: "replayed", output: Schema.String }, () =>
        Effect.gen(function*() {
          const a = yield* Durable.step("a", counted("a"))
          const c = yield* Durable.child("c", Durable.step("x", counted("x")))
          yield* Durable.wait("w", "10 seconds")
          const b = yield* Durable.step("b", counted("b"))
          return `${a}${c}${b}`
        }))
      const spans: Array<string> = []
      const result = yield* run(workflow).pipe(Effect.withTracer(recording(spans)))
      assert.deepStrictEqual(outcomes(result), ["PENDING", "SUCCEEDED"])
      assert.deepStrictEqual(runs, ["a", "x", "b"])
      assert.deepStrictEqual(perInvocation(spans), [
        ["Durable.step", "Durable.child", "Durable.step", "Durable.wait"],
        // a, c and w come from their checkpoints: no span, no code; only b runs.
        ["Durable.step"]
      ])
      // The checkpoint worker's calls have their spans too (it reads the tracer once, when it starts).
      assert.isTrue(spans.includes("Checkpointer.send"))
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
