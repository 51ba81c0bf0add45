/**
 * The light transport against the AWS SDK's `LambdaClient`: the same calls
 * sent through both to a local server that records them must be the same
 * requests (path, query, body bytes, the signature and its headers), their
 * answers must decode to the same values and their failures to the same
 * classified errors. Then its retries (under `TestClock`), timeouts,
 * interruption, configuration, and a durable workflow through the Lambda
 * handler against `LambdaApiServer`.
 */
import { LambdaClient } from "@aws-sdk/client-lambda"
import type { FinalizeHandler, FinalizeHandlerArguments } from "@smithy/types"
import { CheckpointClient, type Wire } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaApiServer from "@effect-durable/testing/LambdaApiServer"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import Http from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, vi } from "vitest"
import { HelloWorld } from "../../../examples/hello-world/workflow.ts"
import * as LambdaHttp from "../src/internal/lambdaHttp.ts"
import * as LambdaCheckpointClient from "../src/LambdaCheckpointClient.ts"
import * as LambdaHandler from "../src/LambdaHandler.ts"
import * as LambdaHttpCheckpointClient from "../src/LambdaHttpCheckpointClient.ts"

// ---------------------------------------------------------------------------
// A server that records requests and answers from a script
// ---------------------------------------------------------------------------

interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: Buffer
}

interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
  /** Never answer (the request stays open until the client gives up). */
  readonly hang?: boolean
  /** Send the head and part of the body, then close the connection. */
  readonly truncate?: boolean
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body)
})

const awsError = (status: number, type: string, message: string): Answer =>
  json(status, { Type: status >= 500 ? "Service" : "User", message }, { "x-amzn-errortype": type })

/** A recording server on 127.0.0.1, closed with the scope; `answer` picks each response. */
const recorder = (answer: (request: Recorded, index: number) => Answer) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly requests: Array<Recorded>; readonly closed: Array<string> }>(
      (resume) => {
        const requests: Array<Recorded> = []
        const closed: Array<string> = []
        const server = Http.createServer((req, res) => {
          // no `Date` header: the AWS SDK would correct its clock by it (clock skew), and sign at another time
          res.sendDate = false
          const chunks: Array<Buffer> = []
          req.on("data", (chunk: Buffer) => chunks.push(chunk))
          req.on("end", () => {
            const headers: Record<string, string> = {}
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
              headers[req.rawHeaders[i]!.toLowerCase()] = req.rawHeaders[i + 1]!
            }
            const recorded = { method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks) }
            requests.push(recorded)
            const reply = answer(recorded, requests.length - 1)
            if (reply.hang === true) {
              res.on("close", () => closed.push(req.url!))
              return
            }
            if (reply.truncate === true) {
              res.writeHead(reply.status, { "content-length": "100" })
              res.write("{\"Checkpoint", () => res.socket?.destroy())
              return
            }
            res.writeHead(reply.status, reply.headers ?? {})
            res.end(reply.body ?? "")
          })
        })
        server.listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo
          resume(Effect.succeed(Object.assign({ url: `http://127.0.0.1:${port}`, requests, closed }, { server })))
        })
      }
    ),
    (recording) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          const server = (recording as unknown as { server: Http.Server }).server
          server.closeAllConnections()
          server.close(() => resolve())
        })
      )
  )

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes="
}
const region = "us-east-1"
// 2026-12-02T05:30:45.678Z
const now = 1_796_189_445_678

const arns = [
  "arn:aws:lambda:us-east-1:123456789012:function:greet:$LATEST/durable-execution/run-1/0d7a1c",
  "arn:aws:lambda:us-east-1:123456789012:function:my-fn:7/durable-execution/ordre n°1 (été)!*'~/abc",
  "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/a%2Fb%20c/é+&=?#"
]

const updates: ReadonlyArray<Wire.OperationUpdate> = [
  { Id: "exec", Type: "EXECUTION", Action: "START" },
  {
    Name: "compose ✉",
    Id: "c4ca4238a0b92382",
    ParentId: "exec",
    SubType: "Step",
    Type: "STEP",
    Action: "SUCCEED",
    Payload: "{\"greeting\":\"Hello, \\\"Ada\\\"\\n\\u0001 \ud83d\ude00 \ud800 \u2028 </script>\"}"
  },
  {
    Action: "FAIL",
    Type: "STEP",
    Id: "b",
    Error: {
      StackTrace: ["at a (file.ts:1:2)", "at b"],
      ErrorData: "{\"code\":42}",
      ErrorType: "Boom",
      ErrorMessage: "no\ttab"
    }
  },
  { Id: "c", Type: "STEP", Action: "RETRY", StepOptions: { NextAttemptDelaySeconds: 5 } },
  { Id: "d", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 3600 } },
  { Id: "e", Type: "CONTEXT", SubType: "RunInChildContext", Action: "SUCCEED", ContextOptions: { ReplayChildren: true } },
  {
    Id: "f",
    Type: "CALLBACK",
    SubType: "Callback",
    Action: "START",
    CallbackOptions: { TimeoutSeconds: 300, HeartbeatTimeoutSeconds: 60 }
  },
  {
    Id: "g",
    Type: "CHAINED_INVOKE",
    SubType: "ChainedInvoke",
    Action: "START",
    Payload: "{}",
    ChainedInvokeOptions: { FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:other:1", TenantId: "t-1" }
  },
  // What the AWS SDK drops or rewrites: undefined members, members outside the model, a non-finite number.
  {
    Id: "h",
    Type: "WAIT",
    Action: "START",
    Name: undefined,
    WaitOptions: { WaitSeconds: Number.NaN },
    Extra: "dropped"
  } as unknown as Wire.OperationUpdate
]

