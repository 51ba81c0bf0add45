/**
 * callbacks on the emulator under TestClock. The test plays the people: an
 * in-memory inbox receives the emails; the approver answers through the
 * run's handle for the callback, or through a declared answer (`callbacks`),
 * some time after the workflow created it.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Duration, Effect, Layer, Schema } from "effect"
import { ContractSigning, ExpenseApproval, Mailer, NotSigned } from "./workflow.ts"

type Mail = { readonly to: string; readonly subject: string; readonly body: string }

/** An inbox: the Mailer layer for the workflow (and the emulator), and the mails it received. */
const inbox = () => {
  const mails: Array<Mail> = []
  const send = (mail: Mail) => Effect.sync(() => void mails.push(mail))
  return { mails, layer: Layer.merge(Emulator.Emulator.layer, Layer.succeed(Mailer, Mailer.of({ send }))) }
}

const expense = { expenseId: "exp-42", amount: 180, approver: "grace@example.com" }

const layout = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.filter((op) => op.Type !== "EXECUTION").map((op) => [op.Type, op.SubType ?? null, op.Name, op.Status])

describe("callbacks: waitForCallback", () => {
  it.effect("the approver approves a day later: the expense is reimbursed", () => {
    const { layer, mails } = inbox()
    return Effect.gen(function*() {
      const run = yield* LocalRunner.start(ExpenseApproval, expense)
      const approval = run.operation("manager-approval")
      yield* approval.waitFor("SUBMITTED") // the email went out
      yield* Effect.sleep("1 day")
      yield* approval.succeed({ approved: true, comment: "ok" })
      const result = yield* run.result
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, {
        expenseId: "exp-42",
        outcome: "reimbursed",
        comment: "ok"
      })
      assert.deepStrictEqual(layout(result.operations), [
        ["CONTEXT", "WaitForCallback", "manager-approval", "SUCCEEDED"],
        // the callback and the submitter are unnamed, as the official SDK leaves them
        ["CALLBACK", "Callback", undefined, "SUCCEEDED"],
        ["STEP", "Step", undefined, "SUCCEEDED"],
        ["STEP", "Step", "reimburse", "SUCCEEDED"]
      ])
      // One email, to the approver, carrying the id of the callback the service created.
      assert.strictEqual(mails.length, 1)
      assert.strictEqual(mails[0].to, "grace@example.com")
      assert.include(mails[0].body, `reference ${yield* approval.callbackId}`)
      // The function does not run while the approver thinks about it.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the approver rejects: nothing is paid", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(ExpenseApproval, expense, {
        callbacks: { "manager-approval": { succeed: { approved: false }, after: "2 hours" } }
      })
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, {
        expenseId: "exp-42",
        outcome: "rejected"
      })
      assert.isUndefined(result.operations.find((op) => op.Name === "reimburse"))
    }).pipe(Effect.provide(inbox().layer)))

  it.effect("nobody answers: the callback times out after 3 days and the expense expires", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(ExpenseApproval, expense)
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, {
        expenseId: "exp-42",
        outcome: "expired"
      })
      assert.strictEqual(result.operations.find((op) => op.Type === "CALLBACK")?.Status, "TIMED_OUT")
      assert.strictEqual(result.operations.find((op) => op.Name === "manager-approval")?.Status, "FAILED")
      const { endTimestamp, startTimestamp } = result.execution
      const elapsed = (endTimestamp?.getTime() ?? 0) - startTimestamp.getTime()
      assert.isAtLeast(elapsed, Duration.toMillis("3 days"))
      assert.isBelow(elapsed, Duration.toMillis("3 days") + Duration.toMillis("1 minute"))
    }).pipe(Effect.provide(inbox().layer)))
})

describe("callbacks: createCallback", () => {
  const contract = { contractId: "c-7", signer: "ada@example.com" }
  const notSigned = (error: Wire.ErrorObject) =>
    Schema.decodeUnknownSync(Schema.fromJsonString(NotSigned))(error.ErrorData)

  it.effect("the signing service completes the callback: the contract is archived", () => {
    const { layer, mails } = inbox()
    return Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(ContractSigning, contract, {
        callbacks: { signature: { succeed: { signedBy: "Ada Lovelace", signedAt: "2025-01-02T10:00:00Z" }, after: "5 hours" } }
      })
      assert.deepStrictEqual(result.status === "SUCCEEDED" ? result.output : result, {
        archivedAs: "s3://contracts/c-7.pdf",
        signedBy: "Ada Lovelace"
      })
      assert.deepStrictEqual(layout(result.operations), [
        ["CALLBACK", "Callback", "signature", "SUCCEEDED"],
        ["STEP", "Step", "send-for-signature", "SUCCEEDED"],
        ["STEP", "Step", "archive", "SUCCEEDED"]
      ])
      assert.deepStrictEqual(mails.map((mail) => mail.subject), ["Please sign c-7"])
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the signer declines: the callback fails and the execution fails with NotSigned (declined)", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(ContractSigning, contract, {
        callbacks: { signature: { fail: { ErrorType: "Declined", ErrorMessage: "the signer declined clause 4" }, after: "1 day" } }
      })
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NotSigned")
        const { contractId, detail, reason } = notSigned(result.error)
        assert.deepStrictEqual([contractId, reason, detail], ["c-7", "declined", "the signer declined clause 4"])
      }
      assert.strictEqual(result.operations.find((op) => op.Type === "CALLBACK")?.Status, "FAILED")
      assert.isUndefined(result.operations.find((op) => op.Name === "archive"))
    }).pipe(Effect.provide(inbox().layer)))

  it.effect("nobody signs within 7 days: the execution fails with NotSigned (expired)", () =>
    Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(ContractSigning, contract)
      assert.strictEqual(result.status === "FAILED" ? notSigned(result.error).reason : result.status, "expired")
      assert.strictEqual(result.operations.find((op) => op.Type === "CALLBACK")?.Status, "TIMED_OUT")
    }).pipe(Effect.provide(inbox().layer)))
})
