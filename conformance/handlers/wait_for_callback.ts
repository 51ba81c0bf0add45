/**
 * Handlers of the `wait_for_callback` requirements (7-1 to 7-15): waitForCallback,
 * names, failures, timeouts, heartbeats, submitter retries, nesting, result codecs.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"

/** A submitter that hands the callback id over and does nothing durable. */
const register = (callbackId: string) => Effect.logInfo(`callback ${callbackId} registered`)

export const handlers: Suite = {
  "7-1": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-basic", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register)
    )
  },
  "7-2": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-named", input: anyEvent },
      () => Durable.waitForCallback("approval", register)
    )
  },
  "7-3": {
    // effect-durable requires a name for every operation a workflow calls: this one is named,
    // where the reference calls it without a name (the requirement does not assert the Name).
    workflow: Durable.workflow(
      { name: "wait-for-callback-anonymous", input: anyEvent },
      () => Durable.waitForCallback("callback", register)
    )
  },
  "7-4": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-failure", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register)
    )
  },
  "7-5": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-timeout", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register, { timeout: "3 seconds" })
    )
  },
  "7-6": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-failure-caught", input: event(Schema.String) },
      ({ Input }) =>
        Durable.waitForCallback(Input, register).pipe(
          Effect.catchTag("CallbackExternalError", () => Effect.succeed("recovered"))
        )
    )
  },
  "7-7": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-submitter-fails", input: event(Schema.String) },
      ({ Input }) =>
        Durable.waitForCallback(
          Input,
          () => Effect.fail(new Error("the queue is unavailable")),
          { retry: RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "1 second", jitter: "NONE" }) }
        )
    )
  },
  "7-8": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-in-child", input: event(Schema.String) },
      ({ Input }) => Durable.child("wrapper", Durable.waitForCallback(Input, register))
    )
  },
  "7-9": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-twice", input: anyEvent },
      Effect.fn(function*() {
        yield* Durable.waitForCallback("first", register)
        return yield* Durable.waitForCallback("second", register)
      })
    )
  },
  "7-10": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-after-wait-and-step", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        yield* Durable.wait("pause", "1 second")
        yield* Durable.step("prepare", Effect.succeed({ prepared: true }))
        return yield* Durable.waitForCallback(Input, register)
      })
    )
  },
  "7-11": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-decoded", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const { status } = yield* Durable.waitForCallback(Input, register, {
          schema: Schema.Struct({ status: Schema.String })
        })
        return status
      })
    )
  },
  "7-12": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-heartbeat-timeout", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register, { heartbeatTimeout: "5 seconds" })
    )
  },
  "7-13": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-heartbeat", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register, { heartbeatTimeout: "10 seconds" })
    )
  },
  "7-14": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-timeout-caught", input: event(Schema.String) },
      ({ Input }) =>
        Durable.waitForCallback(Input, register, { timeout: "3 seconds" }).pipe(
          Effect.catchTag("CallbackTimeoutError", () => Effect.succeed("timed-out-handled"))
        )
    )
  },
  "7-15": {
    workflow: Durable.workflow(
      { name: "wait-for-callback-empty", input: event(Schema.String) },
      ({ Input }) => Durable.waitForCallback(Input, register)
    )
  }
}
