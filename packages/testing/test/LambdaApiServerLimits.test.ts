/**
 * LambdaApiServer under hostile requests (issue 7): bodies are refused as they
 * stream in past the service's limits (never buffered), callback results are
 * capped at 1 MiB, every error has the service's shape, and no response ever
 * carries a stack frame, whatever the request (a sweep of bad inputs) and even
 * when the emulator itself fails.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { request as httpRequest } from "node:http"
import * as EmulatorModule from "../src/Emulator.ts"
import { Emulator } from "../src/Emulator.ts"
import * as LambdaApiServer from "../src/LambdaApiServer.ts"

const withServer = LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.layer))

/** A stack frame as V8 prints one: `at fn (file:line:col)` or `at file:line:col`. */
export const stackFrame = /\bat\s+\S.*:\d+:\d+/

interface Answer {
  readonly status: number
  readonly errorType: string | undefined
  readonly text: string
}

/**
 * Sends `chunks` (up to `total` bytes of them) as a chunked body, or with a declared `Content-Length`, and
 * returns the answer: the server may answer (and close) before the body is all sent.
 */
const post = (
  url: string,
  path: string,
  body: { readonly chunk: Uint8Array; readonly total: number; readonly declared?: number }
) =>
  Effect.callback<Answer & { readonly sent: number }>((resume) => {
    let sent = 0
    let done = false
    const request = httpRequest(`${url}${path}`, {
      method: "POST",
      headers: body.declared === undefined ? { "content-type": "application/json" } : {
        "content-type": "application/json",
        "content-length": String(body.declared)
      }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (data: string) => text += data)
      response.on("end", () => {
        done = true
        const errorType = response.headers["x-amzn-errortype"]
        resume(Effect.succeed({
          status: response.statusCode ?? 0,
          errorType: typeof errorType === "string" ? errorType : undefined,
          text,
          sent
        }))
      })
    })
    // The server may close the connection once it has answered: writes after that fail, which is expected.
    request.on("error", () => {
      if (!done) resume(Effect.succeed({ status: 0, errorType: undefined, text: "", sent }))
    })
    const pump = () => {
      while (!done && sent < body.total) {
        sent += body.chunk.byteLength
        if (!request.write(body.chunk)) return void request.once("drain", pump)
      }
      if (!done) request.end()
    }
    if (body.declared !== undefined && body.total === 0) request.end()
    else pump()
  })

describe("LambdaApiServer limits", () => {
  it.live("a 600 MB body is refused as it streams in (413), without buffering it", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const emulator = yield* Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const path = `/2025-12-01/durable-executions/${encodeURIComponent(arn)}/checkpoint`
      const before = process.memoryUsage().rss
      const answer = yield* post(url, path, { chunk: new Uint8Array(1024 * 1024).fill(32), total: 600 * 1024 * 1024 })
      const grown = process.memoryUsage().rss - before
      assert.strictEqual(answer.status, 413)
      assert.strictEqual(answer.errorType, "RequestTooLargeException")
      assert.include(JSON.parse(answer.text).message, `${LambdaApiServer.maxBodyBytes} bytes`)
      assert.isBelow(answer.sent, 200 * 1024 * 1024, "the server stopped reading long before the end")
      assert.isBelow(grown, 150 * 1024 * 1024, "memory stays flat")
    }).pipe(Effect.provide(withServer)))

  it.live("a body whose Content-Length is over the limit is refused before it is read", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const answer = yield* post(url, "/2025-12-01/durable-executions/arn/stop", {
        chunk: new Uint8Array(0),
        total: 0,
        declared: 600 * 1024 * 1024
      })
      assert.strictEqual(answer.status, 413)
      assert.strictEqual(answer.errorType, "RequestTooLargeException")
    }).pipe(Effect.provide(withServer)))

  it.live("a callback result over 1 MiB is refused; one within the limit completes the callback", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const emulator = yield* Emulator
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const started = yield* emulator.client.checkpoint({
        DurableExecutionArn: arn,
        CheckpointToken: event.CheckpointToken,
        Updates: [{ Id: "cb", Type: "CALLBACK", SubType: "Callback", Action: "START" }]
      })
      const callbackId = started.NewExecutionState!.Operations![0]!.CallbackDetails!.CallbackId!
      const path = `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}/succeed`
      const tooLarge = yield* post(url, path, {
        chunk: new Uint8Array(64 * 1024).fill(120),
        total: EmulatorModule.maxCallbackResultBytes + 64 * 1024
      })
      assert.strictEqual(tooLarge.status, 413)
      assert.strictEqual((yield* emulator.execution(arn)).operations.find((o) => o.Id === "cb")?.Status, "STARTED")
      const fits = yield* post(url, path, { chunk: new TextEncoder().encode("\"ok\""), total: 4 })
      assert.strictEqual(fits.status, 200)
      assert.strictEqual((yield* emulator.execution(arn)).operations.find((o) => o.Id === "cb")?.Status, "SUCCEEDED")
    }).pipe(Effect.provide(withServer)))
})

