/**
 * `effect-durable stop <execution>`: stops a running execution (ARN or
 * name), on the running `dev` service or in the project's database.
 *
 * @since 0.1.0
 */
import { DurableClient } from "@effect-durable/client"
import { Emulator } from "@effect-durable/testing"
import { Console, Effect, Option, Stream } from "effect"
import { Argument, Command } from "effect/cli"
import * as Local from "../internal/local.ts"

/**
 * The `stop` command.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make(
  "stop",
  { execution: Argument.String("execution").pipe(Argument.withDescription("The execution's ARN or name")) },
  Effect.fn(function*({ execution }) {
    /** Stopping an execution that has ended is refused, on the service and in the database alike. */
    const ended = (status: string) =>
      new Local.CommandError({ message: `The execution ${execution} has already ended: ${status}` })
    const running = yield* Local.runningService
    const stoppedAt = Option.isSome(running)
      ? yield* Effect.gen(function*() {
        const client = yield* DurableClient.DurableClient
        const all = yield* Effect.forEach(running.value.functions, (f) => Stream.runCollect(client.list({ function: f })))
        const handle = client.handle(yield* Local.resolveExecution(execution, all.flat()))
        const { status } = yield* handle.status
        if (status !== "RUNNING") return yield* ended(status)
        return yield* handle.stop()
      }).pipe(Effect.provide(Local.clientOf(running.value)))
      : yield* Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const arn = yield* Local.resolveExecution(execution, (yield* emulator.executions).map((e) => ({ arn: e.arn, name: e.executionName })))
        const { status } = yield* emulator.execution(arn)
        if (status !== "RUNNING") return yield* ended(status)
        return yield* emulator.stop(arn)
      }).pipe(Effect.provide(Local.projectEmulator(Option.none(), { readonly: false })))
    yield* Console.log(`stopped at ${stoppedAt.toISOString()}`)
  }, Effect.mapError(Local.toCommandError))
).pipe(Command.withDescription("Stop a running execution"))
