/**
 * The web view's HTTP API and its live stream, over a real server on a free
 * loopback port (the browser itself is exercised in WebView.browser.test.ts).
 */
import { Durable } from "@effect-durable/core"
import { Emulator, LambdaApiServer, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import * as DevService from "../src/DevService.ts"
import * as LocalServer from "../src/LocalServer.ts"
import type * as Timeline from "../src/Timeline.ts"
import type * as WebView from "../src/WebView.ts"

const Greeter = Durable.workflow(
  { name: "greeter", input: Schema.String, output: Schema.String },
  (name) =>
    Effect.gen(function*() {
      const greeting = yield* Durable.step("greet", Effect.succeed(`Hello, ${name}!`))
      const answer = yield* Durable.waitForCallback("confirm", () => Effect.void)
      return `${greeting} ${answer}`
    })
)

const Server = LocalServer.layer().pipe(Layer.provideMerge(Emulator.Emulator.layer))

const get = (url: string) => Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, type: r.headers.get("content-type"), text: await r.text() })))

/** Reads server-sent events until `until` holds for one, or fails after 10 s. */
const readEvents = (url: string, until: (event: string, data: unknown) => boolean) =>
  Effect.promise(async (signal) => {
    const response = await fetch(url, { signal })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const seen: Array<string> = []
    let buffer = ""
    while (true) {
      const { done, value } = await reader.read()
      if (done) return seen
      buffer += value
      const blocks = buffer.split("\n\n")
      buffer = blocks.pop()!
      for (const block of blocks) {
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event === undefined) continue
        seen.push(event)
        if (until(event, data === undefined ? undefined : JSON.parse(data))) {
          await reader.cancel()
          return seen
        }
      }
    }
  }).pipe(Effect.timeout("10 seconds"))

describe("WebView", () => {
  it.live("serves the page, the list, one execution with its timeline and SVG, and a live stream of changes", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const emulator = yield* Emulator.Emulator

      const page = yield* get(`${url}/`)
      assert.strictEqual(page.status, 200)
      assert.match(page.type!, /text\/html/)
      assert.include(page.text, "local durable service")
      assert.deepStrictEqual(JSON.parse((yield* get(`${url}/ui/api/executions`)).text), { executions: [] })

      // the stream says hello, then names the execution that changes
      const listening = yield* Effect.forkChild(
        readEvents(`${url}/ui/events`, (event, data) => event === "changed" && (data as { arns: Array<string> }).arns.length > 0)
      )
      yield* Effect.sleep("100 millis")
      const run = yield* Effect.forkChild(LocalRunner.run(Greeter, "Ada", { waitForExternal: true }))
      const events = yield* Fiber.join(listening)
      assert.deepStrictEqual([events[0], events.at(-1)], ["hello", "changed"])

      // wait for the callback, as the page would see it
      let detail: { execution: WebView.Summary; timeline: Timeline.Timeline; svg: string } | undefined
      while (detail?.timeline.pendingCallbacks.length !== 1) {
        yield* Effect.sleep("50 millis")
        const [summary] = JSON.parse((yield* get(`${url}/ui/api/executions`)).text).executions as Array<WebView.Summary>
        if (summary === undefined) continue
        detail = JSON.parse((yield* get(`${url}/ui/api/execution?arn=${encodeURIComponent(summary.arn)}&width=900`)).text)
      }
      assert.strictEqual(detail.execution.functionName, "greeter")
      assert.strictEqual(detail.execution.status, "RUNNING")
      assert.strictEqual(detail.execution.pendingCallbacks, 1)
      assert.deepStrictEqual(detail.timeline.operations.map((op) => op.label), ["greet", "confirm", "confirm", "confirm submitter"])
      assert.match(detail.svg, /^<svg[^>]* width="900"/)

      const svg = yield* get(`${url}/ui/api/timeline.svg?arn=${encodeURIComponent(detail.execution.arn)}`)
      assert.strictEqual(svg.type, "image/svg+xml")
      assert.match(svg.text, /^<svg/)

      yield* emulator.sendCallbackSuccess(detail.timeline.pendingCallbacks[0]!.callbackId, "\"welcome\"")
      const result = yield* Fiber.join(run)
      assert.strictEqual(result.status, "SUCCEEDED")
      const done = JSON.parse((yield* get(`${url}/ui/api/execution?arn=${encodeURIComponent(result.arn)}`)).text)
      assert.strictEqual(done.execution.status, "SUCCEEDED")
      assert.strictEqual(done.execution.pendingCallbacks, 0)
    }).pipe(Effect.provide(Server)))

  it.live("on the dev service: lists its functions, and starts an execution as the page's form does (Invoke)", () =>
    Effect.gen(function*() {
      const { url } = yield* DevService.DevService
      assert.deepStrictEqual(JSON.parse((yield* get(`${url}/ui/api/functions`)).text), { functions: ["greeter"] })
      const invoke = (fn: string, headers: Record<string, string>, body: string) =>
        Effect.promise(() =>
          fetch(`${url}/2015-03-31/functions/${fn}/invocations`, {
            method: "POST",
            headers: { "x-amz-invocation-type": "Event", ...headers },
            body
          }).then(async (r) => ({ status: r.status, arn: r.headers.get("x-amz-durable-execution-arn"), text: await r.text() }))
        )
      const started = yield* invoke("greeter", { "x-amz-durable-execution-name": "from-the-form" }, "\"Ada\"")
      assert.strictEqual(started.status, 202)
      const detail = JSON.parse((yield* get(`${url}/ui/api/execution?arn=${encodeURIComponent(started.arn!)}`)).text)
      assert.strictEqual(detail.execution.executionName, "from-the-form")
      assert.strictEqual(detail.execution.input, "\"Ada\"")
      // a function the service does not run is refused (it was accepted, and never ran)
      const unknown = yield* invoke("nobody", {}, "{}")
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(JSON.parse(unknown.text).__type, "ResourceNotFoundException")
      assert.strictEqual(JSON.parse((yield* get(`${url}/ui/api/executions`)).text).executions.length, 1)
    }).pipe(Effect.provide(DevService.layer({ functions: { greeter: Greeter } }).pipe(Layer.provideMerge(Emulator.Emulator.layer)))))

  it.live("without a LocalService, the list of functions is empty", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      assert.deepStrictEqual(JSON.parse((yield* get(`${url}/ui/api/functions`)).text), { functions: [] })
    }).pipe(Effect.provide(Server)))

  it.live("an unknown execution is a 404 with a clear message; the Lambda API still answers next to the view", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const missing = yield* get(`${url}/ui/api/execution?arn=nope`)
      assert.strictEqual(missing.status, 404)
      assert.deepStrictEqual(JSON.parse(missing.text), {
        error: "ResourceNotFoundException",
        message: "No durable execution has the ARN nope"
      })
      const api = yield* get(`${url}/2025-12-01/durable-executions/nope`)
      assert.strictEqual(api.status, 404)
      assert.strictEqual(JSON.parse(api.text).__type, "ResourceNotFoundException")
      const unknown = yield* get(`${url}/elsewhere`)
      assert.strictEqual(JSON.parse(unknown.text).__type, "UnknownOperationException")
    }).pipe(Effect.provide(Server)))
})
