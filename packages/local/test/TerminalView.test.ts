/**
 * The terminal view's lines for a real run: invocations, operations with
 * their attempts, the termination decisions with their reasons and what is
 * waited for, and the command that completes a pending callback.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as TerminalView from "../src/TerminalView.ts"

const Flow = Durable.workflow(
  { name: "flow", output: Schema.String },
  () =>
    Effect.gen(function*() {
      yield* Durable.step(
        "charge",
        Effect.gen(function*() {
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("declined"))
          return attempt
        }),
        { retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "2 seconds", jitter: "NONE" }) }
      )
      yield* Durable.wait("settle", "1 hour")
      return yield* Durable.waitForCallback("approve", () => Effect.void)
    })
)

/** The lines without their timestamps. */
const strip = (lines: ReadonlyArray<string>) => lines.map((line) => line.replace(/^\[\+\d+\.\d{3}s\] /, ""))

describe("TerminalView", () => {
  it("puts a callback id that starts with \"-\" after \"--\" in the command it prints", () => {
    const formatter = new TerminalView.Formatter({ command: "npx effect-durable" })
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
    const callback = { Id: "c1", Type: "CALLBACK", Name: "approve", Status: "STARTED", CallbackDetails: { CallbackId: "-Xab" } }
    const lines = strip(formatter.lines({
      _tag: "Checkpointed",
      arn,
      at: 0,
      operations: [callback],
      updates: [{ Id: "c1", Type: "CALLBACK", Action: "START", Name: "approve" }]
    } as unknown as Emulator.Event))
    assert.include(lines, "    complete it: npx effect-durable callback succeed -- -Xab '<json>'   (or: callback fail -- -Xab '<error>')")
  })

  it.effect("prints each invocation, operation, decision and pending callback, in order", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const lines: Array<string> = []
      const formatter = new TerminalView.Formatter({ command: "npx effect-durable" })
      const onEvent = (event: LocalRunner.Event) =>
        Effect.gen(function*() {
          if (event._tag === "Sleeping") return
          const snapshot = event._tag === "InvocationCompleted" ? yield* Effect.orDie(emulator.execution(event.arn)) : undefined
          lines.push(...formatter.lines(event, snapshot))
          if (event._tag === "InvocationCompleted" && event.invocation === 3) {
            const callback = snapshot!.operations.find((op) => op.Type === "CALLBACK")!
            yield* Effect.forkDetach(
              Effect.andThen(Effect.sleep("1 minute"), emulator.sendCallbackSuccess(callback.CallbackDetails!.CallbackId!, "\"ok\""))
            )
          }
        })
      const result = yield* LocalRunner.runUnderTestClock(Flow, undefined, { onEvent, waitForExternal: true, executionName: "flow-1" })
      assert.strictEqual(result.status, "SUCCEEDED")
      const text = strip(lines)
      assert.deepStrictEqual(text.slice(0, 9), [
        "▶ execution flow-1 started",
        "invocation #1 starts (1 operation to replay)",
        "  ▸ step \"charge\" starts attempt 1",
        "  ↻ step \"charge\" attempt 1 failed: Error: declined · retry in 2 s",
        "invocation #1 ends: PENDING (RETRY_SCHEDULED)",
        "  waiting for step \"charge\": attempt 2 at +2.00 s",
        "  ↻ step \"charge\" is ready for attempt 2",
        "invocation #2 starts (2 operations to replay)",
        "  ▸ step \"charge\" starts attempt 2"
      ])
      assert.include(text, "invocation #2 ends: PENDING (WAIT_SCHEDULED)")
      assert.include(text, "  ⏰ wait \"settle\" is over")
      const callbackId = result.operations.find((op) => op.Type === "CALLBACK")!.CallbackDetails!.CallbackId!
      assert.include(text, `    complete it: npx effect-durable callback succeed ${callbackId} '<json>'   (or: callback fail ${callbackId} '<error>')`)
      assert.include(text, "invocation #3 ends: PENDING (CALLBACK_PENDING)")
      assert.include(text, `  waiting for callback "approve" (${callbackId})`)
      assert.include(text, "  ✓ callback \"approve\" completed → \"ok\"")
      // the callback's raw result ("ok", a JSON string) is the workflow's output, written as JSON
      assert.strictEqual(text.at(-1), "■ execution flow-1 SUCCEEDED → \"\\\"ok\\\"\"")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it("colours only when asked, and prefixes lines with the execution's name for dev", () => {
    const event = { _tag: "ExecutionStarted", arn: "arn:aws:lambda:us-east-1:1:function:f:$LATEST/durable-execution/order-7/x", at: 0, input: "{}" } as const
    const plain = new TerminalView.Formatter({ prefix: true }).lines(event as never)
    assert.deepStrictEqual(plain, ["[+0.000s] order-7 ▶ execution order-7 started with input {}"])
    const coloured = new TerminalView.Formatter({ color: true }).lines(event as never)
    assert.match(coloured[0]!, /\x1b\[1m/)
  })
})
