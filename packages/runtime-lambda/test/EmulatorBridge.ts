/**
 * A real `LambdaClient` whose HTTP requests are answered by the in-memory
 * emulator: requests are parsed from what the SDK serialized, and answers are
 * written as the service writes them (JSON, timestamps in epoch seconds, errors
 * with `x-amzn-errortype`). This plays the part of the Lambda endpoint, so it
 * runs the emulator's effects with `Effect.runPromiseExit`.
 */
import { Wire } from "@effect-durable/core"
import type { Emulator } from "@effect-durable/testing"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import * as StubLambda from "./StubLambda.ts"

const route = /^\/2025-12-01\/durable-executions\/([^/]+)\/(state|checkpoint)$/

/** Dates become epoch seconds, the service's timestamp format. */
const toServiceJson = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime() / 1000
  if (Array.isArray(value)) return value.map(toServiceJson)
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, toServiceJson(field)]))
}

const decodeCheckpointRequest = Schema.decodeUnknownEffect(Wire.CheckpointRequest)
const decodeGetStateRequest = Schema.decodeUnknownEffect(Wire.GetStateRequest)

const answer = async (emulator: Emulator.Emulator["Service"], request: StubLambda.RecordedRequest) => {
  const match = route.exec(request.path)
  if (match === null) return StubLambda.awsError(404, "UnknownOperationException", `No route for ${request.path}`)
  const arn = decodeURIComponent(match[1] ?? "")
  const call: Effect.Effect<unknown, unknown> = match[2] === "state"
    ? Effect.flatMap(
      decodeGetStateRequest({
        DurableExecutionArn: arn,
        ...request.query,
        ...(request.query["MaxItems"] === undefined ? {} : { MaxItems: Number(request.query["MaxItems"]) })
      }),
      emulator.client.getExecutionState
    )
    : Effect.flatMap(
      decodeCheckpointRequest({ DurableExecutionArn: arn, ...(request.body as object) }),
      emulator.client.checkpoint
    )
  const exit = await Effect.runPromiseExit(call)
  if (Exit.isSuccess(exit)) return StubLambda.ok(toServiceJson(exit.value))
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error) && error.value instanceof Error && "scope" in error.value) {
    const statusCode = "statusCode" in error.value && typeof error.value.statusCode === "number"
      ? error.value.statusCode
      : 400
    const name = "errorName" in error.value && typeof error.value.errorName === "string"
      ? error.value.errorName
      : "InvalidParameterValueException"
    return StubLambda.awsError(statusCode, name, error.value.message)
  }
  return StubLambda.awsError(500, "ServiceException", Cause.pretty(exit.cause))
}

/** A `LambdaClient` served by `emulator`, and the requests it sent. */
export const make = (emulator: Emulator.Emulator["Service"]) =>
  StubLambda.make((request) => answer(emulator, request))
