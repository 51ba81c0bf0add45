/**
 * The Lambda API over HTTP: the real `LambdaClient` (endpoint override, dummy
 * credentials) against `LambdaApiServer` over the emulator, and workflows run
 * through the whole stack: engine → `LambdaCheckpointClient` → AWS SDK → HTTP →
 * server → emulator. Time is the emulator's `TestClock`, advanced by the test
 * only while the function is not running.
 */
import {
  CheckpointDurableExecutionCommand,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetDurableExecutionStateCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand
} from "@aws-sdk/client-lambda"
import { Durable, RetryPolicy, type Wire, type Workflow } from "@effect-durable/core"
import { LambdaCheckpointClient } from "@effect-durable/runtime-lambda"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Queue, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Emulator } from "../src/Emulator.ts"
import * as LambdaApiServer from "../src/LambdaApiServer.ts"
import * as LocalRunner from "../src/LocalRunner.ts"
import * as LocalService from "../src/LocalService.ts"

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const withServer = (options?: { readonly pageSize?: number }) =>
  LambdaApiServer.layer.pipe(
    Layer.provideMerge(options === undefined ? Emulator.layer : Emulator.layerWith(options))
  )

/** The real AWS client, pointed at the local server (one attempt per call unless told otherwise). */
const lambdaClientWith = (maxAttempts: number) => Effect.gen(function*() {
  const { url } = yield* LambdaApiServer.LambdaApiServer
  return yield* Effect.acquireRelease(
    Effect.sync(() =>
      new LambdaClient({
        endpoint: url,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts
      })
    ),
    (client) => Effect.sync(() => client.destroy())
  )
})

const lambdaClient = lambdaClientWith(1)

/** Sends a command; a rejection comes back as the AWS SDK's exception. */
const send = <A>(f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (error) => error as Error & { $metadata?: { httpStatusCode?: number } } })

/** Raw HTTP, for what no AWS client would send. */
const raw = (path: string, init?: RequestInit) =>
  Effect.gen(function*() {
    const { url } = yield* LambdaApiServer.LambdaApiServer
    return yield* Effect.promise(async () => {
      const response = await fetch(`${url}${path}`, init)
      return {
        status: response.status,
        errorType: response.headers.get("x-amzn-errortype"),
        body: JSON.parse((await response.text()) || "null") as Record<string, unknown>
      }
    })
  })

/**
 * Runs `LocalRunner.run` with the invocations talking HTTP, advancing the
 * TestClock to each wake-up while the runner sleeps (never while an invocation
 * runs).
 */
const runOverHttp = <W extends Workflow.Any>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  options: LocalRunner.Options = {},
  observe?: (client: LambdaClient) => void,
  maxAttempts = 1
) =>
  Effect.gen(function*() {
    const aws = yield* lambdaClientWith(maxAttempts)
    observe?.(aws)
    const client = LambdaCheckpointClient.make(aws)
    const sleeping = yield* Queue.unbounded<LocalRunner.Sleeping>()
    const run = yield* Effect.forkChild(LocalRunner.run(workflow, input, {
      ...options,
      client,
      onEvent: (event) => event._tag === "Sleeping" ? Queue.offer(sleeping, event).pipe(Effect.asVoid) : Effect.void
    }))
    const driver = yield* Effect.forkChild(Effect.forever(Effect.gen(function*() {
      const { at, until } = yield* Queue.take(sleeping)
      // let the runner register its sleep before moving the clock
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      if (until !== undefined) yield* TestClock.adjust(Math.max(0, until - at))
    })))
    const result = yield* Fiber.join(run)
    yield* Fiber.interrupt(driver)
    return result
  })

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { attempt: Schema.Number }) {}

/** Steps, a step that fails once and is retried after 2 s, a 3 s wait. */
const Greeting = Durable.workflow(
  { name: "greeting", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  Effect.fn(function*({ name }) {
    const hello = yield* Durable.step("hello", Effect.succeed(`Hello, ${name}`), { success: Schema.String })
    const attempt = yield* Durable.step(
      "deliver",
      Effect.gen(function*() {
        const { attempt } = yield* Durable.StepContext
        if (attempt === 1) return yield* new Flaky({ attempt })
        return attempt
      }),
      {
        success: Schema.Number,
        error: Flaky,
        retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "2 seconds", jitter: "NONE" })
      }
    )
    yield* Durable.wait("pause", "3 seconds")
    const bye = yield* Durable.step("bye", Effect.succeed(`bye after ${attempt}`), { success: Schema.String })
    return `${hello}; ${bye}`
  })
)

