/**
 * logging on the emulator under TestClock, capturing the durable logger's
 * lines with its `write` option: each record is written once although the
 * workflow runs twice (the retry back-off suspends it), step records carry the
 * step and its attempt, and a declined card is logged as an error with its
 * type. A logger that is not mode-aware shows what replay would otherwise do.
 */
import { assert, describe, it } from "@effect/vitest"
import { DurableLogger } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect } from "effect"
import { SubscriptionRenewal } from "./workflow.ts"

type Line = Record<string, unknown>

/** Runs the renewal with a durable logger that writes into `lines`. */
const renew = (card: string, options: DurableLogger.Options = {}) =>
  Effect.gen(function*() {
    const lines: Array<Line> = []
    const logger = DurableLogger.layer({ ...options, write: (line) => void lines.push(JSON.parse(line)) })
    const input = { subscriptionId: "sub-77", card, amountCents: 999 }
    const result = yield* LocalRunner.runUnderTestClock(SubscriptionRenewal, input).pipe(Effect.provide(logger))
    return { lines, result }
  })

/** What a line says, by whom: level, message, step name and attempt (inside a step), invocation. */
const pick = (line: Line) =>
  [line.level, line.message, line.operationName ?? null, line.attempt ?? null, line.requestId]

describe("logging", () => {
  it.effect("writes each record once, in JSON lines, although the workflow replays", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* renew("4242424242424242")
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output, { paymentId: "pay-2" })
      // Two invocations: the first suspends for the 10 s back-off, the second replays "renewal started" silently.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
      assert.deepStrictEqual(lines.map(pick), [
        ["INFO", "renewal started", null, null, "local-1"],
        ["WARN", "the payment gateway timed out", "collect-payment", 1, "local-1"],
        ["INFO", "collected 999 cents", "collect-payment", 2, "local-2"],
        ["INFO", "renewal complete", null, null, "local-2"]
      ])
      // Every line carries the workflow's annotation and the execution.
      for (const line of lines) {
        assert.strictEqual(line.subscriptionId, "sub-77")
        assert.strictEqual(line.executionArn, result.arn)
      }
      const step = result.operations.find((op) => op.Name === "collect-payment")
      assert.strictEqual(lines[1].operationId, step?.Id)
      assert.strictEqual(step?.StepDetails?.Attempt, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("without mode awareness, the replayed record is written a second time", () =>
    Effect.gen(function*() {
      const { lines } = yield* renew("4242424242424242", { modeAware: false })
      const started = lines.filter((line) => line.message === "renewal started")
      assert.deepStrictEqual(started.map((line) => line.requestId), ["local-1", "local-2"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a declined card is not retried and is logged as an error with its type", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* renew("4000000000000002", { minimumLevel: "Warn" })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") assert.strictEqual(result.error.ErrorType, "CardDeclined")
      // minimumLevel: "Warn" keeps the warning and the error only.
      assert.deepStrictEqual(lines.map(pick), [
        ["WARN", "the payment gateway timed out", "collect-payment", 1, "local-1"],
        ["ERROR", "renewal failed", null, null, "local-2"]
      ])
      assert.strictEqual(lines[1].errorType, "CardDeclined")
      assert.strictEqual(lines[1].errorMessage, "card 4000000000000002 declined")
      assert.strictEqual(result.operations.find((op) => op.Name === "collect-payment")?.StepDetails?.Attempt, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
