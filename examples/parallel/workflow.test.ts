/**
 * parallel on the emulator under TestClock: the fastest channel wins and the
 * others are interrupted, a missing address falls back to the next channel,
 * and a customer with no address at all fails the execution.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Schema } from "effect"
import { CustomerUnreachable, DelayNotice } from "./workflow.ts"

/** The branches of the batch: subtype, name and status, in order. */
const branches = (operations: ReadonlyArray<Wire.Operation>) => {
  const batch = operations.find((op) => op.Name === "notify-customer")
  return operations.filter((op) => op.ParentId !== undefined && op.ParentId === batch?.Id).map((op) => [
    op.SubType,
    op.Name,
    op.Status
  ])
}

const summary = (operations: ReadonlyArray<Wire.Operation>) =>
  JSON.parse(operations.find((op) => op.Name === "notify-customer")?.ContextDetails?.Result ?? "{}")

/** How long the execution took, in virtual milliseconds. */
const elapsed = (result: LocalRunner.Result<unknown>) =>
  (result.execution.endTimestamp?.getTime() ?? Number.NaN) - result.execution.startTimestamp.getTime()

describe("parallel", () => {
  it.effect("the SMS gets through first: the batch completes, email and push are interrupted", () =>
    Effect.gen(function*() {
      const customer = { customerId: "c-1", email: "ada@example.com", phone: "+44 7700 900001", deviceToken: "tok-1" }
      const result = yield* LocalRunner.runUnderTestClock(DelayNotice, customer)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { customerId: "c-1", notified: ["sms:+44 7700 900001"] })
      }
      assert.strictEqual(result.operations.find((op) => op.Name === "notify-customer")?.SubType, "Parallel")
      assert.deepStrictEqual(branches(result.operations), [
        ["ParallelBranch", "email", "STARTED"],
        ["ParallelBranch", "sms", "SUCCEEDED"],
        ["ParallelBranch", "push", "STARTED"]
      ])
      assert.strictEqual(summary(result.operations).completionReason, "MIN_SUCCESSFUL_REACHED")
      // Done after the SMS's second, without waiting for the slower channels.
      assert.strictEqual(elapsed(result), 1000)
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("no phone number: the SMS branch fails at once and the push gets through next", () =>
    Effect.gen(function*() {
      const customer = { customerId: "c-2", email: "grace@example.com", deviceToken: "tok-2" }
      const result = yield* LocalRunner.runUnderTestClock(DelayNotice, customer)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.deepStrictEqual(result.output.notified, ["push:tok-2"])
      assert.deepStrictEqual(branches(result.operations), [
        ["ParallelBranch", "email", "STARTED"],
        ["ParallelBranch", "sms", "FAILED"],
        ["ParallelBranch", "push", "SUCCEEDED"]
      ])
      assert.strictEqual(elapsed(result), 2000)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("no address at all: every branch fails and the execution fails with CustomerUnreachable", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(DelayNotice, { customerId: "c-3" })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "CustomerUnreachable")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(CustomerUnreachable))(result.error.ErrorData)
        assert.deepStrictEqual(error.failures, [
          "ChannelUnavailable: no email address",
          "ChannelUnavailable: no sms address",
          "ChannelUnavailable: no push address"
        ])
      }
      assert.deepStrictEqual(branches(result.operations).map(([, , status]) => status), ["FAILED", "FAILED", "FAILED"])
      assert.strictEqual(summary(result.operations).completionReason, "ALL_COMPLETED")
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
