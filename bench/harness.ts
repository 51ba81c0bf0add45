/**
 * Drives one durable execution on the in-memory Emulator, on the real clock,
 * with either SDK:
 *
 * - effect-durable: `Invocation.handle` with a `CheckpointClient` over the
 *   emulator;
 * - the official SDK: its `withDurableExecution` handler, with the emulator
 *   injected through `DurableExecutionInvocationInputWithClient` (as in the
 *   wire-compatibility harness, packages/testing/test/compat/OfficialRunner.ts,
 *   which runs under the TestClock instead).
 *
 * Both go through the same instrumented client: an optional fixed latency per
 * call (a real timer, like a network round trip), the number of calls, the time
 * spent inside the emulator, and the time of the first call that carries an
 * update for a watched operation.
 */
import { DurableExecutionInvocationInputWithClient, type DurableLambdaHandler } from "@aws/durable-execution-sdk-js"
import type { DurableExecutionClient, DurableExecutionInvocationInput } from "@aws/durable-execution-sdk-js"
import { CheckpointClient } from "@effect-durable/core/CheckpointClient"
import * as Invocation from "@effect-durable/core/Invocation"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import type { Emulator } from "@effect-durable/testing/Emulator"
import { Cause, Clock, Duration, Effect, Exit, Schema } from "effect"
import { createHash } from "node:crypto"
import { performance } from "node:perf_hooks"

/** One SDK's way to run one invocation. */
export type Sdk =
  | { readonly _tag: "ours"; readonly workflow: Workflow.Any; readonly policy?: Termination.PolicyInput | undefined }
  | { readonly _tag: "theirs"; readonly handler: DurableLambdaHandler }

/** What the instrumented client counted. */
export interface Counters {
  calls: number
  updates: number
  /** Wall time spent inside the emulator's calls. */
  emulatorMillis: number
  /** `performance.now()` of the first checkpoint call carrying an update of a watched operation. */
  firstWatchedAt: number | undefined
}

export const makeCounters = (): Counters => ({
  calls: 0,
  updates: 0,
  emulatorMillis: 0,
  firstWatchedAt: undefined
})

/** The emulator's client with latency and counters. */
export const instrument = (
  client: Emulator["Service"]["client"],
  counters: Counters,
  options: { readonly latencyMillis: number; readonly watch?: ReadonlySet<string> | undefined }
): CheckpointClient["Service"] => {
  const latency = options.latencyMillis > 0 ? Effect.sleep(Duration.millis(options.latencyMillis)) : Effect.void
  const timed = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.suspend(() => {
      const start = performance.now()
      return Effect.ensuring(effect, Effect.sync(() => counters.emulatorMillis += performance.now() - start))
    })
  return CheckpointClient.of({
    getExecutionState: (request) => Effect.andThen(latency, timed(client.getExecutionState(request))),
    checkpoint: (request) =>
      Effect.suspend(() => {
        const updates = request.Updates ?? []
        counters.calls += 1
        counters.updates += updates.length
        if (
          counters.firstWatchedAt === undefined && options.watch !== undefined &&
          updates.some((u) => options.watch!.has(u.Id))
        ) counters.firstWatchedAt = performance.now()
        return Effect.andThen(latency, timed(client.checkpoint(request)))
      })
  })
}

const decodeCheckpointRequest = Schema.decodeUnknownEffect(Wire.CheckpointRequest)
const decodeGetStateRequest = Schema.decodeUnknownEffect(Wire.GetStateRequest)
const decodeOutput = Schema.decodeUnknownEffect(Wire.InvocationOutput)
const encodeEvent = Schema.encodeEffect(Wire.InvocationInput)
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

/** The official SDK's transport over a `CheckpointClient`: JSON requests, `Date` responses (as the AWS SDK gives). */
const officialClient = (
  client: CheckpointClient["Service"],
  runPromise: <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>
): DurableExecutionClient => {
  const call = async <A, E>(effect: Effect.Effect<A, E>): Promise<never> => {
    const exit = await runPromise(effect)
    if (Exit.isSuccess(exit)) return structuredClone(exit.value) as never
    throw Cause.squash(exit.cause)
  }
  return {
    getExecutionState: (params) =>
      call(Effect.flatMap(decodeGetStateRequest(overTheWire(params)), client.getExecutionState)),
    checkpoint: (params) => call(Effect.flatMap(decodeCheckpointRequest(overTheWire(params)), client.checkpoint))
  }
}

