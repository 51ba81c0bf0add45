/**
 * `stop`, `callback fail` and `callback heartbeat` as a user runs them: on
 * the project's running `dev` service (through its Lambda API), then, with
 * the service stopped, in the project's database directly, which the next
 * `dev` picks up. Each does what it says (read back through the API or from
 * the database), and bad input is one line with a non-zero exit.
 */
import { GetDurableExecutionCommand, GetDurableExecutionHistoryCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { Emulator } from "@effect-durable/testing"
import { SqliteStore } from "@effect-durable/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as path from "node:path"
import { cli, dev, fixture, freePort, kill, type Outcome, tempDir, until } from "./cli.ts"

const workflows = fixture("workflows.mjs")
const hour = 3_600_000

/** The command succeeded and printed this line. */
const printed = (outcome: Outcome, line: RegExp) => {
  assert.strictEqual(outcome.status, 0, outcome.stderr)
  assert.match(outcome.stdout.trim(), line)
}

/** The command failed with one line that matches. */
const refused = (outcome: Outcome, line: RegExp) => {
  assert.notStrictEqual(outcome.status, 0)
  assert.strictEqual(outcome.stderr.trim().split("\n").length, 1, outcome.stderr)
  assert.match(outcome.stderr.trim(), line)
}

const lambdaAt = (port: number) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      new LambdaClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        credentials: { accessKeyId: "x", secretAccessKey: "x" }
      })
    ),
    (lambda) => Effect.sync(() => lambda.destroy())
  )

describe("effect-durable stop, callback fail, callback heartbeat", () => {
  it.live("on the running service, then in the database, which the next dev picks up", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir("effect-durable-commands-")
      const database = path.join(cwd, ".effect-durable", "service.db")
      const port = yield* Effect.promise(freePort)
      const args = [workflows, "--port", String(port)]
      const names = ["heartbeat", "fail-online", "stop-online", "stop-offline"] as const
      type Name = typeof names[number]

      const { arns, callbacks } = yield* Effect.scoped(Effect.gen(function*() {
        const service = yield* dev(cwd, args)
        const lambda = yield* lambdaAt(port)
        const arns = {} as Record<Name, string>
        const callbacks = {} as Record<Name, { readonly id: string; readonly at: number }>
        for (const name of names) {
          const started = yield* Effect.promise(() =>
            lambda.send(new InvokeCommand({
              FunctionName: "approval",
              InvocationType: "Event",
              DurableExecutionName: name,
              Payload: new TextEncoder().encode(JSON.stringify(name))
            }))
          )
          arns[name] = started.DurableExecutionArn!
        }
        for (const name of names) {
          callbacks[name] = yield* until(`the callback of ${name}`, async () => {
            const history = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arns[name] }))
            const event = history.Events?.find((e) => e.EventType === "CallbackStarted")
            return event && { id: event.CallbackStartedDetails!.CallbackId!, at: event.EventTimestamp!.getTime() }
          })
        }
        // a second at least, so that the heartbeat visibly moves the callback's heartbeat deadline
        yield* Effect.sleep("1 second")

        const [heartbeat, failed, stopped] = yield* Effect.all([
          cli(cwd, ["callback", "heartbeat", callbacks.heartbeat.id]),
          cli(cwd, ["callback", "fail", callbacks["fail-online"].id, `{"ErrorType":"Rejected","ErrorMessage":"no budget"}`]),
          cli(cwd, ["stop", "stop-online"])
        ], { concurrency: "unbounded" })
        printed(heartbeat, new RegExp(`^callback ${callbacks.heartbeat.id}: heartbeat sent$`))
        printed(failed, new RegExp(`^callback ${callbacks["fail-online"].id}: failed$`))
        printed(stopped, /^stopped at \d{4}-\d\d-\d\dT[\d:.]+Z$/)

        const rejected = yield* until("the failed callback to fail its execution", async () => {
          const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arns["fail-online"] }))
          return execution.Status === "RUNNING" ? undefined : execution
        })
        assert.strictEqual(rejected.Status, "FAILED")
        // the error object sent as it was given (not its JSON text as a message)
        assert.deepStrictEqual(rejected.Error, { ErrorType: "CallbackExternalError", ErrorMessage: "no budget" })
        const halted = yield* Effect.promise(() => lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arns["stop-online"] })))
        assert.strictEqual(halted.Status, "STOPPED")

        // bad input: an execution that ended, an unknown callback, a callback that is closed
        const [again, unknown, closed] = yield* Effect.all([
          cli(cwd, ["stop", "stop-online"]),
          cli(cwd, ["callback", "fail", "no-such-callback"]),
          cli(cwd, ["callback", "heartbeat", callbacks["fail-online"].id])
        ], { concurrency: "unbounded" })
        refused(again, /^effect-durable: .*STOPPED/)
        refused(unknown, /^effect-durable: .*no-such-callback/)
        refused(closed, new RegExp(`^effect-durable: .*${callbacks["fail-online"].id}`))

        yield* kill(service, "SIGTERM")
        return { arns, callbacks }
      }))

      // The service stopped: the commands change the database itself.
      const read = <A, E>(f: (emulator: Emulator.Emulator["Service"]) => Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          return yield* f(yield* Emulator.Emulator)
        }).pipe(
          Effect.provide(Emulator.Emulator.layerStore().pipe(Layer.provide(SqliteStore.layer({ filename: database, readonly: true }))))
        )
      const deadline = (yield* read((emulator) => emulator.nextWakeup(arns.heartbeat)))!
      // the heartbeat sent through the service: its heartbeat deadline is an hour after it, not after the callback's start
      assert.isAtLeast(deadline - (callbacks.heartbeat.at + hour), 900)
      assert.isBelow(deadline - Date.now(), hour)

      printed(yield* cli(cwd, ["callback", "heartbeat", callbacks.heartbeat.id]), /heartbeat sent$/)
      assert.isAbove((yield* read((emulator) => emulator.nextWakeup(arns.heartbeat)))!, deadline)
      printed(yield* cli(cwd, ["callback", "fail", callbacks.heartbeat.id, `"changed my mind"`]), /: failed$/)
      printed(yield* cli(cwd, ["stop", arns["stop-offline"]]), /^stopped at /)
      refused(yield* cli(cwd, ["stop", "stop-offline"]), /^effect-durable: .*STOPPED/)
      const [offlineStopped, waiting] = yield* read((emulator) =>
        Effect.all([emulator.execution(arns["stop-offline"]), emulator.execution(arns.heartbeat)])
      )
      assert.strictEqual(offlineStopped.status, "STOPPED")
      // nothing invokes the function without the service: the execution waits with its callback failed
      assert.strictEqual(waiting.status, "RUNNING")
      assert.strictEqual(waiting.operations.find((o) => o.Type === "CALLBACK")?.Status, "FAILED")

      // Started again, the service invokes it: the callback failed offline fails the execution.
      yield* Effect.scoped(Effect.gen(function*() {
        yield* dev(cwd, args)
        const lambda = yield* lambdaAt(port)
        const ended = yield* until("the execution to end", async () => {
          const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arns.heartbeat }))
          return execution.Status === "RUNNING" ? undefined : execution
        })
        assert.strictEqual(ended.Status, "FAILED")
        assert.deepStrictEqual(ended.Error, { ErrorType: "CallbackExternalError", ErrorMessage: "changed my mind" })
      }))
    }).pipe(Effect.scoped), 120_000)
})
