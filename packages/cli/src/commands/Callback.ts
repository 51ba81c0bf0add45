/**
 * `effect-durable callback succeed|fail|heartbeat <callback-id> [<json>]`:
 * completes a workflow's callback, as an external system would: on the
 * running `dev` service (through the `DurableClient`), or in the project's
 * database (the next `dev` picks it up).
 *
 * - `succeed <id> [json]`: the result (JSON; `null` when left out);
 * - `fail <id> [json]`: the error, as the service's error object
 *   (`{"ErrorType": "...", "ErrorMessage": "..."}`), or any JSON, which
 *   becomes its message;
 * - `heartbeat <id>`.
 *
 * @since 0.1.0
 */
import { ExecutionApi } from "@effect-durable/client"
import type * as Wire from "@effect-durable/core/Wire"
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import * as Local from "../internal/local.ts"

/**
 * The error of `fail`, as the service's error object: the JSON's own
 * `ErrorType` / `ErrorMessage` / `ErrorData` when it has them (strings), else
 * the JSON as the message.
 */
const errorObjectOf = (value: unknown): Effect.Effect<Wire.ErrorObject, Local.CommandError> => {
  if (typeof value !== "object" || value === null || !("ErrorType" in value || "ErrorMessage" in value)) {
    return Effect.succeed({ ErrorType: "Error", ErrorMessage: typeof value === "string" ? value : JSON.stringify(value) })
  }
  const fields = value as Record<string, unknown>
  const error: Record<string, string> = {}
  for (const field of ["ErrorType", "ErrorMessage", "ErrorData"] as const) {
    if (fields[field] === undefined) continue
    if (typeof fields[field] !== "string") {
      return Effect.fail(new Local.CommandError({ message: `The error's ${field} must be a string: ${JSON.stringify(value)}` }))
    }
    error[field] = fields[field]
  }
  return Effect.succeed(error as Wire.ErrorObject)
}

/**
 * The `callback` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "callback",
  {
    action: Argument.Literals("action", ["succeed", "fail", "heartbeat"]).pipe(
      Argument.withDescription("succeed, fail or heartbeat")
    ),
    callbackId: Argument.String("callback-id").pipe(Argument.withDescription("The callback's id")),
    json: Argument.String("json").pipe(Argument.withDescription("The result (succeed) or the error (fail), as JSON"), Argument.optional)
  },
  Effect.fn(function*({ action, callbackId, json }) {
    const value = Option.isSome(json) ? yield* Local.parseJson(json.value, "The payload") : undefined
    // The same request either way: the result as JSON text, the error as the service's error object.
    const result = JSON.stringify(value ?? null)
    const error = action === "fail" ? yield* errorObjectOf(value ?? "Failed from the command line") : undefined
    const running = yield* Local.runningService
    if (Option.isSome(running)) {
      yield* Effect.gen(function*() {
        const api = yield* ExecutionApi.ExecutionApi
        if (action === "succeed") yield* api.sendCallbackSuccess({ CallbackId: callbackId, Result: result })
        else if (error !== undefined) yield* api.sendCallbackFailure({ CallbackId: callbackId, Error: error })
        else yield* api.sendCallbackHeartbeat({ CallbackId: callbackId })
      }).pipe(Effect.provide(Local.clientOf(running.value)))
    } else {
      yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        if (action === "succeed") yield* emulator.sendCallbackSuccess(callbackId, result)
        else if (error !== undefined) yield* emulator.sendCallbackFailure(callbackId, error)
        else yield* emulator.sendCallbackHeartbeat(callbackId)
      }).pipe(Effect.provide(Local.projectEmulator(Option.none(), { readonly: false })))
    }
    yield* Console.log(`callback ${callbackId}: ${action === "heartbeat" ? "heartbeat sent" : action === "succeed" ? "succeeded" : "failed"}`)
  }, Effect.mapError(Local.toCommandError))
).pipe(Command.withDescription("Complete a callback: succeed, fail or heartbeat"))
