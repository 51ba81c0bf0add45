/**
 * `effect-durable dev` end to end, as a user runs it: a child process on a
 * free loopback port, driven with the real `LambdaClient` (Invoke, history)
 * and with the CLI itself (`callback`, `ls`, `history`), killed with SIGKILL
 * in the middle of an execution, started again: the execution completes, each
 * step ran exactly once, and the wait ended at its scheduled time.
 */
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient
} from "@aws-sdk/client-lambda"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { cli, dev, fixture as fixtureOf, freePort, kill, tempDir, until } from "./cli.ts"

const fixture = fixtureOf("workflows.mjs")
const nothing = fixtureOf("nothing.mjs")

describe("effect-durable dev", () => {
  it.live("survives SIGKILL mid-execution: every execution goes on where it was, each step runs once", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir("effect-durable-dev-")
      const steps = path.join(cwd, "steps.log")
      fs.writeFileSync(steps, "")
      const env = { STEPS_LOG: steps }
      const port = yield* Effect.promise(freePort)
      const args = [fixture, "--port", String(port)]
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const service = yield* dev(cwd, args, env)
        const endpoint = `http://127.0.0.1:${port}`
        const lambda = new LambdaClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } })
        const started = yield* Effect.promise(() =>
          lambda.send(new InvokeCommand({
            FunctionName: "counted",
            InvocationType: "Event",
            DurableExecutionName: "e2e-1",
            Payload: new TextEncoder().encode(JSON.stringify({ label: "e2e" }))
          }))
        )
        const arn = started.DurableExecutionArn!
        // the first step ran, the wait started: kill the service now, mid-execution
        const waitStarted = yield* until("the wait to start", async () => {
          const history = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn }))
          return history.Events?.find((e) => e.EventType === "WaitStarted")
        })
        yield* kill(service, "SIGKILL")
        lambda.destroy()
        return { arn, waitStarted, output: service.output() }
      }))
      assert.include(first.output, "invocation #1 ends: PENDING (WAIT_SCHEDULED)")
      assert.deepStrictEqual(fs.readFileSync(steps, "utf8").trim().split("\n"), ["one"])

      // started again over the same database: the execution goes on
      yield* Effect.scoped(Effect.gen(function*() {
        const service = yield* dev(cwd, args, env)
        const lambda = new LambdaClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } })
        yield* Effect.addFinalizer(() => Effect.sync(() => lambda.destroy()))
        const callbackId = yield* until("the callback", async () => {
          const history = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: first.arn }))
          return history.Events?.find((e) => e.EventType === "CallbackStarted")?.CallbackStartedDetails?.CallbackId
        })

        // bad input: one clear line, a non-zero exit, nothing changed
        const malformed = yield* cli(cwd, ["callback", "succeed", callbackId, "{oops"])
        assert.notStrictEqual(malformed.status, 0)
        assert.match(malformed.stderr.trim(), /^effect-durable: The payload is not valid JSON .*: \{oops$/)
        const unknown = yield* cli(cwd, ["callback", "succeed", "no-such-callback", "{}"])
        assert.notStrictEqual(unknown.status, 0)
        assert.strictEqual(unknown.stderr.trim().split("\n").length, 1)
        assert.match(unknown.stderr, /no-such-callback/)

        // the CLI answers the callback through the running service
        const answered = yield* cli(cwd, ["callback", "succeed", callbackId, "{\"approved\":true}"])
        assert.strictEqual(answered.status, 0, answered.stderr)
        const done = yield* until("the execution to end", async () => {
          const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: first.arn }))
          return execution.Status === "RUNNING" ? undefined : execution
        })
        assert.strictEqual(done.Status, "SUCCEEDED")
        assert.strictEqual(done.Result, JSON.stringify("e2e: {\"approved\":true}"))

        // each step ran exactly once, across the kill
        assert.deepStrictEqual(fs.readFileSync(steps, "utf8").trim().split("\n"), ["one", "two", "three"])
        // the wait kept its scheduled end through the restart
        const history = yield* Effect.promise(() => lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: first.arn })))
        const waitEnded = history.Events!.find((e) => e.EventType === "WaitSucceeded")!
        const scheduled = first.waitStarted.WaitStartedDetails!.ScheduledEndTimestamp!.getTime()
        assert.isAtLeast(waitEnded.EventTimestamp!.getTime(), scheduled)

        const ls = yield* cli(cwd, ["ls"])
        assert.strictEqual(ls.status, 0, ls.stderr)
        assert.match(ls.stdout, /SUCCEEDED\s+counted\s+e2e-1/)
        const svg = path.join(cwd, "timeline.svg")
        const shown = yield* cli(cwd, ["history", "e2e-1", "--timeline", svg])
        assert.strictEqual(shown.status, 0, shown.stderr)
        assert.match(shown.stdout, /WaitSucceeded/)
        assert.match(fs.readFileSync(svg, "utf8"), /^<svg[\s\S]*WAIT_SCHEDULED[\s\S]*<\/svg>$/)
        yield* kill(service, "SIGTERM")
      }))

      // with the service stopped, the commands read the database directly
      const offline = yield* cli(cwd, ["ls"])
      assert.strictEqual(offline.status, 0, offline.stderr)
      assert.match(offline.stdout, /SUCCEEDED\s+counted\s+e2e-1/)
    }).pipe(Effect.scoped), 120_000)

  it.live("run --skip-time runs a day-long wait in a moment, in the terminal view", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir("effect-durable-run-")
      const started = Date.now()
      const run = yield* cli(cwd, ["run", fixture, "Nap", "--memory", "--skip-time"])
      assert.strictEqual(run.status, 0, run.stderr)
      assert.isBelow(Date.now() - started, 30_000)
      assert.include(run.stdout, "invocation #1 ends: PENDING (WAIT_SCHEDULED)")
      assert.match(run.stdout, /\[\+86400\.\d{3}s\]   ⏰ wait "a-day" is over/)
      assert.match(run.stdout, /■ execution .* SUCCEEDED → "rested"/)
    }).pipe(Effect.scoped), 60_000)

  it.live("bad input: a module without workflows, a port in use: one clear line, a non-zero exit", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir("effect-durable-dev-")
      const blocker = net.createServer()
      const port = yield* Effect.promise(() => new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as net.AddressInfo).port))))
      yield* Effect.addFinalizer(() => Effect.sync(() => blocker.close()))
      // independent commands: run together
      const [empty, busy, badInput, noSuch, dashed] = yield* Effect.all([
        cli(cwd, ["dev", nothing, "--memory"]),
        cli(cwd, ["dev", fixture, "--memory", "--port", String(port)]),
        cli(cwd, ["run", fixture, "Counted", "--memory", "--input", "{nope"]),
        cli(cwd, ["history", "nobody"]),
        // after "--", an id that starts with "-" is an id, not a flag
        cli(cwd, ["callback", "succeed", "--", "-no-such-callback", "{}"])
      ], { concurrency: "unbounded" })
      assert.notStrictEqual(empty.status, 0)
      assert.strictEqual(empty.stderr.trim(), `effect-durable: ${nothing} exports no workflow (a value made with Durable.workflow)`)
      assert.notStrictEqual(busy.status, 0)
      assert.strictEqual(busy.stderr.trim(), `effect-durable: Port ${port} on 127.0.0.1 is in use: choose another with --port`)
      assert.notStrictEqual(badInput.status, 0)
      assert.match(badInput.stderr.trim(), /^effect-durable: --input is not valid JSON/)
      assert.notStrictEqual(noSuch.status, 0)
      assert.strictEqual(noSuch.stderr.trim().split("\n").length, 1)
      assert.notStrictEqual(dashed.status, 0)
      assert.match(dashed.stderr.trim(), /^effect-durable: [^\n]*-no-such-callback$/)
    }).pipe(Effect.scoped), 60_000)
})
