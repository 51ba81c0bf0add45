import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient, Durable, DurableError, Wire } from "@effect-durable/core"
import { Emulator } from "@effect-durable/testing"
import { Context, Duration, Effect, Layer, Option, Result, Schema, Tracer } from "effect"
import * as LambdaCheckpointClient from "../src/LambdaCheckpointClient.ts"
import * as LambdaHandler from "../src/LambdaHandler.ts"
import * as EmulatorBridge from "./EmulatorBridge.ts"

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const lambdaContext = (remainingMillis = 60_000, requestId = "req-1"): LambdaHandler.LambdaContext => {
  const deadline = Date.now() + remainingMillis
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => deadline - Date.now() }
}

/** The event as Lambda delivers it: JSON, so timestamps are ISO strings. */
const delivered = (event: Wire.InvocationInput): unknown => JSON.parse(JSON.stringify(event))

/** Runs the handler and returns how its promise settled. */
const settle = (promise: Promise<Wire.InvocationOutput>) =>
  Effect.promise(() =>
    promise.then(
      (output) => ({ _tag: "Resolved", output }) as const,
      (error: unknown) => ({ _tag: "Rejected", error }) as const
    )
  )

const rejection = Effect.fnUntraced(function*(promise: Promise<Wire.InvocationOutput>) {
  const settled = yield* settle(promise)
  assert.strictEqual(settled._tag, "Rejected", "the handler should have rejected")
  const error = settled._tag === "Rejected" ? settled.error : undefined
  assert.instanceOf(error, LambdaHandler.LambdaHandlerError)
  return error as LambdaHandler.LambdaHandlerError
})

const arn = "arn:aws:lambda:us-east-1:123456789012:function:greet:1/durable-execution/run-1/0d7a1c"

const executionOp: Wire.Operation = {
  Id: "exec",
  Type: "EXECUTION",
  Status: "STARTED",
  StartTimestamp: new Date(0),
  ExecutionDetails: { InputPayload: JSON.stringify({ name: "Ada" }) }
}

/** An event as the service sends it (timestamps as ISO strings). */
const eventWith = (state: { readonly Operations: ReadonlyArray<Wire.Operation>; readonly NextMarker?: string }) => ({
  DurableExecutionArn: arn,
  CheckpointToken: "token-0",
  InitialExecutionState: {
    Operations: state.Operations.map((op) => ({ ...op, StartTimestamp: op.StartTimestamp?.toISOString() })),
    ...(state.NextMarker === undefined ? {} : { NextMarker: state.NextMarker })
  }
})

/** A CheckpointClient whose calls are recorded and answered by the given functions. */
const stubClient = (options: {
  readonly getExecutionState?: (
    request: Wire.GetStateRequest
  ) => Effect.Effect<Wire.GetStateResponse, CheckpointClient.CheckpointClientError>
  readonly checkpoint?: (
    request: Wire.CheckpointRequest
  ) => Effect.Effect<Wire.CheckpointResponse, CheckpointClient.CheckpointClientError>
}) => {
  const calls: Array<{ readonly method: string; readonly request: unknown }> = []
  let builds = 0
  let releases = 0
  const layer = Layer.effect(
    CheckpointClient.CheckpointClient,
    Effect.acquireRelease(
      Effect.sync(() => {
        builds++
        return CheckpointClient.CheckpointClient.of({
          getExecutionState: (request) => {
            calls.push({ method: "getExecutionState", request })
            return options.getExecutionState?.(request) ?? Effect.die("unexpected getExecutionState")
          },
          checkpoint: (request) => {
            calls.push({ method: "checkpoint", request })
            return options.checkpoint?.(request) ?? Effect.die("unexpected checkpoint")
          }
        })
      }),
      () => Effect.sync(() => releases++)
    )
  )
  return { layer, calls, builds: () => builds, releases: () => releases }
}

