/**
 * Handlers of the `wait` requirements (2-1 to 2-5): waits, names, durations in other units.
 */
import { Durable } from "@effect-durable/core"
import { Effect } from "effect"
import { anyEvent, type Suite } from "../src/Handler.ts"

export const handlers: Suite = {
  "2-1": {
    workflow: Durable.workflow({ name: "wait-basic", input: anyEvent }, () => Durable.wait("pause", "2 seconds"))
  },
  "2-2": {
    workflow: Durable.workflow({ name: "wait-named", input: anyEvent }, () => Durable.wait("custom_wait_name", "2 seconds"))
  },
  "2-3": {
    workflow: Durable.workflow(
      { name: "wait-sequence", input: anyEvent },
      Effect.fn(function*() {
        yield* Durable.wait("wait-1", "2 seconds")
        yield* Durable.wait("wait-2", "2 seconds")
        return { completedWaits: 2 }
      })
    )
  },
  "2-4": {
    workflow: Durable.workflow({ name: "wait-minutes", input: anyEvent }, () => Durable.wait("pause", "1 minute"))
  },
  "2-5": {
    workflow: Durable.workflow({ name: "wait-hour", input: anyEvent }, () => Durable.wait("pause", "1 hour"))
  }
}
