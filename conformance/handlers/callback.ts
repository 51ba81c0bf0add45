/**
 * Handlers of the `callback` requirements (4-1 to 4-19): createCallback, timeouts,
 * heartbeats, external failures, callbacks mixed with steps and waits, result codecs,
 * several callbacks.
 */
import { type Callback, Durable } from "@effect-durable/core"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"

/** A callback named after the input, awaited: its raw result. */
const awaitNamed = <A = string>(name: string, options?: Callback.Options<A>) =>
  Effect.flatMap(Durable.createCallback<A>(name, options), (callback) => callback.await)

const Pair = event(Schema.Tuple([Schema.String, Schema.String]))

/** The message of a caught failure, for handlers that carry on after it. */
const describe = (error: { readonly _tag: string; readonly message: string }) => `${error._tag}: ${error.message}`

/** The callback payload of 4-15: JSON with an ISO timestamp, decoded to a `Date`. */
const Received = Schema.Struct({ id: Schema.String, message: Schema.String, timestamp: Schema.DateFromString })

export const handlers: Suite = {
  "4-1": {
    workflow: Durable.workflow({ name: "callback-basic", input: event(Schema.String) }, ({ Input }) => awaitNamed(Input))
  },
  "4-2": {
    workflow: Durable.workflow({ name: "callback-named", input: anyEvent }, () => awaitNamed("approval"))
  },
  "4-3": {
    workflow: Durable.workflow(
      { name: "callback-timeout", input: event(Schema.String) },
      ({ Input }) => awaitNamed(Input, { timeout: "5 seconds" })
    )
  },
  "4-4": {
    workflow: Durable.workflow(
      { name: "callback-heartbeat-timeout", input: event(Schema.String) },
      ({ Input }) => awaitNamed(Input, { heartbeatTimeout: "5 seconds" })
    )
  },
  "4-5": {
    workflow: Durable.workflow(
      { name: "callback-heartbeat", input: event(Schema.String) },
      ({ Input }) => awaitNamed(Input, { heartbeatTimeout: "10 seconds" })
    )
  },
  "4-6": {
    workflow: Durable.workflow({ name: "callback-failure", input: event(Schema.String) }, ({ Input }) => awaitNamed(Input))
  },
  "4-7": {
    workflow: Durable.workflow(
      { name: "callback-step-failure", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const callback = yield* Durable.createCallback(Input)
        yield* Durable.step("notify", Effect.succeed(`sent ${callback.callbackId}`))
        return yield* callback.await
      })
    )
  },
  "4-8": {
    workflow: Durable.workflow(
      { name: "callback-step-timeout", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const callback = yield* Durable.createCallback(Input, { timeout: "5 seconds" })
        yield* Durable.step("notify", Effect.succeed(`sent ${callback.callbackId}`))
        return yield* callback.await
      })
    )
  },
  "4-9": {
    workflow: Durable.workflow(
      { name: "callback-during-wait", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const callback = yield* Durable.createCallback(Input)
        yield* Durable.wait("pause", "5 seconds")
        return yield* callback.await
      })
    )
  },
  "4-10": {
    workflow: Durable.workflow(
      { name: "callback-fails-during-wait", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const callback = yield* Durable.createCallback(Input)
        yield* Durable.wait("pause", "5 seconds")
        return yield* callback.await
      })
    )
  },
  "4-11": {
    workflow: Durable.workflow(
      { name: "callback-times-out-during-wait", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const callback = yield* Durable.createCallback(Input, { timeout: "3 seconds" })
        yield* Durable.wait("pause", "6 seconds")
        return yield* callback.await
      })
    )
  },
  "4-12": {
    workflow: Durable.workflow(
      { name: "callback-then-wait", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const result = yield* awaitNamed(Input)
        yield* Durable.wait("pause", "2 seconds")
        return result
      })
    )
  },
  "4-13": {
    workflow: Durable.workflow(
      { name: "callback-failure-caught", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const message = yield* awaitNamed(Input).pipe(
          Effect.catchTag("CallbackExternalError", (error) => Effect.succeed(describe(error)))
        )
        yield* Durable.wait("pause", "2 seconds")
        return message
      })
    )
  },
  "4-14": {
    workflow: Durable.workflow(
      { name: "callback-timeout-caught", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const message = yield* awaitNamed(Input, { timeout: "3 seconds" }).pipe(
          Effect.catchTag("CallbackTimeoutError", (error) => Effect.succeed(describe(error)))
        )
        yield* Durable.wait("pause", "2 seconds")
        return message
      })
    )
  },
  "4-15": {
    workflow: Durable.workflow(
      { name: "callback-decoded-object", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const received = yield* awaitNamed(Input, { schema: Received })
        return { received: { ...received, timestamp: received.timestamp.getTime() / 1000 } }
      })
    )
  },
  "4-16": {
    workflow: Durable.workflow(
      { name: "callback-decoded-number", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        const count = yield* awaitNamed(Input, { schema: Schema.Number })
        return { count, doubled: count * 2 }
      })
    )
  },
  "4-17": {
    workflow: Durable.workflow(
      { name: "callbacks-one-after-the-other", input: Pair },
      Effect.fn(function*({ Input: [a, b] }) {
        const first = yield* awaitNamed(a)
        const second = yield* awaitNamed(b)
        return [first, second]
      })
    )
  },
  "4-18": {
    workflow: Durable.workflow(
      { name: "callbacks-awaited-in-order", input: Pair },
      Effect.fn(function*({ Input: [a, b] }) {
        const first = yield* Durable.createCallback(a)
        const second = yield* Durable.createCallback(b)
        return [yield* first.await, yield* second.await]
      })
    )
  },
  "4-19": {
    workflow: Durable.workflow(
      { name: "callbacks-awaited-in-reverse", input: Pair },
      Effect.fn(function*({ Input: [a, b] }) {
        const first = yield* Durable.createCallback(a)
        const second = yield* Durable.createCallback(b)
        const resultB = yield* second.await
        const resultA = yield* first.await
        return [resultA, resultB]
      })
    )
  }
}