const Greet = Durable.workflow(
  { name: "greet", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  ({ name }) => Effect.succeed(`Hello, ${name}`)
)

// A workflow that needs a service of its own.
class Greeting extends Context.Service<Greeting, { readonly word: string }>()("test/Greeting") {}

const GreetWithService = Durable.workflow(
  { name: "greet-with-service", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  Effect.fn(function*({ name }) {
    const { word } = yield* Greeting
    return `${word}, ${name}`
  })
)

// ---------------------------------------------------------------------------
// The handler itself
// ---------------------------------------------------------------------------

describe("LambdaHandler runtime", () => {
  it.live("creates one runtime on the first invocation and reuses it", () =>
    Effect.gen(function*() {
      const client = stubClient({})
      let greetingBuilds = 0
      const handler = LambdaHandler.make(GreetWithService, {
        checkpointClient: client.layer,
        layer: Layer.sync(Greeting, () => {
          greetingBuilds++
          return { word: "Hi" }
        })
      })
      assert.isUndefined(handler.runtime(), "nothing is built before the first invocation")

      const first = yield* settle(handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      const runtime = handler.runtime()
      assert.isDefined(runtime)
      const second = yield* settle(handler(eventWith({ Operations: [executionOp] }), lambdaContext(60_000, "req-2")))

      assert.strictEqual(handler.runtime(), runtime, "warm invocations reuse the runtime")
      assert.strictEqual(client.builds(), 1)
      assert.strictEqual(greetingBuilds, 1)
      assert.deepStrictEqual(first, { _tag: "Resolved", output: { Status: "SUCCEEDED", Result: "\"Hi, Ada\"" } })
      assert.deepStrictEqual(second, first)

      yield* Effect.promise(() => handler.dispose())
      assert.isUndefined(handler.runtime())
      assert.strictEqual(client.releases(), 1, "dispose releases the layers")
    }))

  it.live("makes its built-in transport with the handler (Lambda's Init phase), once, and layers on the first invocation", () =>
    Effect.gen(function*() {
      const client = stubClient({ checkpoint: () => Effect.succeed({ CheckpointToken: "token-1" }) })
      const service = yield* Layer.build(client.layer).pipe(Effect.map(Context.get(CheckpointClient.CheckpointClient)))
      let made = 0
      let destroyed = 0
      const transport: LambdaHandler.Transport = {
        make: () => {
          made++
          return Result.succeed({ service, destroy: () => destroyed++ })
        },
        layer: client.layer
      }
      const handler = LambdaHandler.makeWith(transport)(Greet)
      assert.strictEqual(made, 1, "made with the handler, before any invocation")
      assert.isUndefined(handler.runtime(), "no runtime before the first invocation")

      const first = yield* settle(handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      yield* settle(handler(eventWith({ Operations: [executionOp] }), lambdaContext(60_000, "req-2")))
      assert.deepStrictEqual(first, { _tag: "Resolved", output: { Status: "SUCCEEDED", Result: "\"Hello, Ada\"" } })
      assert.strictEqual(made, 1, "warm invocations reuse it")
      yield* Effect.promise(() => handler.dispose())
      assert.strictEqual(destroyed, 1, "dispose destroys it")

      // With a layer of its own, the handler builds nothing until its first invocation.
      const withLayer = LambdaHandler.makeWith(transport)(GreetWithService, { layer: Layer.succeed(Greeting, { word: "Hi" }) })
      assert.strictEqual(made, 1)
      assert.strictEqual(client.builds(), 1, "only the stub service above was built")
      yield* Effect.promise(() => withLayer.dispose())
    }).pipe(Effect.scoped))

  it.live("a transport that throws while it is made with the handler fails the first invocation, and the next makes it again", () =>
    Effect.gen(function*() {
      const client = stubClient({ checkpoint: () => Effect.succeed({ CheckpointToken: "token-1" }) })
      const service = yield* Layer.build(client.layer).pipe(Effect.map(Context.get(CheckpointClient.CheckpointClient)))
      let made = 0
      const transport: LambdaHandler.Transport = {
        make: () => {
          if (made++ === 0) throw new Error("no endpoint for this region")
          return Result.succeed({ service, destroy: () => {} })
        },
        layer: client.layer
      }
      const handler = LambdaHandler.makeWith(transport)(Greet)
      assert.strictEqual(made, 1, "made (and failed) with the handler, without throwing from the module's import")
      const error = yield* rejection(handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      assert.strictEqual(error.reason, "RuntimeBuildFailed")
      assert.include(error.message, "no endpoint for this region")
      const second = yield* settle(handler(eventWith({ Operations: [executionOp] }), lambdaContext(60_000, "req-2")))
      assert.deepStrictEqual(second, { _tag: "Resolved", output: { Status: "SUCCEEDED", Result: "\"Hello, Ada\"" } })
      assert.strictEqual(made, 2)
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.scoped))

  it.live("rejects an event that is not a durable execution event, with a clear error", () =>
    Effect.gen(function*() {
      const client = stubClient({})
      const handler = LambdaHandler.make(Greet, { checkpointClient: client.layer })
      const error = yield* rejection(handler({ hello: "world" }, lambdaContext()))
      assert.strictEqual(error.reason, "InvocationFailed")
      assert.instanceOf(error.cause, DurableError.InvalidEventError)
      assert.include(error.message, "InvalidEventError")
      assert.include(error.message, "DurableExecutionArn")
      assert.deepStrictEqual(client.calls, [])
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("rejects an event whose state is malformed (decoded by Invocation.handle)", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.make(Greet, { checkpointClient: stubClient({}).layer })
      const event = {
        DurableExecutionArn: arn,
        CheckpointToken: "t",
        InitialExecutionState: { Operations: [{ Id: 1 }] }
      }
      const error = yield* rejection(handler(event, lambdaContext()))
      assert.strictEqual(error.reason, "InvocationFailed")
      assert.instanceOf(error.cause, DurableError.InvalidEventError)
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("rejects with the typed error as cause when a checkpoint call fails for this invocation", () =>
    Effect.gen(function*() {
      const client = stubClient({
        getExecutionState: () =>
          Effect.fail(
            new CheckpointClient.CheckpointClientError({
              message: "Invalid checkpoint token",
              scope: "INVOCATION",
              statusCode: 400
            })
          )
      })
      const handler = LambdaHandler.make(Greet, { checkpointClient: client.layer })
      const event = eventWith({ Operations: [executionOp], NextMarker: "page-2" })
      const error = yield* rejection(handler(event, lambdaContext()))
      assert.strictEqual(error.reason, "InvocationFailed")
      assert.instanceOf(error.cause, DurableError.CheckpointFailedError)
      assert.strictEqual((error.cause as DurableError.CheckpointFailedError).scope, "INVOCATION")
      assert.include(error.message, "will be retried")
      assert.include(error.message, "Invalid checkpoint token")
      // The engine pages the rest of the state with the marker of the event, 1000 at a time.
      assert.deepStrictEqual(client.calls, [{
        method: "getExecutionState",
        request: { DurableExecutionArn: arn, CheckpointToken: "token-0", Marker: "page-2", MaxItems: 1000 }
      }])
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("answers FAILED (does not reject) when a checkpoint call fails the execution", () =>
    Effect.gen(function*() {
      const client = stubClient({
        getExecutionState: () =>
          Effect.fail(new CheckpointClient.CheckpointClientError({ message: "Invalid marker", scope: "EXECUTION" }))
      })
      const handler = LambdaHandler.make(Greet, { checkpointClient: client.layer })
      const output = yield* Effect.promise(() =>
        handler(eventWith({ Operations: [executionOp], NextMarker: "page-2" }), lambdaContext())
      )
      assert.strictEqual(output.Status, "FAILED")
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("rejects on a defect", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.make(Greet, { checkpointClient: stubClient({}).layer })
      const context: LambdaHandler.LambdaContext = {
        awsRequestId: "req-1",
        getRemainingTimeInMillis: () => {
          throw new Error("no clock in this context")
        }
      }
      const error = yield* rejection(handler(eventWith({ Operations: [executionOp] }), context))
      assert.strictEqual(error.reason, "Defect")
      assert.include(error.message, "no clock in this context")
      assert.instanceOf(error.cause, Error)
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("rejects when the runtime cannot be built, and builds it again on the next invocation", () =>
    Effect.gen(function*() {
      let attempts = 0
      const handler = LambdaHandler.make(GreetWithService, {
        checkpointClient: stubClient({}).layer,
        layer: Layer.effect(
          Greeting,
          Effect.suspend(() => {
            attempts++
            return attempts === 1 ? Effect.fail(new Error("config missing")) : Effect.succeed({ word: "Hello" })
          })
        )
      })
      const error = yield* rejection(handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      assert.strictEqual(error.reason, "RuntimeBuildFailed")
      assert.include(error.message, "config missing")
      assert.isUndefined(handler.runtime(), "a runtime that failed to build is dropped")

      const output = yield* Effect.promise(() => handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "\"Hello, Ada\"" })
      assert.strictEqual(attempts, 2)
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("without layers of its own, runs on its services as values: a runtime over them, dispose interrupts", () =>
    Effect.gen(function*() {
      const reads: Array<string | undefined> = []
      // A transport that never answers: the invocation stays in flight, reading its state's next page.
      const handler = LambdaHandler.make(Greet, {
        durableExecutionClient: {
          getExecutionState: (request) => {
            reads.push(request.Marker)
            return new Promise(() => {})
          },
          checkpoint: () => new Promise(() => {})
        }
      })
      assert.isUndefined(handler.runtime(), "nothing is built before the first invocation")
      const pending = handler(eventWith({ Operations: [executionOp], NextMarker: "page-2" }), lambdaContext())
      yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(reads, ["page-2"])
      const runtime = handler.runtime()
      assert.isDefined(runtime)
      assert.strictEqual(handler.runtime(), runtime, "the runtime is made once")
      const client = yield* Effect.promise(() => runtime!.runPromise(Effect.serviceOption(CheckpointClient.CheckpointClient)))
      assert.strictEqual(client._tag, "Some", "the runtime provides the invocations' checkpoint client")

      yield* Effect.promise(() => handler.dispose())
      const error = yield* rejection(pending)
      assert.strictEqual(error.reason, "Interrupted")
      assert.isUndefined(handler.runtime())
    }))

  it.live("dispose interrupts an invocation still building its runtime", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.make(GreetWithService, {
        checkpointClient: stubClient({}).layer,
        layer: Layer.effect(Greeting, Effect.never)
      })
      const pending = handler(eventWith({ Operations: [executionOp] }), lambdaContext())
      yield* Effect.sleep("10 millis")
      yield* Effect.promise(() => handler.dispose())
      const error = yield* rejection(pending)
      assert.strictEqual(error.reason, "Interrupted")
    }))
})

describe("LambdaHandler spans", () => {
  // The workflow tells whether it runs in a span.
  const InSpan = Durable.workflow(
    { name: "in-span", input: Schema.Struct({ name: Schema.String }), output: Schema.Boolean },
    () => Effect.map(Effect.option(Effect.currentSpan), Option.isSome)
  )

  it.live("with a tracing backend, the invocation and its supervisor are spans", () =>
    Effect.gen(function*() {
      const names: Array<string> = []
      const recording = Tracer.make({
        span(options) {
          names.push(options.name)
          return Tracer.nativeTracer.span(options)
        }
      })
      const handler = LambdaHandler.make(InSpan, {
        checkpointClient: stubClient({}).layer,
        layer: Layer.succeed(Tracer.Tracer, recording)
      })
      const output = yield* Effect.promise(() => handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "true" })
      for (const name of ["LambdaHandler.invoke", "Invocation.handle", "Supervisor.watch"]) {
        assert.include(names, name)
      }
      yield* Effect.promise(() => handler.dispose())
    }))

  it.live("without one (the native tracer exports nothing), no span is made", () =>
    Effect.gen(function*() {
      const handler = LambdaHandler.make(InSpan, { checkpointClient: stubClient({}).layer })
      const output = yield* Effect.promise(() => handler(eventWith({ Operations: [executionOp] }), lambdaContext()))
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "false" })
      yield* Effect.promise(() => handler.dispose())
    }))
})

// ---------------------------------------------------------------------------
// End to end, against the in-memory emulator of the service
// ---------------------------------------------------------------------------

const Pause = Durable.workflow(
  { name: "pause", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  Effect.fn(function*({ name }) {
    const greeting = yield* Durable.step("compose", Effect.sync(() => `Hello, ${name}`))
    yield* Durable.wait("pause", "1 hour")
    return greeting
  })
)

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {}

const Fails = Durable.workflow(
  { name: "fails", input: Schema.Struct({ name: Schema.String }), output: Schema.String },
  ({ name }) => Effect.fail(new NotFound({ message: `no user ${name}` }))
)

describe("LambdaHandler end to end (Emulator)", () => {
  it.live("completes a workflow in one invocation", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Greet, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client)
      })
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "Ada" }) })
      const event = yield* emulator.invoke(arn)
      const output = yield* Effect.promise(() => handler(delivered(event), lambdaContext()))
      assert.deepStrictEqual(output, { Status: "SUCCEEDED", Result: "\"Hello, Ada\"" })
      yield* emulator.complete(arn, output)
      const execution = yield* emulator.execution(arn)
      assert.strictEqual(execution.status, "SUCCEEDED")
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("answers FAILED with the workflow's error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Fails, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client)
      })
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "Bob" }) })
      const event = yield* emulator.invoke(arn)
      const output = yield* Effect.promise(() => handler(delivered(event), lambdaContext()))
      assert.strictEqual(output.Status, "FAILED")
      if (output.Status === "FAILED") {
        assert.strictEqual(output.Error.ErrorType, "NotFound")
        assert.strictEqual(output.Error.ErrorMessage, "no user Bob")
      }
      yield* emulator.complete(arn, output)
      assert.strictEqual((yield* emulator.execution(arn)).status, "FAILED")
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("suspends on a long wait, with the policy passed through", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const handler = LambdaHandler.make(Pause, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client),
        // The default warm-up is 2 s: answering well before proves the override reached the engine.
        policy: { warmup: Duration.millis(10) }
      })
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "Ada" }) })
      const event = yield* emulator.invoke(arn)
      const started = Date.now()
      const output = yield* Effect.promise(() => handler(delivered(event), lambdaContext()))
      assert.deepStrictEqual(output, { Status: "PENDING" })
      assert.isBelow(Date.now() - started, 1_500)
      yield* emulator.complete(arn, output)
      const execution = yield* emulator.execution(arn)
      assert.deepStrictEqual(execution.operations.map((op) => [op.Type, op.Name, op.Status]), [
        ["EXECUTION", undefined, "STARTED"],
        ["STEP", "compose", "SUCCEEDED"],
        ["WAIT", "pause", "STARTED"]
      ])
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("ends at the Lambda deadline: nothing of the invocation outlives it", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      let interrupted = false
      const Slow = Durable.workflow(
        { name: "slow", output: Schema.String },
        () =>
          Durable.step(
            "slow",
            Effect.sleep("30 seconds").pipe(
              Effect.as("done"),
              Effect.onInterrupt(() => Effect.sync(() => interrupted = true))
            )
          )
      )
      const handler = LambdaHandler.make(Slow, {
        checkpointClient: Layer.succeed(CheckpointClient.CheckpointClient, emulator.client),
        policy: { deadlineMargin: Duration.millis(500) }
      })
      const arn = yield* emulator.start({ input: "{}" })
      const event = yield* emulator.invoke(arn)
      const started = Date.now()
      // 800 ms left, 500 ms margin: the invocation must end after about 300 ms.
      const settled = yield* settle(handler(delivered(event), lambdaContext(800)))
      assert.isBelow(Date.now() - started, 3_000)
      assert.deepStrictEqual(settled, { _tag: "Resolved", output: { Status: "PENDING" } })
      assert.isTrue(interrupted, "the running step was interrupted before the handler answered")
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.live("runs over the AWS SDK (LambdaCheckpointClient) end to end, paging the state on replay", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const aws = EmulatorBridge.make(emulator)
      const handler = LambdaHandler.make(Pause, {
        checkpointClient: LambdaCheckpointClient.layerFromClient(aws.client),
        policy: { warmup: Duration.millis(10) }
      })
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "Ada" }) })

      const first = yield* emulator.invoke(arn)
      assert.deepStrictEqual(yield* Effect.promise(() => handler(delivered(first), lambdaContext())), {
        Status: "PENDING"
      })
      yield* emulator.complete(arn, { Status: "PENDING" })
      assert.isAbove(aws.requests.length, 0)
      assert.isTrue(aws.requests.every((r) => r.method === "POST" && r.path.endsWith("/checkpoint")))

      // The replay gets one operation in the event and pages the rest through GetDurableExecutionState.
      const second = yield* emulator.invoke(arn)
      assert.isDefined(second.InitialExecutionState?.NextMarker)
      const before = aws.requests.length
      assert.deepStrictEqual(yield* Effect.promise(() => handler(delivered(second), lambdaContext())), {
        Status: "PENDING"
      })
      const reads = aws.requests.slice(before).filter((r) => r.method === "GET")
      assert.isAbove(reads.length, 0)
      assert.strictEqual(reads[0]?.path, `/2025-12-01/durable-executions/${encodeURIComponent(arn)}/state`)
      assert.strictEqual(reads[0]?.query["MaxItems"], "1000")
      assert.strictEqual(reads[0]?.query["Marker"], second.InitialExecutionState?.NextMarker)
      yield* emulator.complete(arn, { Status: "PENDING" })

      const execution = yield* emulator.execution(arn)
      assert.strictEqual(execution.rejectedCalls, 0)
      assert.deepStrictEqual(execution.operations.map((op) => [op.Type, op.Name, op.Status]), [
        ["EXECUTION", undefined, "STARTED"],
        ["STEP", "compose", "SUCCEEDED"],
        ["WAIT", "pause", "STARTED"]
      ])
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layerWith({ pageSize: 1 }))))

  it.live("maps a rejected checkpoint through the AWS SDK to the right outcome", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const aws = EmulatorBridge.make(emulator)
      const handler = LambdaHandler.make(Pause, {
        checkpointClient: LambdaCheckpointClient.layerFromClient(aws.client),
        policy: { warmup: Duration.millis(10) }
      })
      const arn = yield* emulator.start({ input: JSON.stringify({ name: "Ada" }) })
      const stale = yield* emulator.invoke(arn)
      // A newer invocation rotates the token: the first event's token is now invalid.
      yield* emulator.invoke(arn)
      const error = yield* rejection(handler(delivered(stale), lambdaContext()))
      assert.strictEqual(error.reason, "InvocationFailed")
      assert.instanceOf(error.cause, DurableError.CheckpointFailedError)
      assert.strictEqual((error.cause as DurableError.CheckpointFailedError).scope, "INVOCATION")
      yield* Effect.promise(() => handler.dispose())
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})

describe("LambdaHandler types", () => {
  it("requires `layer` exactly when the workflow needs services", () => {
    const typeChecks = () => {
      LambdaHandler.make(Greet)
      LambdaHandler.make(Greet, { policy: { warmup: Duration.seconds(1) } })
      LambdaHandler.make(GreetWithService, { layer: Layer.succeed(Greeting, { word: "Hi" }) })
      // @ts-expect-error: GreetWithService needs Greeting
      LambdaHandler.make(GreetWithService)
      // @ts-expect-error: the layer does not provide Greeting
      LambdaHandler.make(GreetWithService, { layer: Layer.empty })
    }
    assert.isFunction(typeChecks)
  })
})
