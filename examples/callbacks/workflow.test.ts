/**
 * callbacks on the emulator under TestClock. The test plays the people: an
 * in-memory inbox receives the emails, and `respond` completes (or fails) each
 * callback through the emulator, as `SendDurableExecutionCallbackSuccess`
 * (or `…Failure`) would, some time after the workflow created it.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Duration, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { ContractSigning, ExpenseApproval, Mailer, NotSigned } from "./workflow.ts"

type Mail = { readonly to: string; readonly subject: string; readonly body: string }

/** An inbox: the Mailer layer for the workflow, and the mails it received. */
const inbox = () => {
  const mails: Array<Mail> = []
  const send = (mail: Mail) => Effect.sync(() => void mails.push(mail))
  return { mails, layer: Layer.succeed(Mailer, Mailer.of({ send })) }
}

type Response =
  | { readonly after: Duration.Input; readonly result: string }
  | { readonly after: Duration.Input; readonly error: Wire.ErrorObject }

/**
 * Plays the external side: for each CALLBACK the workflow starts, waits
 * `after` (in virtual time) and completes it with `result` or `error`;
 * `undefined` leaves it unanswered. Returns the runner's options.
 */
const respond = (
  answer: (callback: Wire.Operation) => Response | undefined
): Effect.Effect<LocalRunner.TestClockOptions, never, Emulator.Emulator | Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const events = yield* Queue.unbounded<LocalRunner.Event>()
    const reply = (callback: Wire.Operation) => {
      const response = answer(callback)
      const id = callback.CallbackDetails?.CallbackId
      if (response === undefined || id === undefined) return Effect.void
      return Effect.sleep(response.after).pipe(
        Effect.andThen("result" in response
          ? emulator.sendCallbackSuccess(id, response.result)
          : emulator.sendCallbackFailure(id, response.error)),
        Effect.orDie
      )
    }
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(events), (event) =>
      event._tag === "Checkpointed"
        ? Effect.forEach(
          event.operations.filter((op) => op.Type === "CALLBACK" && op.Status === "STARTED"),
          (op) => Effect.forkScoped(reply(op)),
          { discard: true }
        )
        : Effect.void)))
    // waitForExternal: a PENDING execution that only awaits callbacks waits for us instead of failing as stuck.
    return { waitForExternal: true, onEvent: (event) => Queue.offer(events, event).pipe(Effect.asVoid) }
  })

const expense = { expenseId: "exp-42", amount: 180, approver: "grace@example.com" }

const approve = (options: LocalRunner.TestClockOptions) =>
  LocalRunner.runUnderTestClock(ExpenseApproval, expense, options)

const layout = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.filter((op) => op.Type !== "EXECUTION").map((op) => [op.Type, op.SubType ?? null, op.Name, op.Status])

