/**
 * Handlers of the `invoke` requirements (5-1 to 5-16): chained invokes of other durable
 * functions, names, results, failures, replay, nesting, tenants, payload codecs.
 *
 * The invoked functions are durable workflows too, run as executions of their own on the
 * same emulator. Each takes 100 ms of work before it answers: a real invocation of another
 * function never completes within the few milliseconds the caller takes to suspend.
 */
import { Durable, Payload } from "@effect-durable/core"
import { Effect, Schema } from "effect"
import { anyEvent, event, type Handler, type Suite } from "../src/Handler.ts"

const work = Effect.sleep("100 millis")

/** Returns its input. */
const Echo = Durable.workflow({ name: "echo" }, (input: unknown) => Effect.as(work, input))

/** Always fails. */
const Failing = Durable.workflow(
  { name: "failing" },
  () => Effect.andThen(work, Effect.fail(new Error("the invoked function failed")))
)

/** Returns a string describing its input (for the large payload). */
const Measure = Durable.workflow({ name: "measure" }, (input: unknown) =>
  Effect.as(work, { received: typeof input === "string" ? input.length : 0 }))

const echo = { echo: Echo }

/** Invokes `echo` with the input. */
const invokeEcho = (name: string, handler: Partial<Handler> = {}): Handler => ({
  workflow: Durable.workflow(
    { name, input: anyEvent },
    ({ Input }) => Durable.invoke("call-echo", "echo", Input)
  ),
  functions: echo,
  ...handler
})

/** The payload written upper-cased, as a custom payload codec would (read as it is). */
const UpperCased = Payload.serde<string>({ encode: (text) => JSON.stringify(text.toUpperCase()), decode: (p) => JSON.parse(p ?? "null") })

/** The result read upper-cased, raw text included (the official custom result serdes of the requirement). */
const UpperCasedResult = Payload.serde<string>({ encode: (text) => text, decode: (payload) => (payload ?? "").toUpperCase() })

export const handlers: Suite = {
  "5-1": invokeEcho("invoke-basic"),
  "5-2": {
    workflow: Durable.workflow(
      { name: "invoke-named", input: event(Schema.Struct({ name: Schema.String, payload: Schema.String })) },
      ({ Input }) => Durable.invoke(Input.name, "echo", Input.payload)
    ),
    functions: echo
  },
  "5-3": invokeEcho("invoke-complex"),
  "5-4": invokeEcho("invoke-null"),
  "5-5": {
    workflow: Durable.workflow({ name: "invoke-fails", input: anyEvent }, () => Durable.invoke("call", "failing", null)),
    functions: { failing: Failing }
  },
  "5-6": {
    workflow: Durable.workflow(
      { name: "invoke-failure-caught", input: anyEvent },
      () =>
        Durable.invoke("call", "failing", null).pipe(
          Effect.catchTag("InvokeError", (error) => Effect.succeed({ fallback: true, status: error.status }))
        )
    ),
    functions: { failing: Failing }
  },
  "5-7": {
    workflow: Durable.workflow(
      { name: "invoke-large-payload", input: anyEvent },
      () => Durable.invoke("call", "measure", "x".repeat(200 * 1024))
    ),
    functions: { measure: Measure }
  },
  "5-8": {
    workflow: Durable.workflow(
      { name: "invoke-tenant", input: event(Schema.Struct({ tenantId: Schema.String, payload: Schema.String })) },
      ({ Input }) => Durable.invoke("call", "echo", Input.payload, { tenantId: Input.tenantId })
    ),
    functions: echo
  },
  "5-9": {
    workflow: Durable.workflow(
      { name: "invoke-then-wait", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.invoke("call", "echo", "cached")
        yield* Durable.wait("pause", "1 second")
        return result
      })
    ),
    functions: echo
  },
  "5-10": {
    workflow: Durable.workflow(
      { name: "invoke-failure-then-wait", input: anyEvent },
      Effect.fn(function*() {
        const caught = yield* Durable.invoke("call", "failing", null).pipe(
          Effect.catchTag("InvokeError", (error) => Effect.succeed(error.message))
        )
        yield* Durable.wait("pause", "1 second")
        return { caught }
      })
    ),
    functions: { failing: Failing }
  },
  "5-11": {
    workflow: Durable.workflow(
      { name: "step-then-invoke", input: anyEvent },
      Effect.fn(function*() {
        const prepared = yield* Durable.step("prepare", Effect.succeed({ order: 42 }))
        return yield* Durable.invoke("call", "echo", prepared)
      })
    ),
    functions: echo
  },
  "5-12": {
    workflow: Durable.workflow(
      { name: "invoke-then-step", input: anyEvent },
      Effect.fn(function*() {
        const result = yield* Durable.invoke("call", "echo", { order: 42 })
        return yield* Durable.step("process", Effect.succeed({ processed: result }))
      })
    ),
    functions: echo
  },
  "5-13": {
    workflow: Durable.workflow(
      { name: "invoke-in-child", input: anyEvent },
      () => Durable.child("child", Durable.invoke("call", "echo", "from the child"))
    ),
    functions: echo
  },
  "5-14": {
    workflow: Durable.workflow(
      { name: "invoke-twice", input: anyEvent },
      Effect.fn(function*() {
        const first = yield* Durable.invoke("first", "echo", 1)
        const second = yield* Durable.invoke("second", "echo-again", 2)
        return [first, second]
      })
    ),
    functions: { echo: Echo, "echo-again": Echo }
  },
  "5-15": {
    workflow: Durable.workflow(
      { name: "invoke-payload-codec", input: event(Schema.Struct({ data: Schema.String })) },
      ({ Input }) => Durable.invoke("call", "echo", Input.data, { input: UpperCased })
    ),
    functions: echo
  },
  "5-16": {
    workflow: Durable.workflow(
      { name: "invoke-result-codec", input: event(Schema.String) },
      ({ Input }) => Durable.invoke("call", "echo", Input, { output: UpperCasedResult })
    ),
    functions: echo
  }
}