const checkpoints: ReadonlyArray<Wire.CheckpointRequest> = [
  ...arns.map((arn) => ({ DurableExecutionArn: arn, CheckpointToken: "token/1+=", Updates: updates })),
  { DurableExecutionArn: arns[0]!, CheckpointToken: "token-2", Updates: [] },
  { DurableExecutionArn: arns[0]!, CheckpointToken: "token-3" },
  // the AWS SDK checks no label: an empty one is sent (`durable-executions//checkpoint`)
  { DurableExecutionArn: "", CheckpointToken: "token-5" },
  { DurableExecutionArn: arns[1]!, CheckpointToken: "token-4", Updates: updates.slice(0, 2), ClientToken: "given" }
]

const stateRequests: ReadonlyArray<Wire.GetStateRequest> = [
  ...arns.map((arn) => ({ DurableExecutionArn: arn, CheckpointToken: "token/1+=", Marker: "m a/b+c=d&e", MaxItems: 1000 })),
  { DurableExecutionArn: arns[0]!, CheckpointToken: "token-2" },
  { DurableExecutionArn: arns[0]!, CheckpointToken: "token-3", Marker: "" }
]

// 2026-01-01T00:00:00.500Z and one minute later, as the service sends them (epoch seconds), and what the AWS
// SDK reads around them: nulls, members outside the model, a timestamp as text, a number as "NaN".
const operations = [
  {
    Id: "exec",
    Type: "EXECUTION",
    Status: "STARTED",
    StartTimestamp: 1767225600.5,
    ExecutionDetails: { InputPayload: "{\"name\":\"Ada\"}", Unknown: 1 },
    Name: null
  },
  {
    Id: "c4ca4238a0b92382",
    Name: "compose",
    Type: "STEP",
    SubType: "Step",
    Status: "PENDING",
    StartTimestamp: "1767225600.5004",
    EndTimestamp: null,
    StepDetails: {
      Attempt: 1,
      NextAttemptTimestamp: 1767225660,
      Error: { ErrorType: "Boom", ErrorMessage: "no", StackTrace: ["a", "b"], Extra: true }
    },
    Surprise: { a: 1 }
  },
  { Id: "w", Type: "WAIT", Status: "STARTED", StartTimestamp: 1767225600, WaitDetails: { ScheduledEndTimestamp: 1767229200.001 } },
  { Id: "cb", Type: "CALLBACK", Status: "STARTED", CallbackDetails: { CallbackId: "cb-1" } }
]

const okAnswer = (request: Recorded): Answer =>
  request.method === "GET"
    ? json(200, { Operations: operations, NextMarker: "next" })
    : json(200, { CheckpointToken: "token-next", NewExecutionState: { Operations: operations } })

// ---------------------------------------------------------------------------
// The two clients
// ---------------------------------------------------------------------------

