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
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../bin/effect-durable.js", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/workflows.mjs", import.meta.url))
const nothing = fileURLToPath(new URL("./fixtures/nothing.mjs", import.meta.url))

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** Runs the CLI to its end. */
const cli = (cwd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) => {
  // bounded: a command that hangs fails the test instead of blocking it
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Starts `dev` and waits until it serves; killed with the scope. */
const dev = (cwd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ child: ChildProcess; output: () => string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "dev", ...args], { cwd, env: { ...process.env, ...env } })
        let output = ""
        const onData = (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes("web view")) resolve({ child, output: () => output })
        }
        child.stdout.on("data", onData)
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
        child.once("exit", (code) => reject(new Error(`dev exited (${code}) before serving:\n${output}`)))
      })
    ),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

const until = <A>(what: string, poll: () => Promise<A | undefined>, timeout = 40_000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + timeout
    while (Date.now() < deadline) {
      const value = await poll().catch(() => undefined)
      if (value !== undefined) return value
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`timed out waiting for ${what}`)
  })

describe("effect-durable dev", () => {
  it.live("survives SIGKILL mid-execution: every execution goes on where it was, each step runs once", () =>
    Effect.gen(function*() {
      const cwd = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-dev-"))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      const steps = path.join(cwd, "steps.log")
      fs.writeFileSync(steps, "")
      const env = { STEPS_LOG: steps, NO_COLOR: "1" }
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
        service.child.kill("SIGKILL")
        yield* Effect.promise(() => new Promise((resolve) => service.child.once("exit", resolve)))
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
        const malformed = cli(cwd, ["callback", "succeed", callbackId, "{oops"])
        assert.notStrictEqual(malformed.status, 0)
        assert.match(malformed.stderr.trim(), /^effect-durable: The payload is not valid JSON .*: \{oops$/)
        const unknown = cli(cwd, ["callback", "succeed", "no-such-callback", "{}"])
        assert.notStrictEqual(unknown.status, 0)
        assert.strictEqual(unknown.stderr.trim().split("\n").length, 1)
        assert.match(unknown.stderr, /no-such-callback/)

        // the CLI answers the callback through the running service
        const answered = cli(cwd, ["callback", "succeed", callbackId, "{\"approved\":true}"])
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

        const ls = cli(cwd, ["ls"])
        assert.strictEqual(ls.status, 0, ls.stderr)
        assert.match(ls.stdout, /SUCCEEDED\s+counted\s+e2e-1/)
        const svg = path.join(cwd, "timeline.svg")
        const shown = cli(cwd, ["history", "e2e-1", "--timeline", svg])
        assert.strictEqual(shown.status, 0, shown.stderr)
        assert.match(shown.stdout, /WaitSucceeded/)
        assert.match(fs.readFileSync(svg, "utf8"), /^<svg[\s\S]*WAIT_SCHEDULED[\s\S]*<\/svg>$/)
        service.child.kill("SIGTERM")
      }))

      // with the service stopped, the commands read the database directly
      const offline = cli(cwd, ["ls"])
      assert.strictEqual(offline.status, 0, offline.stderr)
      assert.match(offline.stdout, /SUCCEEDED\s+counted\s+e2e-1/)
    }).pipe(Effect.scoped), 120_000)

  it.live("run --skip-time runs a day-long wait in a moment, in the terminal view", () =>
    Effect.gen(function*() {
      const cwd = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-run-"))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      const started = Date.now()
      const run = cli(cwd, ["run", fixture, "Nap", "--memory", "--skip-time"], { NO_COLOR: "1" })
      assert.strictEqual(run.status, 0, run.stderr)
      assert.isBelow(Date.now() - started, 30_000)
      assert.include(run.stdout, "invocation #1 ends: PENDING (WAIT_SCHEDULED)")
      assert.match(run.stdout, /\[\+86400\.\d{3}s\]   ⏰ wait "a-day" is over/)
      assert.match(run.stdout, /■ execution .* SUCCEEDED → "rested"/)
    }).pipe(Effect.scoped), 60_000)

  it.live("bad input: a module without workflows, a port in use: one clear line, a non-zero exit", () =>
    Effect.gen(function*() {
      const cwd = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-durable-dev-"))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      const empty = cli(cwd, ["dev", nothing, "--memory"])
      assert.notStrictEqual(empty.status, 0)
      assert.strictEqual(empty.stderr.trim(), `effect-durable: ${nothing} exports no workflow (a value made with Durable.workflow)`)
      const blocker = net.createServer()
      const port = yield* Effect.promise(() => new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as net.AddressInfo).port))))
      yield* Effect.addFinalizer(() => Effect.sync(() => blocker.close()))
      const busy = cli(cwd, ["dev", fixture, "--memory", "--port", String(port)])
      assert.notStrictEqual(busy.status, 0)
      assert.strictEqual(busy.stderr.trim(), `effect-durable: Port ${port} on 127.0.0.1 is in use: choose another with --port`)
      const badInput = cli(cwd, ["run", fixture, "Counted", "--memory", "--input", "{nope"])
      assert.notStrictEqual(badInput.status, 0)
      assert.match(badInput.stderr.trim(), /^effect-durable: --input is not valid JSON/)
      const noSuch = cli(cwd, ["history", "nobody"])
      assert.notStrictEqual(noSuch.status, 0)
      assert.strictEqual(noSuch.stderr.trim().split("\n").length, 1)
    }).pipe(Effect.scoped), 60_000)
})
