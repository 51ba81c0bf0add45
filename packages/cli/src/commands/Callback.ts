/**
 * `effect-durable callback succeed|fail|heartbeat <callback-id> [<json>]`:
 * completes a workflow's callback, as an external system would: on the
 * running `dev` service (through the `DurableClient`), or in the project's
 * database (the next `dev` picks it up).
 *
 * - `succeed <id> [json]`: the result (JSON; `null` when left out);
 * - `fail <id> [json]`: the error, as the service's error object
 *   (`{"ErrorType": "...", "ErrorMessage": "..."}`) or any JSON;
 * - `heartbeat <id>`.
 *
 * @since 0.1.0
 */
import { DurableClient } from "@effect-durable/client"
import type * as Wire from "@effect-durable/core/Wire"
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Option } from "effect"
import { Argument, Command } from "effect/cli"
import * as Local from "../internal/local.ts"

const asErrorObject = (value: unknown): Wire.ErrorObject =>
  typeof value === "object" && value !== null && ("ErrorType" in value || "ErrorMessage" in value)
    ? value as Wire.ErrorObject
    : { ErrorType: "Error", ErrorMessage: typeof value === "string" ? value : JSON.stringify(value) }

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
    const running = yield* Local.runningService
    if (Option.isSome(running)) {
      yield* Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        if (action === "succeed") yield* client.succeed(callbackId, value ?? null)
        else if (action === "fail") yield* client.fail(callbackId, value ?? "Failed from the command line")
        else yield* client.heartbeat(callbackId)
      }).pipe(Effect.provide(Local.clientOf(running.value)))
    } else {
      yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        if (action === "succeed") yield* emulator.sendCallbackSuccess(callbackId, JSON.stringify(value ?? null))
        else if (action === "fail") yield* emulator.sendCallbackFailure(callbackId, asErrorObject(value ?? "Failed from the command line"))
        else yield* emulator.sendCallbackHeartbeat(callbackId)
      }).pipe(Effect.provide(Local.emulatorOf(Local.databaseOf(Option.none()), { readonly: false })))
    }
    yield* Console.log(`callback ${callbackId}: ${action === "heartbeat" ? "heartbeat sent" : action === "succeed" ? "succeeded" : "failed"}`)
  }, Effect.mapError(Local.toCommandError))
).pipe(Command.withDescription("Complete a callback: succeed, fail or heartbeat"))