describe("LambdaApiServer: no stack frame in any response", () => {
  const bad: ReadonlyArray<
    readonly [method: string, path: string, body?: string, headers?: Readonly<Record<string, string>>]
  > = [
    ["GET", "/"],
    ["GET", "/nowhere"],
    ["DELETE", "/2025-12-01/durable-executions/x"],
    ["GET", "/2025-12-01/durable-executions/unknown-arn"],
    ["GET", "/2025-12-01/durable-executions/unknown-arn/history?MaxItems=abc"],
    ["GET", "/2025-12-01/durable-executions/unknown-arn/state?MaxItems=0"],
    ["GET", "/2025-12-01/durable-executions/unknown-arn/state"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "{"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "[]"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "null"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "{\"CheckpointToken\":42}"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "{\"CheckpointToken\":\"t\",\"Updates\":{}}"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", "{\"CheckpointToken\":\"t\",\"Updates\":[{}]}"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/checkpoint", `{"CheckpointToken":"${"t".repeat(100_000)}"}`],
    ["POST", `/2025-12-01/durable-executions/${"a".repeat(200_000)}/checkpoint`, "{\"CheckpointToken\":\"t\"}"],
    ["POST", "/2025-12-01/durable-executions/unknown-arn/stop", "{\"ErrorMessage\":7}"],
    ["POST", "/2025-12-01/durable-execution-callbacks/nope/succeed", "\"x\""],
    ["POST", "/2025-12-01/durable-execution-callbacks/nope/fail", "{"],
    ["POST", "/2025-12-01/durable-execution-callbacks/nope/fail", "{\"ErrorType\":[]}"],
    ["POST", "/2025-12-01/durable-execution-callbacks/nope/heartbeat"],
    ["GET", "/2025-12-01/durable-execution-callbacks/nope/succeed"],
    ["POST", "/2015-03-31/functions/nope/invocations", "{}", { "x-amz-invocation-type": "Sometimes" }],
    ["POST", "/2015-03-31/functions/nope/invocations", "{", { "x-amz-invocation-type": "Event" }],
    ["GET", "/2015-03-31/functions/nope/invocations"],
    ["GET", "/2025-12-01/functions/nope/durable-executions?MaxItems=-1"]
  ]

  const check = (label: string, answer: Answer) => {
    assert.notMatch(answer.text, stackFrame, `${label}: a stack frame in the response`)
    assert.notInclude(answer.text, "node_modules", label)
    if (answer.status >= 400 && answer.text !== "") {
      const body = JSON.parse(answer.text) as Record<string, unknown>
      assert.isString(body.message, label)
      assert.isAtMost((body.message as string).length, 16 * 1024 + 100, `${label}: bounded message`)
    }
  }

  const fetchText = (
    url: string,
    method: string,
    path: string,
    body?: string,
    headers: Readonly<Record<string, string>> = {}
  ) =>
    Effect.promise(async () => {
      const response = await fetch(`${url}${path}`, body === undefined ? { method, headers } : { method, body, headers })
      return {
        status: response.status,
        errorType: response.headers.get("x-amzn-errortype") ?? undefined,
        text: await response.text()
      }
    })

  it.live("sweeps bad requests: each gets the service's error shape, none a stack frame", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      for (const [method, path, body, headers] of bad) {
        const label = `${method} ${path.slice(0, 80)}`
        const answer = yield* fetchText(url, method, path, body, headers)
        assert.isAtLeast(answer.status, 400, label)
        check(label, answer)
      }
    }).pipe(Effect.provide(withServer)))

  it.live("a defect of the emulator is a ServiceException 500 with its message, not its stack", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const answer = yield* fetchText(url, "GET", "/2025-12-01/durable-executions/any")
      assert.strictEqual(answer.status, 500)
      assert.strictEqual(answer.errorType, "ServiceException")
      assert.include(JSON.parse(answer.text).message, "the store is on fire")
      check("defect", answer)
    }).pipe(Effect.provide(
      LambdaApiServer.layer.pipe(Layer.provideMerge(Layer.effect(
        Emulator,
        Effect.map(EmulatorModule.make(), (emulator) =>
          Emulator.of({ ...emulator, execution: () => Effect.die(new Error("the store is on fire")) }))
      )))
    )))
})
