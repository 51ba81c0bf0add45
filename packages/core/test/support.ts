/**
 * Test support: run workflows on the emulator under TestClock, play the
 * external world (callbacks, invoked functions), and check that a workflow
 * survives a crash after any of its checkpoints.
 */
import { assert } from "@effect/vitest"
import type { Workflow } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { type Duration, Effect, Queue, type Scope } from "effect"
import type * as Wire from "../src/Wire.ts"

/** Runs a workflow to its end under TestClock. */
export const run = <W extends Workflow.Any>(
  workflow: W,
  input?: LocalRunner.InputOf<W>,
  options?: LocalRunner.TestClockOptions
) => LocalRunner.runUnderTestClock(workflow, input as LocalRunner.InputOf<W>, options)

/** How each invocation ended. */
export const outcomes = (result: LocalRunner.Result<unknown>) => result.invocations.map((i) => i.outcome)

/** The operations the emulator reports changed in an event. */
export const changed = (event: LocalRunner.Event): ReadonlyArray<Wire.Operation> =>
  event._tag === "Checkpointed" || event._tag === "OperationsUpdated" ? event.operations : []

/**
 * Plays the external world: `react` sees every event of the run (in a fiber of
 * its own, so it may sleep) and may act on the emulator. Returns the options
 * to pass to the runner.
 */
export const external = (
  react: (event: LocalRunner.Event, emulator: Emulator.Emulator["Service"]) => Effect.Effect<void, unknown>
): Effect.Effect<LocalRunner.TestClockOptions, never, Emulator.Emulator | Scope.Scope> =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const events = yield* Queue.unbounded<LocalRunner.Event>()
    yield* Effect.forkScoped(Effect.forever(
      Effect.flatMap(Queue.take(events), (event) =>
        Effect.forkScoped(react(event, emulator).pipe(Effect.catchCause(Effect.logError))))
    ))
    return { waitForExternal: true, onEvent: (event) => Queue.offer(events, event).pipe(Effect.asVoid) }
  })

/** Completes every callback the workflow starts, after `delay`, with `result` (or a failure). */
export const answerCallbacks = (
  answer: (operation: Wire.Operation) =>
    | { readonly after: Duration.Input; readonly result: string | undefined }
    | { readonly after: Duration.Input; readonly error: Wire.ErrorObject }
    | undefined
) =>
  external((event, emulator) =>
    Effect.forEach(
      changed(event).filter((op) => op.Type === "CALLBACK" && op.Status === "STARTED"),
      (op) => {
        const response = answer(op)
        const id = op.CallbackDetails?.CallbackId
        if (response === undefined || id === undefined) return Effect.void
        return Effect.sleep(response.after).pipe(
          Effect.andThen("result" in response
            ? emulator.sendCallbackSuccess(id, response.result)
            : emulator.sendCallbackFailure(id, response.error))
        )
      },
      { discard: true }
    )
  )

/** The types, names, subtypes, statuses and parents of the operations, for comparisons across runs. */
export const signature = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.map((op) => [
    op.Type === "EXECUTION" ? "execution" : op.Id,
    op.ParentId ?? null,
    op.Type,
    op.SubType ?? null,
    op.Name ?? null,
    op.Status
  ])

/**
 * Runs the workflow cleanly, then again crashing after each checkpoint in turn:
 * every run must end the same way with the same operations.
 */
export const assertReplaySafe = <W extends Workflow.Any>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: () => Effect.Effect<LocalRunner.TestClockOptions, never, Emulator.Emulator | Scope.Scope> = () =>
    Effect.succeed({})
) =>
  Effect.gen(function*() {
    const clean = yield* Effect.scoped(Effect.flatMap(options(), (o) => run(workflow, input, o)))
    for (let k = 1; k <= clean.checkpointCalls; k++) {
      const crashed = yield* Effect.scoped(
        Effect.flatMap(options(), (o) => run(workflow, input, { ...o, crashAfterCheckpoints: [k] }))
      )
      assert.strictEqual(crashed.status, clean.status, `crash after checkpoint ${k}`)
      if (crashed.status === "SUCCEEDED" && clean.status === "SUCCEEDED") {
        assert.deepStrictEqual(crashed.output, clean.output, `crash after checkpoint ${k}`)
      }
      assert.deepStrictEqual(signature(crashed.operations), signature(clean.operations), `crash after checkpoint ${k}`)
    }
    return clean
  })
