/**
 * The workflow end to end on the in-memory emulator of the durable execution
 * service. `LocalRunner.runUnderTestClock` invokes it as Lambda would, on
 * Effect's `TestClock`: the one-day wait and the retries take milliseconds.
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Layer } from "effect"
import { MailError, Mailer, Onboarding } from "../src/workflow.ts"

/** A Mailer that records what it sends, and refuses the first `refusals` attempts. */
const recordingMailer = (refusals = 0) => {
  const sent: Array<string> = []
  let attempts = 0
  const layer = Layer.succeed(
    Mailer,
    Mailer.of({
      send: (to, template) =>
        Effect.suspend(() => {
          attempts += 1
          if (attempts <= refusals) return Effect.fail(new MailError({ message: "the mail service is unavailable" }))
          sent.push(`${template} to ${to}`)
          return Effect.void
        })
    })
  )
  return { sent, layer }
}

const input = { email: "ada@example.com" }

describe("Onboarding", () => {
  it.effect("creates the account, sends the welcome email, waits a day, sends the tips", () => {
    const mailer = recordingMailer()
    return Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(Onboarding, input)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.match(result.output.accountId, /^acct-/)
      // The wait ended the first invocation; the service invoked the function again a day later.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "SUCCEEDED"])
      assert.deepStrictEqual(mailer.sent, ["welcome to ada@example.com", "tips to ada@example.com"])
    }).pipe(Effect.provide([Emulator.Emulator.layer, mailer.layer]))
  })

  it.effect("sends the welcome email again when the mail service refused it", () => {
    const mailer = recordingMailer(1)
    return Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(Onboarding, input)
      assert.strictEqual(result.status, "SUCCEEDED")
      const welcome = result.operations.find((op) => op.Name === "send-welcome")
      assert.strictEqual(welcome?.StepDetails?.Attempt, 2)
      assert.deepStrictEqual(mailer.sent, ["welcome to ada@example.com", "tips to ada@example.com"])
    }).pipe(Effect.provide([Emulator.Emulator.layer, mailer.layer]))
  })

  it.effect("gives the same result when the function dies after every checkpoint", () => {
    const mailer = recordingMailer()
    return Effect.gen(function*() {
      const result = yield* LocalRunner.runUnderTestClock(Onboarding, input, {
        crashAfterCheckpoints: [1, 2, 3, 4, 5, 6, 7, 8]
      })
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.include(result.invocations.map((i) => i.outcome), "crashed")
      // The id was drawn once: the result holds the one the step checkpointed.
      const account = result.operations.find((op) => op.Name === "create-account")
      if (result.status === "SUCCEEDED") assert.strictEqual(JSON.stringify(result.output.accountId), account?.StepDetails?.Result)
    }).pipe(Effect.provide([Emulator.Emulator.layer, mailer.layer]))
  })
})