/** Suspend as soon as everything is idle, so that every wait goes through a new invocation. */
const eager: LocalRunner.Options = { policy: { warmup: Duration.zero, maxInProcessWait: Duration.zero } }

const signature = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.map((o) => [
    o.Type === "EXECUTION" ? "execution" : o.Id,
    o.ParentId ?? null,
    o.Type,
    o.SubType ?? null,
    o.Name ?? null,
    o.Status
  ])

const start = Effect.gen(function*() {
  const emulator = yield* Emulator
  const arn = yield* emulator.start({ input: "{\"name\":\"Ada\"}", name: "greeting" })
  const event = yield* emulator.invoke(arn)
  return { emulator, arn, token: event.CheckpointToken }
})

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe("LambdaApiServer", () => {
  it.effect("serves on 127.0.0.1 on a free port", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.notStrictEqual(url, "http://127.0.0.1:0")
    }).pipe(Effect.provide(withServer())))

  it.effect("runs a workflow (steps, a retry, a wait) through the AWS SDK, HTTP and the emulator", () =>
    Effect.gen(function*() {
      const overHttp = yield* runOverHttp(Greeting, { name: "Ada" }, eager)
      const direct = yield* LocalRunner.runUnderTestClock(Greeting, { name: "Ada" }, eager)
      assert.strictEqual(overHttp.status, "SUCCEEDED")
      assert.deepStrictEqual(overHttp.status === "SUCCEEDED" ? overHttp.output : undefined, "Hello, Ada; bye after 2")
      // suspended on the retry, then on the wait
      assert.deepStrictEqual(overHttp.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
      assert.deepStrictEqual(signature(overHttp.operations), signature(direct.operations))
      assert.strictEqual(overHttp.checkpointCalls, direct.checkpointCalls)
      // the emulator's clock moved only between invocations: 2 s of back-off, then 3 s of wait
      const wait = overHttp.operations.find((o) => o.Type === "WAIT")!
      assert.strictEqual(wait.WaitDetails?.ScheduledEndTimestamp!.getTime(), wait.StartTimestamp!.getTime() + 3000)
      assert.strictEqual(overHttp.execution.endTimestamp!.getTime() - overHttp.execution.startTimestamp.getTime(), 5000)
    }).pipe(Effect.provide(withServer())))

  it.effect("pages the state: the engine reads every page over HTTP", () =>
    Effect.gen(function*() {
      const paths: Array<string> = []
      const result = yield* runOverHttp(Greeting, { name: "Ada" }, eager, (client) =>
        client.middlewareStack.add((next) => (args) => {
          const request = args.request as { readonly method?: string; readonly path?: string }
          paths.push(`${request.method} ${request.path?.split("/").at(-1)}`)
          return next(args)
        }, { step: "finalizeRequest" }))
      assert.strictEqual(result.status, "SUCCEEDED")
      assert.deepStrictEqual(
        signature(result.operations),
        signature((yield* LocalRunner.runUnderTestClock(Greeting, { name: "Ada" }, eager)).operations)
      )
      // invocation 2 starts with 3 operations (one page of 2 to read), invocation 3 with 4 (one more)
      assert.strictEqual(paths.filter((p) => p === "GET state").length, 2)
      // the last invocation starts with 4 operations and a first page of 2
      const emulator = yield* Emulator
      const history = yield* emulator.history(result.arn)
      const last = history.filter((e) => e._tag === "InvocationStarted").at(-1)
      assert.strictEqual(last?._tag === "InvocationStarted" ? last.operationCount : 0, 4)

      // and by hand: MaxItems and Marker through the query string
      const { arn, token } = yield* start
      const client = yield* lambdaClient
      yield* send(() =>
        client.send(
          new CheckpointDurableExecutionCommand({
            DurableExecutionArn: arn,
            CheckpointToken: token,
            Updates: [
              { Id: "a", Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: "1" },
              { Id: "b", Type: "STEP", SubType: "Step", Action: "SUCCEED", Payload: "2" }
            ]
          })
        )
      ).pipe(Effect.flatMap((response) =>
        Effect.gen(function*() {
          const next = response.CheckpointToken!
          const first = yield* send(() =>
            client.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: next, MaxItems: 2 }))
          )
          assert.deepStrictEqual(first.Operations?.map((o) => o.Type), ["EXECUTION", "STEP"])
          assert.instanceOf(first.Operations?.[0]?.StartTimestamp, Date)
          assert.isString(first.NextMarker)
          const second = yield* send(() =>
            client.send(
              new GetDurableExecutionStateCommand({
                DurableExecutionArn: arn,
                CheckpointToken: next,
                MaxItems: 2,
                Marker: first.NextMarker!
              })
            )
          )
          assert.deepStrictEqual(second.Operations?.map((o) => o.Id), ["b"])
          assert.isUndefined(second.NextMarker)
        })
      ))
    }).pipe(Effect.provide(withServer({ pageSize: 2 }))))

  it.effect("a stale token: InvalidParameterValueException 400 \"Invalid checkpoint token\", an invocation error", () =>
    Effect.gen(function*() {
      const { arn, token } = yield* start
      const client = yield* lambdaClient
      yield* send(() => client.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: arn, CheckpointToken: token })))
      const error = yield* Effect.flip(
        send(() => client.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: arn, CheckpointToken: token })))
      )
      assert.strictEqual(error.name, "InvalidParameterValueException")
      assert.strictEqual(error.message, "Invalid checkpoint token")
      assert.strictEqual(error.$metadata?.httpStatusCode, 400)
      // through the adapter: classified as the engine expects
      const adapted = yield* Effect.flip(
        LambdaCheckpointClient.make(client).checkpoint({ DurableExecutionArn: arn, CheckpointToken: token })
      )
      assert.strictEqual(adapted.scope, "INVOCATION")
      assert.strictEqual(adapted.statusCode, 400)
      // a rejected update is an execution error
      const fresh = (yield* (yield* Emulator).invoke(arn)).CheckpointToken
      const invalid = yield* Effect.flip(
        LambdaCheckpointClient.make(client).checkpoint({
          DurableExecutionArn: arn,
          CheckpointToken: fresh,
          Updates: [{ Id: "w", Type: "WAIT", Action: "SUCCEED" }]
        })
      )
      assert.strictEqual(invalid.scope, "EXECUTION")
      assert.strictEqual(invalid.errorName, "InvalidParameterValueException")
    }).pipe(Effect.provide(withServer())))

  it.effect("unknown executions are ResourceNotFoundException 404", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/x/nope"
      const commands: ReadonlyArray<() => Promise<unknown>> = [
        () => client.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn })),
        () => client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn })),
        () => client.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: "t" })),
        () => client.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: arn, CheckpointToken: "t" })),
        () => client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }))
      ]
      for (const command of commands) {
        const error = yield* Effect.flip(send(command))
        assert.strictEqual(error.name, "ResourceNotFoundException")
        assert.strictEqual(error.$metadata?.httpStatusCode, 404)
      }
    }).pipe(Effect.provide(withServer())))

  it.effect("callbacks: succeed, fail and heartbeat over HTTP; a closed callback is CallbackTimeoutException", () =>
    Effect.gen(function*() {
      const { arn, emulator, token } = yield* start
      const client = yield* lambdaClient
      // a CALLBACK START made by hand, as createCallback would send it
      const started = yield* send(() =>
        client.send(
          new CheckpointDurableExecutionCommand({
            DurableExecutionArn: arn,
            CheckpointToken: token,
            Updates: [
              { Id: "cb1", Type: "CALLBACK", SubType: "Callback", Action: "START", CallbackOptions: { HeartbeatTimeoutSeconds: 10 } },
              { Id: "cb2", Type: "CALLBACK", SubType: "Callback", Action: "START" }
            ]
          })
        )
      )
      const idOf = (id: string) => started.NewExecutionState?.Operations?.find((o) => o.Id === id)?.CallbackDetails?.CallbackId!
      const [first, second] = [idOf("cb1"), idOf("cb2")]
      assert.isString(first)

      yield* TestClock.adjust("8 seconds")
      yield* send(() => client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: first })))
      yield* TestClock.adjust("8 seconds") // 16 s after START, 8 s after the heartbeat: still open
      yield* send(() =>
        client.send(
          new SendDurableExecutionCallbackSuccessCommand({
            CallbackId: first,
            Result: new TextEncoder().encode("{\"approved\":true}")
          })
        )
      )
      yield* send(() =>
        client.send(
          new SendDurableExecutionCallbackFailureCommand({
            CallbackId: second,
            Error: { ErrorType: "Rejected", ErrorMessage: "no", ErrorData: "{\"by\":\"Bob\"}" }
          })
        )
      )
      const operations = (yield* emulator.execution(arn)).operations
      const cb1 = operations.find((o) => o.Id === "cb1")!
      const cb2 = operations.find((o) => o.Id === "cb2")!
      assert.strictEqual(cb1.Status, "SUCCEEDED")
      assert.strictEqual(cb1.CallbackDetails?.Result, "{\"approved\":true}")
      assert.strictEqual(cb2.Status, "FAILED")
      assert.deepStrictEqual(cb2.CallbackDetails?.Error, { ErrorType: "Rejected", ErrorMessage: "no", ErrorData: "{\"by\":\"Bob\"}" })

      const closed = yield* Effect.flip(
        send(() => client.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: first })))
      )
      assert.strictEqual(closed.name, "CallbackTimeoutException")
      assert.strictEqual(closed.$metadata?.httpStatusCode, 400)
      const unknown = yield* Effect.flip(
        send(() => client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: "callback-nope" })))
      )
      assert.strictEqual(unknown.name, "ResourceNotFoundException")

      // the changes reach the function with its next checkpoint (or invocation)
      const event = yield* emulator.invoke(arn)
      assert.sameMembers([...(event.UpdatedOperationIds ?? [])], ["cb1", "cb2"])
    }).pipe(Effect.provide(withServer())))

  it.effect("GetDurableExecution, StopDurableExecution and GetDurableExecutionHistory", () =>
    Effect.gen(function*() {
      const result = yield* runOverHttp(Greeting, { name: "Ada" }, eager)
      const client = yield* lambdaClient
      const execution = yield* send(() => client.send(new GetDurableExecutionCommand({ DurableExecutionArn: result.arn })))
      assert.strictEqual(execution.Status, "SUCCEEDED")
      assert.strictEqual(execution.DurableExecutionArn, result.arn)
      assert.strictEqual(execution.InputPayload, "{\"name\":\"Ada\"}")
      assert.strictEqual(execution.Result, "\"Hello, Ada; bye after 2\"")
      assert.instanceOf(execution.StartTimestamp, Date)
      assert.strictEqual(execution.EndTimestamp!.getTime() - execution.StartTimestamp!.getTime(), 5000)
      assert.strictEqual(execution.FunctionArn, "arn:aws:lambda:us-east-1:123456789012:function:greeting:$LATEST")

      const history = yield* send(() =>
        client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: result.arn, MaxItems: 1000 }))
      )
      const types = history.Events?.map((e) => `${e.EventType}${e.Name === undefined ? "" : ` ${e.Name}`}`)
      assert.deepStrictEqual(types, [
        "ExecutionStarted execution-1",
        "StepStarted hello",
        "StepSucceeded hello",
        "StepStarted deliver",
        "StepFailed deliver",
        "InvocationCompleted execution-1",
        "StepStarted deliver",
        "StepSucceeded deliver",
        "WaitStarted pause",
        "InvocationCompleted execution-1",
        "WaitSucceeded pause",
        "StepStarted bye",
        "StepSucceeded bye",
        "InvocationCompleted execution-1",
        "ExecutionSucceeded execution-1"
      ])
      assert.deepStrictEqual(history.Events?.map((e) => e.EventId), types?.map((_, i) => i + 1))
      const retry = history.Events?.find((e) => e.EventType === "StepFailed")
      assert.strictEqual(retry?.StepFailedDetails?.RetryDetails?.NextAttemptDelaySeconds, 2)
      assert.strictEqual(retry?.StepFailedDetails?.Error?.Payload?.ErrorType, "Flaky")
      const waitStarted = history.Events?.find((e) => e.EventType === "WaitStarted")
      assert.strictEqual(waitStarted?.WaitStartedDetails?.Duration, 3)
      assert.instanceOf(waitStarted?.WaitStartedDetails?.ScheduledEndTimestamp, Date)
      // paging, newest first, and without data
      const page = yield* send(() =>
        client.send(
          new GetDurableExecutionHistoryCommand({
            DurableExecutionArn: result.arn,
            MaxItems: 2,
            ReverseOrder: true,
            IncludeExecutionData: false
          })
        )
      )
      assert.deepStrictEqual(page.Events?.map((e) => e.EventType), ["ExecutionSucceeded", "InvocationCompleted"])
      assert.isUndefined(page.Events?.[0]?.ExecutionSucceededDetails?.Result?.Payload)
      assert.isString(page.NextMarker)

      // StopDurableExecution on a running execution
      const { arn, emulator } = yield* start
      yield* TestClock.adjust("1 second")
      const stopped = yield* send(() =>
        client.send(
          new StopDurableExecutionCommand({ DurableExecutionArn: arn, Error: { ErrorType: "Cancelled", ErrorMessage: "by ops" } })
        )
      )
      assert.instanceOf(stopped.StopTimestamp, Date)
      const after = yield* emulator.execution(arn)
      assert.strictEqual(after.status, "STOPPED")
      assert.deepStrictEqual(after.error, { ErrorType: "Cancelled", ErrorMessage: "by ops" })
      assert.strictEqual(stopped.StopTimestamp!.getTime(), after.endTimestamp!.getTime())
      const stoppedHistory = yield* send(() => client.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn })))
      const last = stoppedHistory.Events?.at(-1)
      assert.strictEqual(last?.EventType, "ExecutionStopped")
      assert.strictEqual(last?.ExecutionStoppedDetails?.Error?.Payload?.ErrorMessage, "by ops")
      const again = yield* Effect.flip(send(() => client.send(new StopDurableExecutionCommand({ DurableExecutionArn: arn }))))
      assert.strictEqual(again.name, "InvalidParameterValueException")
    }).pipe(Effect.provide(withServer())))

  it.effect("bad requests get a clear 4xx, and the server keeps serving", () =>
    Effect.gen(function*() {
      const { arn, token } = yield* start
      const encoded = encodeURIComponent(arn)
      const notJson = yield* raw(`/2025-12-01/durable-executions/${encoded}/checkpoint`, { method: "POST", body: "{oops" })
      assert.strictEqual(notJson.status, 400)
      assert.strictEqual(notJson.errorType, "InvalidRequestContentException")
      const badShape = yield* raw(`/2025-12-01/durable-executions/${encoded}/checkpoint`, {
        method: "POST",
        body: JSON.stringify({ CheckpointToken: token, Updates: [{ Id: "x", Type: "NOPE", Action: "START" }] })
      })
      assert.strictEqual(badShape.status, 400)
      assert.strictEqual(badShape.errorType, "InvalidParameterValueException")
      assert.include(String(badShape.body["message"]), "Invalid CheckpointDurableExecution request")
      const noToken = yield* raw(`/2025-12-01/durable-executions/${encoded}/state`)
      assert.strictEqual(noToken.status, 400)
      const badMax = yield* raw(`/2025-12-01/durable-executions/${encoded}/state?CheckpointToken=${token}&MaxItems=abc`)
      assert.strictEqual(badMax.status, 400)
      assert.include(String(badMax.body["message"]), "MaxItems")
      const tooMany = yield* raw(`/2025-12-01/durable-executions/${encoded}/state?CheckpointToken=${token}&MaxItems=5000`)
      assert.strictEqual(tooMany.status, 400)
      const badMarker = yield* raw(`/2025-12-01/durable-executions/${encoded}/history?Marker=zzz`)
      assert.strictEqual(badMarker.status, 400)
      const badSegment = yield* raw(`/2025-12-01/durable-executions/%E0%A4%A/state`)
      // refused by the router itself, before any route
      assert.strictEqual(badSegment.status, 404)
      const noRoute = yield* raw(`/2025-12-01/functions/f/event-invoke-config`)
      assert.strictEqual(noRoute.status, 404)
      const wrongMethod = yield* raw(`/2025-12-01/durable-executions/${encoded}/checkpoint`)
      assert.strictEqual(wrongMethod.status, 404)
      assert.strictEqual(wrongMethod.errorType, "UnknownOperationException")
      const badError = yield* raw(`/2025-12-01/durable-execution-callbacks/x/fail`, {
        method: "POST",
        body: JSON.stringify({ ErrorType: 42 })
      })
      assert.strictEqual(badError.status, 400)
      // still serving, and the token was not consumed by the rejected calls
      const fine = yield* raw(`/2025-12-01/durable-executions/${encoded}/state?CheckpointToken=${token}`)
      assert.strictEqual(fine.status, 200)
      assert.deepStrictEqual((fine.body["Operations"] as Array<{ Type: string }>).map((o) => o.Type), ["EXECUTION"])
      assert.isNumber((fine.body["Operations"] as Array<{ StartTimestamp: unknown }>)[0]!.StartTimestamp)
    }).pipe(Effect.provide(withServer())))
})

