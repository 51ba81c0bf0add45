/**
 * The Lambda handler under bad input (issue 7): a sweep of malformed, hostile
 * and oversized events. Each is either answered (FAILED, as the service
 * expects for a failure of the execution) or rejected with a typed
 * `LambdaHandlerError` (Lambda retries); none makes the handler throw
 * something else or hang, every answer fits Lambda's 6 MB response, and no
 * response (the answer, or the rejection's message and trace) carries a stack
 * frame.
 */
import { CheckpointClient, Durable, Invocation, Payload } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Schema } from "effect"
import * as LambdaHandler from "../src/LambdaHandler.ts"
import { hostile } from "./faults.ts"

/** The handler's logs are not what these tests read. */
const silent = Logger.layer([Logger.make(() => {})])

/** A stack frame as V8 prints one: `at fn (file:line:col)` or `at file:line:col`. */
const stackFrame = /\bat\s+\S.*:\d+:\d+/

const Greet = Durable.workflow(
  { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  ({ name }) => Durable.step("greet", Effect.succeed(`Hello, ${name}`), { success: Schema.String })
)

const context: LambdaHandler.LambdaContext = { awsRequestId: "req", getRemainingTimeInMillis: () => 60_000 }

const deep = (levels: number): unknown => {
  let value: unknown = "bottom"
  for (let i = 0; i < levels; i++) value = { deeper: value }
  return value
}

describe("the Lambda handler under bad input", () => {
  it.live("answers or rejects every bad event cleanly: bounded, typed, no stack frame", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Greet, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client),
        logger: silent
      })
      /** A fresh execution's real event, to spoil one part of. */
      const fresh = (input = JSON.stringify({ name: "Ada" })) =>
        Effect.gen(function*() {
          const arn = yield* emulator.start({ input })
          return JSON.parse(JSON.stringify(yield* emulator.invoke(arn))) as {
            DurableExecutionArn: string
            CheckpointToken: string
            InitialExecutionState: { Operations: Array<Record<string, unknown>>; NextMarker?: unknown }
          }
        })
      const execution = (event: { InitialExecutionState: { Operations: Array<Record<string, unknown>> } }) =>
        event.InitialExecutionState.Operations[0]!

      const circular: Record<string, unknown> = { Id: "a", Type: "STEP", Status: "STARTED", StepDetails: { Attempt: "x" } }
      ;(circular.StepDetails as Record<string, unknown>).loop = circular

      const cases: Array<readonly [string, Effect.Effect<unknown, unknown>]> = [
        ["undefined", Effect.succeed(undefined)],
        ["null", Effect.succeed(null)],
        ["a number", Effect.succeed(42)],
        ["a string", Effect.succeed("event")],
        ["an array", Effect.succeed([])],
        ["an empty object", Effect.succeed({})],
        ["a hostile object", Effect.succeed(hostile())],
        ["no ARN", Effect.map(fresh(), ({ DurableExecutionArn: _, ...rest }) => rest)],
        ["no token", Effect.map(fresh(), ({ CheckpointToken: _, ...rest }) => rest)],
        ["a numeric ARN", Effect.map(fresh(), (e) => ({ ...e, DurableExecutionArn: 7 }))],
        ["a null token", Effect.map(fresh(), (e) => ({ ...e, CheckpointToken: null }))],
        ["a 10 MB ARN", Effect.map(fresh(), (e) => ({ ...e, DurableExecutionArn: e.DurableExecutionArn + "x".repeat(10 << 20) }))],
        ["a 10 MB token", Effect.map(fresh(), (e) => ({ ...e, CheckpointToken: "t".repeat(10 << 20) }))],
        ["a stale token", Effect.map(fresh(), (e) => ({ ...e, CheckpointToken: "stale" }))],
        ["an unknown execution", Effect.map(fresh(), (e) => ({ ...e, DurableExecutionArn: `${e.DurableExecutionArn}-gone` }))],
        ["state that is a string", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: "state" }))],
        ["operations that are not an array", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: {} } }))],
        ["an operation that is a number", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [1] } }))],
        ["an operation without Id", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [{ Type: "EXECUTION", Status: "STARTED" }] } }))],
        ["an unknown Type", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [{ ...execution(e), Type: "THING" }] } }))],
        ["an unknown Status", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [{ ...execution(e), Status: "DONE" }] } }))],
        ["a bad timestamp", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [{ ...execution(e), StartTimestamp: "yesterday" }] } }))],
        ["a numeric marker", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { ...e.InitialExecutionState, NextMarker: 5 } }))],
        ["a marker the service does not know", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { ...e.InitialExecutionState, NextMarker: "nope" } }))],
        ["no EXECUTION operation", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [] } }))],
        ["the same operation twice", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [execution(e), execution(e)] } }))],
        ["UpdatedOperationIds that are not strings", Effect.map(fresh(), (e) => ({ ...e, UpdatedOperationIds: [1, 2] }))],
        ["a 20,000-level deep operation", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [execution(e), deep(20_000)] } }))],
        ["a circular operation", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [execution(e), circular] } }))],
        ["a hostile operation", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: { Operations: [execution(e), hostile()] } }))],
        ["a hostile state", Effect.map(fresh(), (e) => ({ ...e, InitialExecutionState: hostile() }))],
        ["input that is not JSON", fresh("{\"name\":")],
        ["input of the wrong shape", fresh(JSON.stringify({ name: 42 }))],
        ["input of 20 MB", fresh(JSON.stringify({ name: "x".repeat(20 << 20) }))],
        ["a replayed step that failed with a 10 MB message", Effect.map(fresh(), (e) => ({
          ...e,
          InitialExecutionState: {
            Operations: [execution(e), {
              Id: "c4ca4238a0b92382",
              Type: "STEP",
              SubType: "Step",
              Name: "greet",
              Status: "FAILED",
              StepDetails: { Attempt: 1, Error: { ErrorType: "Boom", ErrorMessage: "m".repeat(10 << 20), StackTrace: ["at x (y.ts:1:2)"] } }
            }]
          }
        }))],
        ["a replayed step of another type", Effect.map(fresh(), (e) => ({
          ...e,
          InitialExecutionState: {
            Operations: [execution(e), { Id: "c4ca4238a0b92382", Type: "WAIT", Name: "greet", Status: "SUCCEEDED" }]
          }
        }))]
      ]

      const outcomes: Array<string> = []
      for (const [label, make] of cases) {
        const event = yield* Effect.orElseSucceed(make, () => undefined)
        const settled = yield* Effect.promise(() =>
          handler(event, context).then(
            (output) => ({ _tag: "Answered", output }) as const,
            (error: unknown) => ({ _tag: "Rejected", error }) as const
          )
        )
        if (settled._tag === "Answered") {
          const json = JSON.stringify(settled.output)
          assert.notMatch(json, stackFrame, `${label}: a stack frame in the answer`)
          assert.isAtMost(Buffer.byteLength(json), Invocation.maxInlineResultBytes, `${label}: the answer fits`)
          if (settled.output.Status === "FAILED") {
            assert.isAtMost(Payload.byteLength(settled.output.Error.ErrorMessage), Payload.maxMessageBytes, label)
            assert.isUndefined(settled.output.Error.StackTrace, `${label}: no StackTrace`)
          }
          outcomes.push(`${label}: ${settled.output.Status}`)
        } else {
          assert.instanceOf(settled.error, LambdaHandler.LambdaHandlerError, `${label}: a typed rejection`)
          const error = settled.error as LambdaHandler.LambdaHandlerError
          assert.notMatch(error.message, stackFrame, `${label}: a stack frame in the rejection`)
          assert.notMatch(error.stack ?? "", stackFrame, `${label}: a stack frame in the rejection's trace`)
          assert.isAtMost(Buffer.byteLength(error.message), Payload.maxMessageBytes + 200, `${label}: bounded`)
          outcomes.push(`${label}: rejected (${error.reason})`)
        }
      }
      // None hangs, none throws something untyped; and they end as the service expects.
      assert.lengthOf(outcomes, cases.length)
      const expected: Record<string, string> = {
        "a stale token": "rejected (InvocationFailed)",
        "an unknown execution": "FAILED",
        "a 10 MB ARN": "FAILED",
        "input of the wrong shape": "FAILED",
        "a 20,000-level deep operation": "rejected (InvocationFailed)",
        "a circular operation": "rejected (InvocationFailed)",
        "the same operation twice": "rejected (InvocationFailed)",
        "a replayed step that failed with a 10 MB message": "FAILED",
        "a replayed step of another type": "FAILED"
      }
      for (const [label, outcome] of Object.entries(expected)) assert.include(outcomes, `${label}: ${outcome}`)
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)), 60_000)
})