const defaultTimeoutMillis = 15 * 60 * 1000

const lambdaContext = (index: number, timeoutMillis: number) => {
  const deadline = Date.now() + timeoutMillis
  return {
    awsRequestId: `bench-${index}`,
    functionName: "bench",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST",
    memoryLimitInMB: "1024",
    logGroupName: "/aws/lambda/bench",
    logStreamName: "bench",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {}
  } as unknown as Parameters<DurableLambdaHandler>[1]
}

/**
 * Runs one invocation of `sdk` with the given event and client, with Lambda's
 * deadline `timeoutMillis` away (15 minutes by default); returns its answer.
 */
export const invokeOnce = (
  sdk: Sdk,
  event: Wire.InvocationInput,
  client: CheckpointClient["Service"],
  index: number,
  timeoutMillis = defaultTimeoutMillis
): Effect.Effect<Wire.InvocationOutput, unknown> =>
  Effect.gen(function*() {
    const encoded = yield* encodeEvent(event)
    if (sdk._tag === "ours") {
      const now = yield* Clock.currentTimeMillis
      return yield* Invocation.handle(sdk.workflow, encoded, {
        deadline: now + timeoutMillis,
        requestId: `bench-${index}`,
        ...(sdk.policy === undefined ? {} : { policy: sdk.policy })
      }).pipe(Effect.provideService(CheckpointClient, client)) as Effect.Effect<Wire.InvocationOutput, unknown>
    }
    const context = yield* Effect.context<never>()
    const transport = officialClient(client, (effect) => Effect.runPromiseExitWith(context)(effect))
    const output = yield* Effect.promise(() =>
      sdk.handler(
        new DurableExecutionInvocationInputWithClient(encoded as unknown as DurableExecutionInvocationInput, transport),
        lambdaContext(index, timeoutMillis)
      )
    )
    return yield* decodeOutput(overTheWire(output))
  })

/** One invocation as measured. */
export interface InvocationTiming {
  readonly outcome: string
  readonly millis: number
}

/**
 * Runs a whole execution on the real clock: invoke, complete, sleep until the
 * emulator's next wake-up, invoke again.
 */
export const runExecution = (
  emulator: Emulator["Service"],
  sdk: Sdk,
  input: unknown,
  client: CheckpointClient["Service"]
) =>
  Effect.gen(function*() {
    const arn = yield* emulator.start({ input: JSON.stringify(input) })
    const invocations: Array<InvocationTiming> = []
    while (true) {
      const event = yield* emulator.invoke(arn)
      const start = performance.now()
      const output = yield* invokeOnce(sdk, event, client, invocations.length + 1)
      invocations.push({ outcome: output.Status, millis: performance.now() - start })
      yield* emulator.complete(arn, output)
      const execution = yield* emulator.execution(arn)
      if (execution.status !== "RUNNING") return { execution, invocations }
      const wakeup = yield* emulator.nextWakeup(arn)
      if (wakeup === undefined) return yield* Effect.die(new Error("PENDING with nothing to wake it up"))
      const now = yield* Clock.currentTimeMillis
      if (wakeup > now) yield* Effect.sleep(Duration.millis(wakeup - now))
      if (invocations.length > 20) return yield* Effect.die(new Error("too many invocations"))
    }
  })

/** The wire id of a raw id (md5, 16 hex characters), computed independently of both SDKs. */
export const wireId = (raw: string) => createHash("md5").update(raw).digest("hex").slice(0, 16)

/** N SUCCEEDED steps `s1..sN`, written as the SDKs write them, in chunks of 250 updates. */
export const seed = (emulator: Emulator["Service"], arn: string, n: number) =>
  Effect.gen(function*() {
    const event = yield* emulator.invoke(arn)
    let token = event.CheckpointToken
    for (let from = 1; from <= n; from += 250) {
      const updates: Array<Wire.OperationUpdate> = []
      for (let i = from; i < Math.min(from + 250, n + 1); i++) {
        updates.push({
          Id: wireId(String(i)),
          Type: "STEP",
          SubType: "Step",
          Name: `s${i}`,
          Action: "SUCCEED",
          Payload: String(i)
        })
      }
      const response = yield* emulator.client.checkpoint({
        DurableExecutionArn: arn,
        CheckpointToken: token,
        Updates: updates
      })
      token = response.CheckpointToken!
    }
    // the seeding invocation dies: the next one replays the N steps
    yield* emulator.abandon(arn, "seeded")
  })