describe("LambdaApiServer: ClientToken", () => {
  it.effect("a checkpoint whose answer was lost, sent again by the AWS SDK with its ClientToken, is answered again and applied once", () =>
    Effect.gen(function*() {
      let lost = 0
      const result = yield* runOverHttp(Greeting, { name: "Ada" }, eager, (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const answer = await next(args)
            // the service applied the first two checkpoints, their answers never arrive
            if (context.commandName === "CheckpointDurableExecutionCommand" && lost < 2) {
              lost += 1
              throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" })
            }
            return answer
          },
          { step: "deserialize", name: "loseAnswers" }
        ), 3)
      assert.strictEqual(lost, 2)
      assert.strictEqual(result.status, "SUCCEEDED")
      // no invocation failed, nothing was rejected, every update was applied once
      assert.isTrue(result.invocations.every((invocation) => invocation.outcome !== "failed"))
      assert.strictEqual(result.execution.rejectedCalls, 0)
      assert.strictEqual(result.checkpointCalls, result.execution.checkpointCalls)
    }).pipe(Effect.provide(withServer())))
})

// ---------------------------------------------------------------------------
// Invoke and ListDurableExecutionsByFunction
// ---------------------------------------------------------------------------

const Echo = Durable.workflow(
  { name: "echo", input: Schema.Struct({ text: Schema.String }), output: Schema.String },
  ({ text }) => Durable.step("echo", Effect.succeed(text.toUpperCase()))
)

