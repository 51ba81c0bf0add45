/**
 * `npm start`: runs hello-world on the embedded local service (the in-memory
 * emulator of the Lambda durable execution API) on the real clock, and prints
 * each invocation and each operation as it happens, then the result.
 */
import { NodeRuntime } from "@effect/platform-node"
import type { Wire } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Clock, Console, Effect } from "effect"
import { HelloWorld } from "./workflow.ts"

const describeUpdate = (update: Wire.OperationUpdate): string => {
  const what = `${update.Action} ${update.Type.toLowerCase()} "${update.Name ?? update.Id}"`
  if (update.StepOptions?.NextAttemptDelaySeconds !== undefined) {
    return `${what} (${update.Error?.ErrorType}: retry in ${update.StepOptions.NextAttemptDelaySeconds}s)`
  }
  if (update.WaitOptions?.WaitSeconds !== undefined) return `${what} (${update.WaitOptions.WaitSeconds}s)`
  if (update.Payload !== undefined) return `${what} → ${update.Payload}`
  if (update.Error !== undefined) return `${what} (${update.Error.ErrorType}: ${update.Error.ErrorMessage})`
  return what
}

const program = Effect.gen(function*() {
  const startedAt = yield* Clock.currentTimeMillis
  const stamp = (at: number) => `[+${((at - startedAt) / 1000).toFixed(3)}s]`

  const print = (event: LocalRunner.Event): Effect.Effect<void> => {
    switch (event._tag) {
      case "ExecutionStarted":
        return Console.log(`${stamp(event.at)} execution started with input ${event.input}\n  ${event.arn}`)
      case "InvocationStarted":
        return Console.log(
          `${stamp(event.at)} invocation #${event.invocation} starts (${event.operationCount} operations in its state)`
        )
      case "Checkpointed":
        return event.updates.length === 0
          ? Console.log(`${stamp(event.at)}   poll #${event.call}`)
          : Console.log(
            `${stamp(event.at)}   checkpoint #${event.call}: ${event.updates.map(describeUpdate).join(", ")}`
          )
      case "OperationsUpdated":
        return Console.log(
          `${stamp(event.at)}   the service completed ${
            event.operations.map((op) => `${op.Type.toLowerCase()} "${op.Name ?? op.Id}" → ${op.Status}`).join(", ")
          }`
        )
      case "CheckpointRejected":
        return Console.log(`${stamp(event.at)}   checkpoint rejected: ${event.error.message}`)
      case "InvocationCompleted":
        return Console.log(`${stamp(event.at)} invocation #${event.invocation} ends: ${event.output.Status}`)
      case "InvocationAbandoned":
        return Console.log(`${stamp(event.at)} invocation #${event.invocation} abandoned: ${event.reason}`)
      case "Sleeping":
        return event.until === undefined
          ? Effect.void
          : Console.log(`${stamp(event.at)} nothing to do until ${stamp(event.until)}, the function is not running`)
      case "ExecutionCompleted":
        return Console.log(`${stamp(event.at)} execution ${event.status}`)
      case "InvokedExecutionStarted":
        return Console.log(`${stamp(event.at)}   the service started ${event.executionArn}`)
    }
  }

  yield* Console.log("effect-durable · hello-world on the embedded local service\n")
  const result = yield* LocalRunner.run(HelloWorld, { name: "Ada" }, { onEvent: print })
  yield* Console.log(
    `\n${result.status} after ${result.invocations.length} invocations and ${result.checkpointCalls} checkpoint calls`
  )
  if (result.status === "SUCCEEDED") yield* Console.log("result:", result.output)
  else yield* Console.log("error:", result.error)
  yield* Console.log("\noperations:")
  for (const op of result.operations) {
    const attempts = op.StepDetails?.Attempt === undefined ? "" : ` (attempts: ${op.StepDetails.Attempt})`
    yield* Console.log(`  ${op.Id.padEnd(36)} ${op.Type.padEnd(10)} ${(op.Name ?? "").padEnd(18)} ${op.Status}${attempts}`)
  }
})

program.pipe(Effect.provide(Emulator.Emulator.layer), NodeRuntime.runMain)
