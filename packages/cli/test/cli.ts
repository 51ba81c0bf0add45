/**
 * The command line as a user runs it, for the end-to-end tests: the built
 * executable in a child process, in a temporary project directory.
 */
import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The `effect-durable` executable (the compiled CLI: `tsc -b` builds it before the tests). */
export const bin = fileURLToPath(new URL("../bin/effect-durable.js", import.meta.url))

/** A fixture's path. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** A free port on 127.0.0.1. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** A temporary directory, removed with the scope. */
export const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), prefix))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

/** What a command printed, and how it exited. */
export interface Outcome {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the CLI to its end; bounded (60 s), so that a command that hangs fails
 * the test instead of blocking it. Commands run concurrently when yielded
 * together.
 */
export const cli = (cwd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Effect.Effect<Outcome> =>
  Effect.callback<Outcome>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.once("close", (status) => {
      clearTimeout(timer)
      resume(Effect.succeed({ status, stdout, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A running `dev` service: its process and everything it printed so far. */
export interface Dev {
  readonly child: ChildProcess
  readonly output: () => string
}

/** Starts `dev` and waits until it serves; killed with the scope. */
export const dev = (cwd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Dev>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "dev", ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } })
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

/** Stops a `dev` service with a signal and waits for its exit. */
export const kill = (service: Dev, signal: NodeJS.Signals) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (service.child.exitCode !== null || service.child.signalCode !== null) return resolve()
      service.child.once("exit", () => resolve())
      service.child.kill(signal)
    })
  )

/** Polls until `poll` gives a value (errors count as not yet). */
export const until = <A>(what: string, poll: () => Promise<A | undefined>, timeout = 40_000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + timeout
    while (Date.now() < deadline) {
      const value = await poll().catch(() => undefined)
      if (value !== undefined) return value
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`timed out waiting for ${what}`)
  })