class Refused extends Schema.TaggedError<Refused>()("Refused", { text: Schema.String }) {}

const Refuse = Durable.workflow(
  { name: "refuse", input: Schema.Struct({ text: Schema.String }), error: Refused },
  ({ text }) => Effect.fail(new Refused({ text }))
)

const Nap = Durable.workflow({ name: "nap" }, () => Durable.wait("nap", "1 hour"))

/** The server over a local service running `echo`, `refuse` and `nap`. */
const withFunctions = LambdaApiServer.layer.pipe(
  Layer.provideMerge(LocalService.layer({ echo: Echo, refuse: Refuse, nap: Nap }, { policy: eager.policy })),
  Layer.provideMerge(Emulator.layer)
)

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)

describe("LambdaApiServer: Invoke", () => {
  it.effect("Event starts a durable execution: 202, its ARN and the version; the name is the idempotency key", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const emulator = yield* Emulator
      const invoke = (input: Partial<ConstructorParameters<typeof InvokeCommand>[0]>) =>
        send(() =>
          client.send(new InvokeCommand({ FunctionName: "echo:live", InvocationType: "Event", ...input }))
        )
      const first = yield* invoke({ DurableExecutionName: "e-1", Payload: payload({ text: "hi" }) })
      assert.strictEqual(first.StatusCode, 202)
      assert.match(first.DurableExecutionArn ?? "", /:function:echo:live\/durable-execution\/e-1\//)
      assert.strictEqual(first.ExecutedVersion, "live")
      // the same name and payload: the same execution; another payload: a conflict
      const again = yield* invoke({ DurableExecutionName: "e-1", Payload: payload({ text: "hi" }) })
      assert.strictEqual(again.DurableExecutionArn, first.DurableExecutionArn)
      const conflict = yield* Effect.flip(invoke({ DurableExecutionName: "e-1", Payload: payload({ text: "ho" }) }))
      assert.strictEqual(conflict.name, "DurableExecutionAlreadyStartedException")
      assert.strictEqual(conflict.$metadata?.httpStatusCode, 409)
      // a full ARN, and the qualifier as a parameter
      const byArn = yield* invoke({
        FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:echo:7",
        Payload: payload({ text: "a" })
      })
      assert.match(byArn.DurableExecutionArn ?? "", /:function:echo:7\//)
      const byQualifier = yield* invoke({ FunctionName: "echo", Qualifier: "live", Payload: payload({ text: "b" }) })
      assert.match(byQualifier.DurableExecutionArn ?? "", /:function:echo:live\//)
      // DryRun starts nothing
      const dry = yield* invoke({ InvocationType: "DryRun", Payload: payload({ text: "c" }) })
      assert.strictEqual(dry.StatusCode, 204)
      assert.strictEqual((yield* emulator.executions).length, 3)
    }).pipe(Effect.provide(withFunctions)))

  it.effect("RequestResponse answers the execution's result, or its error as a function error", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const ok = yield* send(() =>
        client.send(new InvokeCommand({ FunctionName: "echo", DurableExecutionName: "r-1", Payload: payload({ text: "hi" }) }))
      )
      assert.strictEqual(ok.StatusCode, 200)
      assert.isUndefined(ok.FunctionError)
      assert.strictEqual(text(ok.Payload), "\"HI\"")
      assert.match(ok.DurableExecutionArn ?? "", /durable-execution\/r-1\//)
      // an ended execution started again with the same name and payload: its result at once
      const reattached = yield* send(() =>
        client.send(new InvokeCommand({ FunctionName: "echo", DurableExecutionName: "r-1", Payload: payload({ text: "hi" }) }))
      )
      assert.strictEqual(reattached.DurableExecutionArn, ok.DurableExecutionArn)
      assert.strictEqual(text(reattached.Payload), "\"HI\"")
      const failed = yield* send(() =>
        client.send(new InvokeCommand({ FunctionName: "refuse", Payload: payload({ text: "no" }) }))
      )
      assert.strictEqual(failed.FunctionError, "Unhandled")
      assert.strictEqual(JSON.parse(text(failed.Payload)).errorType, "Refused")
    }).pipe(Effect.provide(withFunctions)))

  it.effect("RequestResponse gives up after the 15 minutes of a synchronous invocation; the execution goes on", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const emulator = yield* Emulator
      const call = yield* Effect.forkChild(send(() =>
        client.send(new InvokeCommand({ FunctionName: "nap", DurableExecutionName: "n-1", Payload: payload(null) }))
      ))
      const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      // the request travels for real: once it has started the execution (and waits for its end), 16 minutes pass
      while ((yield* emulator.executions).length === 0) yield* realPause
      yield* realPause
      for (let minute = 0; minute < 16; minute++) yield* TestClock.adjust("1 minute")
      const answer = yield* Fiber.join(call)
      assert.strictEqual(answer.FunctionError, "Unhandled")
      assert.strictEqual(JSON.parse(text(answer.Payload)).errorType, "Sandbox.Timedout")
      assert.isBelow(yield* Clock.currentTimeMillis, 60 * 60 * 1000)
      const [execution] = yield* emulator.executions
      assert.strictEqual(execution?.status, "RUNNING")
    }).pipe(Effect.provide(withFunctions)))

  it.effect("bad requests: an unknown function is ResourceNotFoundException; a bad name, payload or qualifier 400", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const fail = (input: ConstructorParameters<typeof InvokeCommand>[0]) =>
        Effect.flip(send(() => client.send(new InvokeCommand({ InvocationType: "Event", ...input }))))
      const unknown = yield* fail({ FunctionName: "nope", Payload: payload({}) })
      assert.strictEqual(unknown.name, "ResourceNotFoundException")
      assert.strictEqual(unknown.$metadata?.httpStatusCode, 404)
      const notJson = yield* fail({ FunctionName: "echo", Payload: new TextEncoder().encode("{oops") })
      assert.strictEqual(notJson.$metadata?.httpStatusCode, 400)
      const badName = yield* fail({ FunctionName: "echo", DurableExecutionName: "no spaces", Payload: payload({}) })
      assert.strictEqual(badName.name, "InvalidParameterValueException")
      const twoQualifiers = yield* fail({ FunctionName: "echo:live", Qualifier: "7", Payload: payload({}) })
      assert.strictEqual(twoQualifiers.name, "InvalidParameterValueException")
    }).pipe(Effect.provide(withFunctions)))
})