describe("callbacks: waitForCallback", () => {
  it.effect("the approver approves a day later: the expense is reimbursed", () =>
    Effect.gen(function*() {
      const { layer, mails } = inbox()
      const options = yield* respond(() => ({ after: "1 day", result: "{\"approved\":true,\"comment\":\"ok\"}" }))
      const result = yield* approve(options).pipe(Effect.provide(layer))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { expenseId: "exp-42", outcome: "reimbursed", comment: "ok" })
      }
      assert.deepStrictEqual(layout(result.operations), [
        ["CONTEXT", "WaitForCallback", "manager-approval", "SUCCEEDED"],
        // the callback and the submitter are unnamed, as the official SDK leaves them
        ["CALLBACK", "Callback", undefined, "SUCCEEDED"],
        ["STEP", "Step", undefined, "SUCCEEDED"],
        ["STEP", "Step", "reimburse", "SUCCEEDED"]
      ])
      // One email, to the approver, carrying the id of the callback the service created.
      const callbackId = result.operations.find((op) => op.Type === "CALLBACK")?.CallbackDetails?.CallbackId
      assert.strictEqual(mails.length, 1)
      assert.strictEqual(mails[0].to, "grace@example.com")
      assert.include(mails[0].body, `reference ${callbackId}`)
      // The function does not run while the approver thinks about it.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("the approver rejects: nothing is paid", () =>
    Effect.gen(function*() {
      const options = yield* respond(() => ({ after: "2 hours", result: "{\"approved\":false}" }))
      const result = yield* approve(options).pipe(Effect.provide(inbox().layer))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { expenseId: "exp-42", outcome: "rejected" })
      }
      assert.isUndefined(result.operations.find((op) => op.Name === "reimburse"))
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("nobody answers: the callback times out after 3 days and the expense expires", () =>
    Effect.gen(function*() {
      const options = yield* respond(() => undefined)
      const result = yield* approve(options).pipe(Effect.provide(inbox().layer))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { expenseId: "exp-42", outcome: "expired" })
      }
      const callback = result.operations.find((op) => op.Type === "CALLBACK")
      assert.strictEqual(callback?.Status, "TIMED_OUT")
      assert.strictEqual(result.operations.find((op) => op.Name === "manager-approval")?.Status, "FAILED")
      const { endTimestamp, startTimestamp } = result.execution
      const elapsed = (endTimestamp?.getTime() ?? 0) - startTimestamp.getTime()
      assert.isAtLeast(elapsed, Duration.toMillis("3 days"))
      assert.isBelow(elapsed, Duration.toMillis("3 days") + Duration.toMillis("1 minute"))
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))
})

describe("callbacks: createCallback", () => {
  const contract = { contractId: "c-7", signer: "ada@example.com" }
  const sign = (options: LocalRunner.TestClockOptions) =>
    LocalRunner.runUnderTestClock(ContractSigning, contract, options)

  it.effect("the signing service completes the callback: the contract is archived", () =>
    Effect.gen(function*() {
      const { layer, mails } = inbox()
      const options = yield* respond(() => ({
        after: "5 hours",
        result: JSON.stringify({ signedBy: "Ada Lovelace", signedAt: "2025-01-02T10:00:00Z" })
      }))
      const result = yield* sign(options).pipe(Effect.provide(layer))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, { archivedAs: "s3://contracts/c-7.pdf", signedBy: "Ada Lovelace" })
      }
      assert.deepStrictEqual(layout(result.operations), [
        ["CALLBACK", "Callback", "signature", "SUCCEEDED"],
        ["STEP", "Step", "send-for-signature", "SUCCEEDED"],
        ["STEP", "Step", "archive", "SUCCEEDED"]
      ])
      assert.deepStrictEqual(mails.map((mail) => mail.subject), ["Please sign c-7"])
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("the signer declines: the callback fails and the execution fails with NotSigned (declined)", () =>
    Effect.gen(function*() {
      const options = yield* respond(() => ({
        after: "1 day",
        error: { ErrorType: "Declined", ErrorMessage: "the signer declined clause 4" }
      }))
      const result = yield* sign(options).pipe(Effect.provide(inbox().layer))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NotSigned")
        assert.deepStrictEqual(JSON.parse(result.error.ErrorData ?? "null"), {
          _tag: "NotSigned",
          contractId: "c-7",
          reason: "declined",
          detail: "the signer declined clause 4"
        })
      }
      assert.strictEqual(result.operations.find((op) => op.Type === "CALLBACK")?.Status, "FAILED")
      assert.isUndefined(result.operations.find((op) => op.Name === "archive"))
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))

  it.effect("nobody signs within 7 days: the execution fails with NotSigned (expired)", () =>
    Effect.gen(function*() {
      const options = yield* respond(() => undefined)
      const result = yield* sign(options).pipe(Effect.provide(inbox().layer))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "NotSigned")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(NotSigned))(result.error.ErrorData)
        assert.strictEqual(error.reason, "expired")
      }
      assert.strictEqual(result.operations.find((op) => op.Type === "CALLBACK")?.Status, "TIMED_OUT")
    }).pipe(Effect.scoped, Effect.provide(Emulator.Emulator.layer)))
})