/** Fixed time for the AWS SDK (its signer reads `Date`) and fixed UUIDs for both (they draw from `crypto.randomUUID`). */
const fixUuids = () => {
  let n = 0
  const spy = vi.spyOn(globalThis.crypto, "randomUUID").mockImplementation(() => {
    n++
    return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}` as ReturnType<typeof crypto.randomUUID>
  })
  return {
    reset: () => {
      n = 0
    },
    spy
  }
}

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  vi.useRealTimers()
})

/** The AWS SDK's client at `url`, fixed credentials, without `x-amz-user-agent` (its SDK version, signed). */
const awsClient = (
  url: string,
  maxAttempts = 3,
  withCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = credentials
) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new LambdaClient({ endpoint: url, region, credentials: withCredentials, maxAttempts })
      const dropHeader = (next: FinalizeHandler<object, object>) => (args: FinalizeHandlerArguments<object>) => {
        delete (args.request as { headers: Record<string, string> }).headers["x-amz-user-agent"]
        return next(args)
      }
      type Middleware = Parameters<typeof client.middlewareStack.addRelativeTo>[0]
      client.middlewareStack.addRelativeTo(dropHeader as unknown as Middleware, { relation: "before", toMiddleware: "httpSigningMiddleware", name: "dropSdkVersionHeader" })
      return client
    }),
    (client) => Effect.sync(() => client.destroy())
  )

const lightClient = (options: LambdaHttpCheckpointClient.Options) =>
  Effect.gen(function*() {
    const config = yield* Effect.fromResult(LambdaHttpCheckpointClient.resolveConfig({ region, credentials, ...options }, {}))
    return yield* Effect.acquireRelease(
      Effect.sync(() => LambdaHttpCheckpointClient.fromConfig(config, {})),
      (client) => Effect.sync(client.destroy)
    )
  }).pipe(Effect.map((client) => client.service))

const sentHeaders = (request: Recorded) => {
  const { "user-agent": _ua, connection: _connection, ...rest } = request.headers
  return rest
}

const failureOf = <A>(exit: Exit.Exit<A, CheckpointClient.CheckpointClientError>) => {
  assert.isTrue(Exit.isFailure(exit))
  const error = Cause.findErrorOption((exit as Exit.Failure<A, CheckpointClient.CheckpointClientError>).cause)
  assert.isTrue(error._tag === "Some")
  return (error as { value: CheckpointClient.CheckpointClientError }).value
}

const describeError = (error: CheckpointClient.CheckpointClientError) => ({
  message: error.message,
  scope: error.scope,
  errorName: error.errorName,
  statusCode: error.statusCode
})

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe("LambdaHttpCheckpointClient, against LambdaClient", () => {
  it.effect("sends the same requests: path, query, body bytes, signature and signed headers", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const uuids = fixUuids()
      vi.useFakeTimers({ toFake: ["Date"], now })
      yield* TestClock.setTime(now)
      const aws = yield* awsClient(server.url)
      const viaAws = LambdaCheckpointClient.make(aws)
      const light = yield* lightClient({ endpoint: server.url })

      for (const client of [viaAws, light]) {
        uuids.reset()
        for (const request of checkpoints) yield* client.checkpoint(request)
        for (const request of stateRequests) yield* client.getExecutionState(request)
      }
      const calls = checkpoints.length + stateRequests.length
      assert.strictEqual(server.requests.length, 2 * calls)
      for (let i = 0; i < calls; i++) {
        const theirs = server.requests[i]!
        const ours = server.requests[calls + i]!
        assert.strictEqual(ours.method, theirs.method)
        assert.strictEqual(ours.url, theirs.url)
        assert.strictEqual(ours.body.toString("hex"), theirs.body.toString("hex"), `body of ${theirs.url}`)
        assert.deepStrictEqual(sentHeaders(ours), sentHeaders(theirs), `headers of ${theirs.method} ${theirs.url}`)
        assert.match(ours.headers.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261202\/us-east-1\/lambda\//)
        assert.match(ours.headers["user-agent"]!, /^effect-durable\/0\.1\.0 /)
      }
      // what the comparison covers: the idempotency token filled in, or the one given, kept
      const bodies = server.requests.slice(calls, calls + checkpoints.length).map((r) => JSON.parse(r.body.toString()))
      assert.strictEqual(bodies[0].ClientToken, "00000000-0000-4000-8000-000000000001")
      assert.strictEqual(bodies.at(-1).ClientToken, "given")
      assert.strictEqual(server.requests[calls]!.headers["amz-sdk-request"], "attempt=1; max=3")
      assert.strictEqual(bodies[0].Updates[8].WaitOptions.WaitSeconds, "NaN")
    }))

  it.effect("without a session token, and signs each request at the Clock's time", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const uuids = fixUuids()
      vi.useFakeTimers({ toFake: ["Date"], now: now + 86_400_000 })
      yield* TestClock.setTime(now + 86_400_000)
      const keys = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }
      const aws = yield* awsClient(server.url, 3, keys)
      const light = yield* lightClient({ endpoint: server.url, credentials: keys })
      uuids.reset()
      yield* LambdaCheckpointClient.make(aws).checkpoint(checkpoints[0]!)
      uuids.reset()
      yield* light.checkpoint(checkpoints[0]!)
      const [theirs, ours] = server.requests
      assert.isUndefined(ours!.headers["x-amz-security-token"])
      assert.strictEqual(ours!.headers["x-amz-date"], "20261203T053045Z")
      assert.deepStrictEqual(sentHeaders(ours!), sentHeaders(theirs!))
    }))

  it.effect("corrects its clock by the service's Date header, as the AWS SDK does, and retries what the skew failed", () =>
    Effect.gen(function*() {
      // the service's clock is an hour ahead: the first request fails, the retry is signed at the service's time;
      // the retry's answer says two hours, and the next call is signed at that
      const serverDate = new Date(now + 3_600_000).toUTCString()
      const laterDate = new Date(now + 7_200_000).toUTCString()
      const skewed = (request: Recorded, index: number): Answer =>
        index % 3 === 0
          ? {
            ...awsError(403, "InvalidSignatureException", "Signature not yet current"),
            headers: { "x-amzn-errortype": "InvalidSignatureException", date: serverDate }
          }
          : { ...okAnswer(request), headers: { "content-type": "application/json", date: laterDate } }
      const server = yield* recorder(skewed)
      const uuids = fixUuids()
      vi.useFakeTimers({ toFake: ["Date"], now })
      yield* TestClock.setTime(now)
      const aws = yield* awsClient(server.url)
      const light = yield* lightClient({ endpoint: server.url })
      uuids.reset()
      yield* LambdaCheckpointClient.make(aws).checkpoint(checkpoints[0]!)
      yield* LambdaCheckpointClient.make(aws).getExecutionState(stateRequests[0]!)
      uuids.reset()
      const fiber = yield* Effect.forkChild(light.checkpoint(checkpoints[0]!))
      while (server.requests.length < 4) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust(50)
      yield* Fiber.join(fiber)
      yield* light.getExecutionState(stateRequests[0]!)
      assert.strictEqual(server.requests.length, 6)
      for (let i = 0; i < 3; i++) {
        assert.deepStrictEqual(sentHeaders(server.requests[3 + i]!), sentHeaders(server.requests[i]!), `request ${i}`)
      }
      assert.strictEqual(server.requests[3]!.headers["x-amz-date"], "20261202T053045Z")
      assert.strictEqual(server.requests[4]!.headers["x-amz-date"], "20261202T063045Z")
      assert.strictEqual(server.requests[5]!.headers["x-amz-date"], "20261202T073045Z")
    }))

  it.effect("forwards the invocation's trace context as the AWS SDK does (environment, then the runtime's InvokeStore)", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const uuids = fixUuids()
      vi.useFakeTimers({ toFake: ["Date"], now })
      yield* TestClock.setTime(now)
      vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "hello-world")
      vi.stubEnv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
      const aws = LambdaCheckpointClient.make(yield* awsClient(server.url))
      const config = yield* Effect.fromResult(LambdaHttpCheckpointClient.resolveConfig({ region, credentials, endpoint: server.url }, {}))
      const light = yield* Effect.acquireRelease(
        Effect.sync(() => LambdaHttpCheckpointClient.fromConfig(config, process.env)),
        (client) => Effect.sync(client.destroy)
      )
      const both = Effect.gen(function*() {
        uuids.reset()
        yield* aws.checkpoint(checkpoints[0]!)
        uuids.reset()
        yield* light.service.checkpoint(checkpoints[0]!)
        const [theirs, ours] = server.requests.slice(-2)
        assert.deepStrictEqual(sentHeaders(ours!), sentHeaders(theirs!))
        return ours!.headers
      })
      // from the environment (the AWS SDK's call made the runtime's store, empty here)
      const fromEnv = yield* both
      assert.strictEqual(fromEnv["x-amzn-trace-id"], process.env._X_AMZN_TRACE_ID)
      assert.isUndefined(fromEnv.traceparent)
      // from the runtime's InvokeStore, as the Lambda runtime sets it for an invocation
      const store = (globalThis as { awslambda?: { InvokeStore?: { run: (context: unknown, f: () => void) => void } } })
        .awslambda?.InvokeStore
      assert.isDefined(store)
      store!.run({
        [Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID")]: "Root=1-00000000-000000000000000000000001;Sampled=0",
        [Symbol.for("_AWS_LAMBDA_TRACEPARENT")]: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        [Symbol.for("_AWS_LAMBDA_TRACESTATE")]: "congo=t61rcWkgMzE",
        [Symbol.for("_AWS_LAMBDA_BAGGAGE")]: "userId=alice"
      }, () => {})
      const fromStore = yield* both.pipe(Effect.ensuring(Effect.sync(() => store!.run(undefined, () => {}))))
      assert.strictEqual(fromStore["x-amzn-trace-id"], "Root=1-00000000-000000000000000000000001;Sampled=0")
      assert.strictEqual(fromStore.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
      assert.match(fromStore.authorization!, /SignedHeaders=[^,]*baggage;[^,]*traceparent;tracestate;/)
    }))

  it.effect("decodes the answers to the same values", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const aws = yield* awsClient(server.url)
      const viaAws = LambdaCheckpointClient.make(aws)
      const light = yield* lightClient({ endpoint: server.url })
      const theirs = yield* viaAws.checkpoint(checkpoints[0]!)
      const ours = yield* light.checkpoint(checkpoints[0]!)
      assert.deepStrictEqual(ours, theirs)
      assert.deepStrictEqual(
        yield* light.getExecutionState(stateRequests[0]!),
        yield* viaAws.getExecutionState(stateRequests[0]!)
      )
      const step = ours.NewExecutionState?.Operations?.[1]
      assert.deepStrictEqual(step?.StartTimestamp, new Date("2026-01-01T00:00:00.500Z"))
      assert.deepStrictEqual(step?.StepDetails?.NextAttemptTimestamp, new Date("2026-01-01T00:01:00.000Z"))
      assert.isFalse("Name" in ours.NewExecutionState!.Operations![0]!)
      assert.isFalse("EndTimestamp" in step!)
    }))

  it.effect("fails with the same classified errors", () =>
    Effect.gen(function*() {
      const answers: ReadonlyArray<Answer> = [
        awsError(400, "InvalidParameterValueException", "Invalid checkpoint token"),
        awsError(400, "InvalidParameterValueException", "Payload too large"),
        awsError(404, "ResourceNotFoundException", "Execution not found"),
        awsError(502, "KMSAccessDeniedException", "KMS denied"),
        awsError(429, "TooManyRequestsException", "Rate exceeded"),
        awsError(500, "ServiceException", "internal"),
        awsError(409, "com.amazonaws.lambda#ConflictException:http://internal.amazon.com/", "conflict"),
        json(400, { code: "ValidationException", Message: "capital M" }),
        json(400, { __type: "com.amazonaws.lambda#AccessDeniedException", message: "denied" }),
        json(403, {}),
        { status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" },
        { status: 400, body: "" },
        { status: 200, headers: { "content-type": "application/json" }, body: "{\"CheckpointToken\": " },
        json(200, { CheckpointToken: "t", NewExecutionState: { Operations: [{ Id: "a", Type: "STEP", Status: "STARTED", StartTimestamp: "soon" }] } }),
        json(200, { CheckpointToken: 7 })
      ]
      const server = yield* recorder((_, index) => answers[Math.floor(index / 2)]!)
      const aws = yield* awsClient(server.url, 1)
      const viaAws = LambdaCheckpointClient.make(aws)
      const light = yield* lightClient({ endpoint: server.url, maxAttempts: 1 })
      for (let i = 0; i < answers.length; i++) {
        const theirs = failureOf(yield* Effect.exit(viaAws.checkpoint(checkpoints[0]!)))
        const ours = failureOf(yield* Effect.exit(light.checkpoint(checkpoints[0]!)))
        // the AWS SDK adds a hint to a body it could not parse; the rest is the same
        const expected = describeError(theirs)
        const actual = describeError(ours)
        if (theirs.errorName === "SyntaxError" || theirs.errorName === "TypeError") {
          assert.deepStrictEqual({ ...actual, message: "" }, { ...expected, message: "" }, `answer ${i}`)
        } else {
          assert.deepStrictEqual(actual, expected, `answer ${i}`)
        }
      }
    }))
})

describe("LambdaHttpCheckpointClient retries", () => {
  it.effect("retries 5xx as the standard mode does: the same call, re-signed, after a jittered backoff", () =>
    Effect.gen(function*() {
      const server = yield* recorder((request, index) => index < 2 ? awsError(503, "ServiceException", "busy") : okAnswer(request))
      const light = yield* lightClient({ endpoint: server.url })
      const fiber = yield* Effect.forkChild(light.checkpoint(checkpoints[0]!))
      // the first attempt is answered; the next waits for its backoff (at most 50 ms, then 100 ms)
      while (server.requests.length < 1) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust(50)
      while (server.requests.length < 2) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust(100)
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(response.CheckpointToken, "token-next")
      assert.deepStrictEqual(server.requests.map((r) => r.headers["amz-sdk-request"]), [
        "attempt=1; max=3",
        "attempt=2; max=3",
        "attempt=3; max=3"
      ])
      assert.strictEqual(new Set(server.requests.map((r) => r.headers["amz-sdk-invocation-id"])).size, 1)
      assert.strictEqual(new Set(server.requests.map((r) => r.body.toString())).size, 1)
    }))

  it.effect("gives up after 3 attempts with the last failure, its attempts counted", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => awsError(503, "ServiceException", "busy"))
      const light = yield* lightClient({ endpoint: server.url })
      const fiber = yield* Effect.forkChild(Effect.exit(light.checkpoint(checkpoints[0]!)))
      while (server.requests.length < 3) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
        yield* TestClock.adjust(100)
      }
      const error = failureOf(yield* Fiber.join(fiber))
      assert.strictEqual(server.requests.length, 3)
      assert.strictEqual(error.scope, "INVOCATION")
      assert.strictEqual(error.statusCode, 503)
      assert.strictEqual(CheckpointClient.describeFailure(error.cause).attempts, 3)
    }))

  it.effect("does not retry a 4xx", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => awsError(400, "InvalidParameterValueException", "bad"))
      const light = yield* lightClient({ endpoint: server.url })
      const error = failureOf(yield* Effect.exit(light.checkpoint(checkpoints[0]!)))
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(error.scope, "EXECUTION")
      assert.strictEqual(CheckpointClient.describeFailure(error.cause).attempts, 1)
    }))

  it.effect("retries throttling from a 1 s base and honours retry-after", () =>
    Effect.gen(function*() {
      const server = yield* recorder((request, index) =>
        index === 0
          ? { ...awsError(429, "TooManyRequestsException", "slow down"), headers: { "x-amzn-errortype": "TooManyRequestsException", "retry-after": "3" } }
          : okAnswer(request)
      )
      const light = yield* lightClient({ endpoint: server.url })
      const fiber = yield* Effect.forkChild(light.getExecutionState(stateRequests[0]!))
      while (server.requests.length < 1) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* TestClock.adjust(2_999)
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
      assert.strictEqual(server.requests.length, 1, "retried before the service's retry-after")
      yield* TestClock.adjust(1)
      const page = yield* Fiber.join(fiber)
      assert.strictEqual(page.NextMarker, "next")
      assert.strictEqual(server.requests.length, 2)
    }))

  it.effect("retries a refused connection, then fails the invocation", () =>
    Effect.gen(function*() {
      // a port nothing listens on any more
      const closed = yield* Effect.scoped(Effect.map(recorder(okAnswer), (server) => server.url))
      const light = yield* lightClient({ endpoint: closed })
      const fiber = yield* Effect.forkChild(Effect.exit(light.checkpoint(checkpoints[0]!)))
      for (let i = 0; i < 20 && fiber.pollUnsafe() === undefined; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
        yield* TestClock.adjust(100)
      }
      const error = failureOf(yield* Fiber.join(fiber))
      assert.strictEqual(error.scope, "INVOCATION")
      assert.isUndefined(error.statusCode)
      assert.match(error.message, /ECONNREFUSED/)
      assert.strictEqual(CheckpointClient.describeFailure(error.cause).attempts, 3)
    }))

  it("the backoff: full jitter under min(base × 2^n, 20 s); retry-after lengthens it by 5 s at most", () => {
    assert.strictEqual(LambdaHttp.retryDelay("TRANSIENT", 0, 0.999), 49)
    assert.strictEqual(LambdaHttp.retryDelay("TRANSIENT", 1, 0.5), 50)
    assert.strictEqual(LambdaHttp.retryDelay("TRANSIENT", 20, 0.5), 10_000)
    assert.strictEqual(LambdaHttp.retryDelay("THROTTLING", 0, 0.5), 500)
    assert.strictEqual(LambdaHttp.retryDelay("THROTTLING", 1, 0), 0)
    assert.strictEqual(LambdaHttp.retryDelay("TRANSIENT", 0, 0.5, 3_000), 3_000)
    assert.strictEqual(LambdaHttp.retryDelay("TRANSIENT", 0, 0.5, 60_000), 5_025)
    assert.strictEqual(LambdaHttp.retryDelay("THROTTLING", 0, 0.5, 10), 500)
  })

  it("what is retried: throttling, timeouts, Node's network errors, 500/502/503/504; not 4xx, 501, aborts", () => {
    const status = (httpStatusCode: number, name = "X") => ({ name, $metadata: { httpStatusCode } })
    const cases: ReadonlyArray<readonly [unknown, LambdaHttp.RetryKind]> = [
      [status(429), "THROTTLING"],
      [status(400, "ThrottlingException"), "THROTTLING"],
      [status(500), "TRANSIENT"],
      [status(502), "TRANSIENT"],
      [status(503), "TRANSIENT"],
      [status(504), "TRANSIENT"],
      [status(501), "NONE"],
      [status(400), "NONE"],
      [status(403, "InvalidSignatureException"), "NONE"],
      [{ name: "InvalidSignatureException", message: "Signature expired: 2026...", $metadata: { httpStatusCode: 403 } }, "TRANSIENT"],
      [{ name: "TimeoutError", message: "t" }, "TRANSIENT"],
      [{ name: "X", $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }, "TRANSIENT"],
      [Object.assign(new Error("reset"), { code: "ECONNRESET" }), "TRANSIENT"],
      [Object.assign(new Error("dns"), { code: "EAI_AGAIN" }), "TRANSIENT"],
      [new Error("wrapped", { cause: Object.assign(new Error("pipe"), { code: "EPIPE" }) }), "TRANSIENT"],
      [{ name: "AbortError", code: "ECONNRESET" }, "NONE"],
      [new TypeError("x"), "NONE"],
      ["a string", "NONE"]
    ]
    for (const [error, kind] of cases) assert.strictEqual(LambdaHttp.retryKind(error), kind, JSON.stringify(error))
  })
})

describe("LambdaHttpCheckpointClient timeouts and interruption", () => {
  it.live("a request that outlives the request timeout fails as a timeout (an invocation error)", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => ({ status: 200, hang: true }))
      const light = yield* lightClient({ endpoint: server.url, maxAttempts: 1, requestTimeout: 50 })
      const error = failureOf(yield* Effect.exit(light.checkpoint(checkpoints[0]!)))
      assert.strictEqual(error.errorName, "TimeoutError")
      assert.strictEqual(error.scope, "INVOCATION")
    }))

  it.live("an idle socket fails after the socket timeout", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => ({ status: 200, hang: true }))
      const light = yield* lightClient({ endpoint: server.url, maxAttempts: 1, socketTimeout: 50 })
      const error = failureOf(yield* Effect.exit(light.getExecutionState(stateRequests[0]!)))
      assert.strictEqual(error.errorName, "TimeoutError")
    }))

  it.live("a connection closed in the middle of a response fails as a reset, and is retried", () =>
    Effect.gen(function*() {
      const server = yield* recorder((request, index) => index === 0 ? { status: 200, truncate: true } : okAnswer(request))
      const once = yield* lightClient({ endpoint: server.url, maxAttempts: 1 })
      const error = failureOf(yield* Effect.exit(once.checkpoint(checkpoints[0]!)))
      // Node reports it ("aborted", ECONNRESET); a close it does not report is caught as one too
      assert.strictEqual((error.cause as { code?: string }).code, "ECONNRESET", error.message)
      assert.strictEqual(error.scope, "INVOCATION")
      assert.strictEqual(LambdaHttp.retryKind(error.cause), "TRANSIENT")
      const retried = yield* lightClient({ endpoint: server.url })
      assert.strictEqual((yield* retried.checkpoint(checkpoints[0]!)).CheckpointToken, "token-next")
    }))

  it.live("interrupting a call aborts its request", () =>
    Effect.gen(function*() {
      const server = yield* recorder(() => ({ status: 200, hang: true }))
      const light = yield* lightClient({ endpoint: server.url })
      const fiber = yield* Effect.forkChild(light.checkpoint(checkpoints[0]!))
      while (server.requests.length < 1) yield* Effect.sleep(5)
      yield* Fiber.interrupt(fiber)
      while (server.closed.length < 1) yield* Effect.sleep(5)
      assert.strictEqual(server.closed.length, 1)
    }))

  it.live("reuses its connection (keep-alive)", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const sockets = new Set<unknown>()
      const light = yield* lightClient({ endpoint: server.url })
      const original = Http.request
      const spy = vi.spyOn(Http, "request").mockImplementation(((...args: Parameters<typeof Http.request>) => {
        const request = (original as (...a: typeof args) => Http.ClientRequest)(...args)
        request.on("socket", (socket) => sockets.add(socket))
        return request
      }) as typeof Http.request)
      for (let i = 0; i < 3; i++) yield* light.checkpoint(checkpoints[0]!)
      assert.strictEqual(spy.mock.calls.length, 3)
      assert.strictEqual(sockets.size, 1)
    }))
})

describe("LambdaHttpCheckpointClient configuration", () => {
  const keys = { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" }
  const resolved = (options: LambdaHttpCheckpointClient.Options, env: Record<string, string>) =>
    LambdaHttpCheckpointClient.resolveConfig(options, env)
  const endpointOf = (options: LambdaHttpCheckpointClient.Options, env: Record<string, string>) => {
    const result = resolved(options, env)
    return Result.isSuccess(result) ? result.success.endpoint.href : `error (${result.failure.setting})`
  }

  it("Lambda's endpoint for the region, as the AWS SDK resolves it, in every partition, FIPS and dual-stack", async () => {
    const regions = [
      "us-east-1",
      "eu-central-2",
      "ap-southeast-7",
      "mx-central-1",
      "cn-north-1",
      "cn-northwest-1",
      "us-gov-west-1",
      "us-iso-east-1",
      "us-isob-east-1",
      "eu-isoe-west-1",
      "us-isof-south-1",
      "eusc-de-east-1"
    ]
    const client = new LambdaClient({ region: "us-east-1" })
    for (const region of regions) {
      for (const fips of [false, true]) {
        for (const dualStack of [false, true]) {
          const theirs = client.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack })
          const ours = LambdaHttpCheckpointClient.endpointFor(region, { fips, dualStack })
          assert.strictEqual(ours, theirs.url.href.replace(/\/$/, ""), `${region} fips=${fips} dualStack=${dualStack}`)
        }
      }
    }
    client.destroy()
  })

  it("the environment as Lambda sets it: region, keys, the default endpoint", () => {
    const config = resolved({}, { ...keys, AWS_REGION: "eu-west-1", AWS_SESSION_TOKEN: "tok" })
    assert.isTrue(Result.isSuccess(config))
    const { credentials, endpoint, maxAttempts, region, timeouts } = (config as Result.Success<LambdaHttpCheckpointClient.Config, never>).success
    assert.strictEqual(endpoint.href, "https://lambda.eu-west-1.amazonaws.com/")
    assert.strictEqual(region, "eu-west-1")
    assert.strictEqual(credentials, "environment")
    assert.strictEqual(maxAttempts, 3)
    assert.deepStrictEqual(timeouts, { connectionTimeout: 5_000, socketTimeout: 50_000, requestTimeout: 55_000 })
  })

  it("endpoints: the option, AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, FIPS and dual-stack flags", () => {
    const env = { ...keys, AWS_REGION: "us-west-2" }
    assert.strictEqual(endpointOf({}, { ...env, AWS_DEFAULT_REGION: "eu-west-1", AWS_REGION: "" }), "https://lambda.eu-west-1.amazonaws.com/")
    assert.strictEqual(endpointOf({}, { ...env, AWS_ENDPOINT_URL: "http://localhost:9001" }), "http://localhost:9001/")
    assert.strictEqual(
      endpointOf({}, { ...env, AWS_ENDPOINT_URL: "http://a:1", AWS_ENDPOINT_URL_LAMBDA: "http://b:2/base" }),
      "http://b:2/base"
    )
    assert.strictEqual(endpointOf({ endpoint: "https://c" }, { ...env, AWS_ENDPOINT_URL_LAMBDA: "http://b:2" }), "https://c/")
    assert.strictEqual(
      endpointOf({}, { ...env, AWS_ENDPOINT_URL_LAMBDA: "http://b:2", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }),
      "https://lambda.us-west-2.amazonaws.com/"
    )
    assert.strictEqual(endpointOf({}, { ...env, AWS_USE_FIPS_ENDPOINT: "true" }), "https://lambda-fips.us-west-2.amazonaws.com/")
    assert.strictEqual(endpointOf({}, { ...env, AWS_USE_DUALSTACK_ENDPOINT: "true" }), "https://lambda.us-west-2.api.aws/")
    assert.strictEqual(endpointOf({ useFipsEndpoint: false }, { ...env, AWS_USE_FIPS_ENDPOINT: "true" }), "https://lambda.us-west-2.amazonaws.com/")
    assert.strictEqual(endpointOf({ region: "fips-us-gov-west-1" }, env), "https://lambda-fips.us-gov-west-1.amazonaws.com/")
    assert.strictEqual(endpointOf({ region: "cn-north-1" }, env), "https://lambda.cn-north-1.amazonaws.com.cn/")
  })

  it("refuses what it cannot do right, naming the setting, instead of guessing a host", () => {
    const env = { ...keys, AWS_REGION: "us-west-2" }
    assert.strictEqual(endpointOf({}, keys), "error (region)")
    assert.strictEqual(endpointOf({ region: "mars-north-1" }, env), "error (region)")
    assert.strictEqual(endpointOf({ region: "us east 1" }, env), "error (region)")
    assert.strictEqual(endpointOf({}, { ...env, AWS_ENDPOINT_URL_LAMBDA: "http://x", AWS_USE_FIPS_ENDPOINT: "true" }), "error (endpoint)")
    assert.strictEqual(endpointOf({ endpoint: "http://x", useDualstackEndpoint: true }, env), "error (endpoint)")
    assert.strictEqual(endpointOf({ endpoint: "ftp://x" }, env), "error (endpoint)")
    assert.strictEqual(endpointOf({ endpoint: "not a url" }, env), "error (endpoint)")
    assert.strictEqual(endpointOf({}, { ...env, AWS_USE_FIPS_ENDPOINT: "yes" }), "error (AWS_USE_FIPS_ENDPOINT)")
    assert.strictEqual(endpointOf({}, { AWS_REGION: "us-west-2" }), "error (credentials)")
    assert.strictEqual(endpointOf({}, { AWS_REGION: "us-west-2", AWS_ACCESS_KEY_ID: "a" }), "error (credentials)")
    assert.strictEqual(endpointOf({}, { ...env, AWS_PROFILE: "dev" }), "error (credentials)")
    assert.strictEqual(endpointOf({ credentials: { accessKeyId: "", secretAccessKey: "s" } }, env), "error (credentials)")
    assert.strictEqual(endpointOf({}, { ...env, AWS_RETRY_MODE: "adaptive" }), "error (AWS_RETRY_MODE)")
    assert.strictEqual(endpointOf({}, { ...env, AWS_MAX_ATTEMPTS: "0" }), "error (maxAttempts)")
    assert.strictEqual(endpointOf({ requestTimeout: -1 }, env), "error (requestTimeout)")
    const container = resolved({}, { AWS_REGION: "us-west-2", AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1" })
    assert.isTrue(Result.isFailure(container))
    assert.match(
      (container as Result.Failure<never, LambdaHttpCheckpointClient.LambdaHttpConfigurationError>).failure.message,
      /AWS_CONTAINER_CREDENTIALS_FULL_URI is a source this transport does not read/
    )
    const error = resolved({}, keys)
    assert.isTrue(Result.isFailure(error))
    const failure = (error as Result.Failure<never, LambdaHttpCheckpointClient.LambdaHttpConfigurationError>).failure
    assert.strictEqual(failure._tag, "LambdaHttpConfigurationError")
    assert.match(failure.message, /no region: set AWS_REGION/)
    assert.match(failure.message, /default transport, LambdaCheckpointClient/)
  })

  it.effect("credentials from the environment are read for every request", () =>
    Effect.gen(function*() {
      const server = yield* recorder(okAnswer)
      const env: Record<string, string | undefined> = { ...keys, AWS_REGION: region, AWS_ENDPOINT_URL_LAMBDA: server.url }
      const config = yield* Effect.fromResult(LambdaHttpCheckpointClient.resolveConfig({}, env))
      const { destroy, service } = LambdaHttpCheckpointClient.fromConfig(config, env)
      yield* service.checkpoint(checkpoints[0]!)
      env.AWS_ACCESS_KEY_ID = "ROTATED"
      yield* service.checkpoint(checkpoints[0]!)
      delete env.AWS_ACCESS_KEY_ID
      const error = failureOf(yield* Effect.exit(service.checkpoint(checkpoints[0]!)))
      destroy()
      assert.match(server.requests[0]!.headers.authorization!, /Credential=AKID\//)
      assert.match(server.requests[1]!.headers.authorization!, /Credential=ROTATED\//)
      assert.strictEqual(server.requests.length, 2)
      assert.strictEqual(error.errorName, "CredentialsProviderError")
      assert.strictEqual(error.scope, "INVOCATION")
    }))

  it.effect("a handler whose transport cannot be configured rejects every invocation with the configuration error", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport({ region: "mars-north-1" }))(HelloWorld)
      const event = { DurableExecutionArn: arns[0], CheckpointToken: "t", InitialExecutionState: { Operations: [] } }
      const context = { awsRequestId: "r", getRemainingTimeInMillis: () => 60_000 }
      for (let i = 0; i < 2; i++) {
        const rejection = yield* Effect.flip(Effect.tryPromise(() => handler(event, context)))
        const error = rejection.cause as LambdaHandler.LambdaHandlerError
        assert.strictEqual(error.reason, "RuntimeBuildFailed")
        assert.instanceOf(error.cause, LambdaHttpCheckpointClient.LambdaHttpConfigurationError)
        assert.match(error.message, /region "mars-north-1" is in no partition/)
      }
      const layered = yield* Effect.exit(Layer.build(LambdaHttpCheckpointClient.layer({ region: "mars-north-1" })).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(layered))
    }))
})

// ---------------------------------------------------------------------------
// A durable workflow through the Lambda handler, over the light transport
// ---------------------------------------------------------------------------

describe("LambdaHttpCheckpointClient through the Lambda handler", () => {
  it.effect("runs hello-world (steps, a retry, a wait that suspends, the replays) against LambdaApiServer", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const handler = LambdaHandler.makeWith(
        LambdaHttpCheckpointClient.transport({ endpoint: url, region, credentials })
      )(HelloWorld, { policy: { warmup: "0 millis", maxInProcessWait: "0 millis" } })
      const arn = yield* emulator.start({ input: "{\"name\":\"Ada\"}", name: "hello-world" })
      const outcomes: Array<string> = []
      for (let i = 0; i < 5; i++) {
        const event = JSON.parse(JSON.stringify(yield* emulator.invoke(arn)))
        const output = yield* Effect.promise(() =>
          handler(event, { awsRequestId: `req-${i}`, getRemainingTimeInMillis: () => 900_000 })
        )
        yield* emulator.complete(arn, output)
        outcomes.push(output.Status)
        if (output.Status !== "PENDING") break
        const wakeup = yield* emulator.nextWakeup(arn)
        if (wakeup !== undefined) yield* TestClock.adjust(Math.max(0, wakeup - (yield* Clock.currentTimeMillis)))
      }
      yield* Effect.promise(() => handler.dispose())
      const execution = yield* emulator.execution(arn)
      assert.deepStrictEqual(outcomes, ["PENDING", "PENDING", "SUCCEEDED"])
      assert.strictEqual(execution.status, "SUCCEEDED")
      assert.deepStrictEqual(JSON.parse(execution.result!), {
        greeting: "Hello, Ada!",
        deliveredOnAttempt: 2,
        farewell: "Goodbye, Ada."
      })
      const wait = execution.operations.find((o) => o.Type === "WAIT")!
      assert.strictEqual(wait.WaitDetails?.ScheduledEndTimestamp!.getTime(), wait.StartTimestamp!.getTime() + 5_000)
    }).pipe(Effect.provide(LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.layer)))))
})