describe("LambdaApiServer: ListDurableExecutionsByFunction", () => {
  it.effect("lists a function's executions, newest first, with filters and pages", () =>
    Effect.gen(function*() {
      const client = yield* lambdaClient
      const emulator = yield* Emulator
      const arns: Array<string> = []
      for (let i = 1; i <= 5; i++) {
        arns.push(yield* emulator.start({ name: "echo", executionName: `l-${i}`, input: "{\"text\":\"x\"}" }))
        yield* TestClock.adjust("1 minute")
      }
      yield* emulator.start({ name: "other", input: "{}" })
      yield* emulator.stop(arns[2]!)
      const list = (input: Omit<ConstructorParameters<typeof ListDurableExecutionsByFunctionCommand>[0], "FunctionName">) =>
        send(() => client.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: "echo", ...input })))
      const first = yield* list({ MaxItems: 2 })
      assert.deepStrictEqual(first.DurableExecutions?.map((e) => e.DurableExecutionName), ["l-5", "l-4"])
      const second = yield* list({ MaxItems: 2, Marker: first.NextMarker })
      assert.deepStrictEqual(second.DurableExecutions?.map((e) => e.DurableExecutionName), ["l-3", "l-2"])
      const last = yield* list({ MaxItems: 2, Marker: second.NextMarker })
      assert.deepStrictEqual(last.DurableExecutions?.map((e) => e.DurableExecutionName), ["l-1"])
      assert.isUndefined(last.NextMarker)
      const oldest = yield* list({ ReverseOrder: true, MaxItems: 1 })
      assert.strictEqual(oldest.DurableExecutions?.[0]?.DurableExecutionArn, arns[0])
      assert.instanceOf(oldest.DurableExecutions?.[0]?.StartTimestamp, Date)
      const stopped = yield* list({ Statuses: ["STOPPED", "FAILED"] })
      assert.deepStrictEqual(stopped.DurableExecutions?.map((e) => [e.DurableExecutionName, e.Status]), [["l-3", "STOPPED"]])
      const window = yield* list({ StartedAfter: new Date(60_000), StartedBefore: new Date(180_000) })
      assert.deepStrictEqual(window.DurableExecutions?.map((e) => e.DurableExecutionName), ["l-3"])
      const byName = yield* list({ DurableExecutionName: "l-2" })
      assert.deepStrictEqual(byName.DurableExecutions?.map((e) => e.DurableExecutionArn), [arns[1]])
      const otherVersion = yield* list({ Qualifier: "live" })
      assert.deepStrictEqual(otherVersion.DurableExecutions, [])
      const badMax = yield* Effect.flip(list({ MaxItems: 0 }))
      assert.strictEqual(badMax.$metadata?.httpStatusCode, 400)
      const unknown = yield* Effect.flip(
        send(() => client.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: "nope" })))
      )
      assert.strictEqual(unknown.name, "ResourceNotFoundException")
    }).pipe(Effect.provide(LambdaApiServer.layer.pipe(
      // registered, but never run: the executions are started on the emulator by hand
      Layer.provideMerge(Layer.succeed(LambdaApiServer.FunctionRegistry, { has: (name) => name === "echo" || name === "other" })),
      Layer.provideMerge(Emulator.layer)
    ))))
})

