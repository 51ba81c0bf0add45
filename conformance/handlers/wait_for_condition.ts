/**
 * Handlers of the `wait_for_condition` requirements (6-1 to 6-13): polling a
 * state until a strategy stops, names, initial states, fixed delays, giving up,
 * failing checks, object and null states, a custom state format, what follows.
 */
import { Durable, Payload, WaitForCondition } from "@effect-durable/core"
import { Effect, Schedule, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"

/** The check most requirements poll with: the state, incremented. */
const increment = (count: number) => Effect.succeed(count + 1)

/** Polls `increment` from `initial` until the count reaches `target` (5 s, then 7.5 s, ... between checks). */
const countTo = (name: string, initial: number, target: number) =>
  Durable.waitForCondition(name, increment, { initial, until: (count) => count >= target })

/** A job status the check reads, and how many checks it took. */
const Job = Schema.Struct({ status: Schema.Literals(["PENDING", "DONE"]), attempts: Schema.Number })

/** A custom state format: the text, reversed and prefixed (and read back the same way). */
const Reversed = Payload.serde<string>({
  encode: (text) => `reversed:${[...text].reverse().join("")}`,
  decode: (payload) => [...(payload ?? "reversed:").slice("reversed:".length)].reverse().join("")
})

export const handlers: Suite = {
  "6-1": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-basic", input: event(Schema.Number) },
      ({ Input }) => countTo("counter", 0, Input)
    )
  },
  "6-2": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-immediate", input: event(Schema.Number) },
      ({ Input }) =>
        Durable.waitForCondition("already-met", (state: number) => Effect.succeed(state), {
          initial: 5,
          until: (state) => state >= Input
        })
    )
  },
  "6-3": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-named", input: event(Schema.Number) },
      ({ Input }) => countTo("poll-status", 0, Input)
    )
  },
  "6-4": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-initial-state", input: event(Schema.Number) },
      ({ Input }) => countTo("counter", 5, Input)
    )
  },
  "6-5": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-fixed-delay", input: event(Schema.Number) },
      ({ Input }) =>
        Durable.waitForCondition("counter", increment, {
          initial: 0,
          // Every 2 seconds, no back-off, while the count is below the target.
          schedule: Schedule.spaced("2 seconds").pipe(
            Schedule.setInputType<number>(),
            Schedule.while(({ input }) => input < Input)
          )
        })
    )
  },
  "6-6": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-gives-up", input: event(Schema.Number) },
      ({ Input }) =>
        Durable.waitForCondition("never-met", increment, {
          initial: Input,
          // Every 2 seconds, at most 3 checks: the third fails the operation.
          schedule: WaitForCondition.until(() => false, { maxAttempts: 3, initialDelay: "2 seconds", backoffRate: 1 })
        })
    )
  },
  "6-7": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-check-fails", input: anyEvent },
      () =>
        Durable.waitForCondition("status", () => Effect.fail(new Error("the status endpoint is down")), {
          initial: 0,
          until: (count) => count >= 1
        })
    )
  },
  "6-8": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-check-fails-caught", input: anyEvent },
      () =>
        Durable.waitForCondition("status", () => Effect.fail(new Error("the status endpoint is down")), {
          initial: 0,
          until: (count) => count >= 1
        }).pipe(Effect.catchTag("WaitForConditionError", () => Effect.succeed("recovered")))
    )
  },
  "6-9": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-object-state", input: anyEvent },
      () =>
        Durable.waitForCondition(
          "job",
          (job: typeof Job.Type) =>
            Effect.succeed({ status: job.attempts + 1 >= 2 ? "DONE" as const : "PENDING" as const, attempts: job.attempts + 1 }),
          {
            initial: { status: "PENDING", attempts: 0 },
            schema: Job,
            // The official waitStrategy's form: a function of the state and the check's number.
            strategy: (job) => job.status === "PENDING" ? { shouldContinue: true, delay: "5 seconds" } : { shouldContinue: false }
          }
        )
    )
  },
  "6-10": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-null", input: anyEvent },
      () => Durable.waitForCondition("nothing", () => Effect.succeed(null), { initial: null, until: () => true })
    )
  },
  "6-11": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-custom-format", input: anyEvent },
      () =>
        Durable.waitForCondition("append", (text: string) => Effect.succeed(`${text}x`), {
          initial: "",
          schema: Reversed,
          until: (text) => text.length >= 2
        })
    )
  },
  "6-12": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-then-step", input: event(Schema.Number) },
      Effect.fn(function*({ Input }) {
        const count = yield* countTo("counter", 0, Input)
        return yield* Durable.step("multiply", Effect.succeed(count * 10))
      })
    )
  },
  "6-13": {
    workflow: Durable.workflow(
      { name: "wait-for-condition-sequence", input: anyEvent },
      Effect.fn(function*() {
        const first = yield* countTo("first", 0, 2)
        return yield* countTo("second", first, 4)
      })
    )
  }
}
