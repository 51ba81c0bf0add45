/**
 * Drives durable executions on the in-memory Emulator, on the real clock, with
 * either SDK. Two ways in:
 *
 * - through each SDK's Lambda entrypoint (`invokeHandler`, `runHandlerExecution`:
 *   the hot-path benchmark): effect-durable's `LambdaHandler.make(workflow)`
 *   and the official `withDurableExecution` handler get the same event and the
 *   same transport, the official injection point
 *   `DurableExecutionInvocationInputWithClient` (the event carries a
 *   `durableExecutionClient`, which both handlers use instead of their AWS
 *   client, as under the official testing library), so both run their
 *   production code from the handler down, their response decoding included.
 *   The transport (`transport`) plays the service and the network: an optional
 *   fixed latency per call (a real timer), then the service's work, timed in
 *   CPU time so that it can be subtracted from the SDKs': the request read from
 *   JSON, the emulator, the response handed back as the AWS SDK returns it (a
 *   copy, with `Date`s);
 * - through `Invocation.handle` with a `CheckpointClient` (`invokeOnce`: the
 *   termination mix, which drives its own runs on a skipped clock), the
 *   official SDK through a Promise adapter over the same client.
 *
 * Both count the calls and note when the first update of a watched operation
 * is sent.
 */
import { DurableExecutionInvocationInputWithClient, type DurableLambdaHandler } from "@aws/durable-execution-sdk-js"
import type { DurableExecutionClient, DurableExecutionInvocationInput } from "@aws/durable-execution-sdk-js"
import { CheckpointClient } from "@effect-durable/core/CheckpointClient"
import * as Invocation from "@effect-durable/core/Invocation"
import type * as Termination from "@effect-durable/core/Termination"
import * as Wire from "@effect-durable/core/Wire"
import type * as Workflow from "@effect-durable/core/Workflow"
import type { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaHandler from "@effect-durable/runtime-lambda/LambdaHandler"
import { Cause, Clock, Duration, Effect, Exit, Schema } from "effect"
import { createHash } from "node:crypto"
import { performance } from "node:perf_hooks"

/** One SDK's way to run one invocation. */
export type Sdk =
  | { readonly _tag: "ours"; readonly workflow: Workflow.Any; readonly policy?: Termination.PolicyInput | undefined }
  | { readonly _tag: "theirs"; readonly handler: DurableLambdaHandler }

/** What the instrumented client or the transport counted. */
export interface Counters {
  /** Checkpoint calls. */
  calls: number
  /** GetDurableExecutionState calls (the transport). */
  stateCalls: number
  updates: number
  /** Wall time spent inside the emulator's calls (the instrumented client). */
  emulatorMillis: number
  /**
   * CPU time of the process while the transport did the service's work (JSON, emulator, response copy), to
   * subtract from the SDK's. It includes what V8's background threads did meanwhile (see `serve`).
   */
  serviceMillis: number
  /** `performance.now()` of the first checkpoint call carrying an update of a watched operation. */
  firstWatchedAt: number | undefined
  /** Process CPU ms at that call (the transport). */
  firstWatchedCpu: number | undefined
}

export const makeCounters = (): Counters => ({
  calls: 0,
  stateCalls: 0,
  updates: 0,
  emulatorMillis: 0,
  serviceMillis: 0,
  firstWatchedAt: undefined,
  firstWatchedCpu: undefined
})

/** CPU time of this process so far (user + system), in ms. */
export const cpuMillis = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

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

const decodeCheckpointRequestSync = Schema.decodeUnknownSync(Wire.CheckpointRequest)
const decodeGetStateRequestSync = Schema.decodeUnknownSync(Wire.GetStateRequest)
const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/**
 * The service's side of one call: synchronous, and timed in CPU time (wall
 * time would count the moments the process waits for a core on a busy machine).
 * `process.cpuUsage()` is the one precise clock here: Linux brings the calling
 * thread's CPU time up to date for it, but not for a per-thread reading
 * (`/proc/thread-self/schedstat`, `getrusage(RUSAGE_THREAD)`), which moves only at
 * the scheduler's tick (4 ms) or a context switch: a call right after a wait would
 * mostly read as free. The process's reading also counts what V8's compiler and
 * GC threads do during the call (see `run.ts`, which reports them apart).
 */
const serve = <A>(counters: Counters, timed: boolean, work: () => Effect.Effect<A, unknown>): A => {
  const start = timed ? cpuMillis() : 0
  if (timed) evictCaches()
  try {
    const exit = Effect.runSyncExit(work())
    if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
    return structuredClone(exit.value)
  } finally {
    // The two readings cost a few µs of their own (a system call each): counted as the service's.
    if (timed) counters.serviceMillis += cpuMillis() - start + readingMillis
  }
}

/**
 * `BENCH_FLUSH_MB=n` (0 by default): before each call's service work, and timed
 * with it (so subtracted as the service's), one byte in every 64 of an n MB
 * buffer is written, which evicts the CPU caches and TLB entries that the SDK's
 * step had filled. Each SDK's work after a call then starts cold, as it does
 * after an idle wait on a busy machine: the difference with a run at 0 is what
 * refilling a step's working set costs (32 MB resolves it in five pairs, where
 * the latency rows need dozens).
 */
const flushBuffer = new Uint8Array(Number(process.env.BENCH_FLUSH_MB ?? 0) * 1024 * 1024)
// What the loop read, kept: without it the same loop evicts measurably less (session 9, in-process A/B: the SDK
// after it ran ~1.5x faster), so that figures are only comparable between builds of this very loop.
let flushSink = 0

const evictCaches = () => {
  for (let i = 0; i < flushBuffer.length; i += 64) flushSink += flushBuffer[i]!++
  return flushSink
}

/** What one `process.cpuUsage()` reading costs, measured once. */
const readingMillis = (() => {
  const count = 2000
  const start = cpuMillis()
  for (let i = 0; i < count; i++) cpuMillis()
  return (cpuMillis() - start) / count
})()

/**
 * The emulator as both SDKs reach it: the official `DurableExecutionClient`
 * shape (Promise calls with the AWS SDK's request and response shapes).
 */
export const transport = (
  client: Emulator["Service"]["client"],
  counters: Counters,
  options: {
    readonly latencyMillis: number
    readonly watch?: ReadonlySet<string> | undefined
    /** Time the service's work (default); profiles turn it off. */
    readonly timed?: boolean | undefined
    /** Called at every call, before anything else (a heap sampler). */
    readonly onCall?: (() => void) | undefined
    /** Called when the first update of a watched operation is sent, after the counters noted it. */
    readonly onWatched?: (() => void) | undefined
  }
): DurableExecutionClient => ({
  getExecutionState: async (params) => {
    options.onCall?.()
    counters.stateCalls += 1
    if (options.latencyMillis > 0) await sleep(options.latencyMillis)
    return serve(counters, options.timed !== false, () => client.getExecutionState(decodeGetStateRequestSync(overTheWire(params)))) as never
  },
  checkpoint: async (params) => {
    options.onCall?.()
    const updates = params.Updates ?? []
    counters.calls += 1
    counters.updates += updates.length
    if (
      counters.firstWatchedAt === undefined && options.watch !== undefined &&
      updates.some((u) => options.watch!.has(u.Id!))
    ) {
      counters.firstWatchedAt = performance.now()
      counters.firstWatchedCpu = cpuMillis()
      options.onWatched?.()
    }
    if (options.latencyMillis > 0) await sleep(options.latencyMillis)
    return serve(counters, options.timed !== false, () => client.checkpoint(decodeCheckpointRequestSync(overTheWire(params)))) as never
  }
})

const encodeEventSync = Schema.encodeSync(Wire.InvocationInput)

/** The event as Lambda delivers it (JSON: timestamps as strings). */
export const deliver = (event: Wire.InvocationInput): unknown => overTheWire(encodeEventSync(event))

// One Lambda handler per workflow and policy, as one per container.
const handlers = new Map<Workflow.Any, Map<unknown, LambdaHandler.Handler>>()
const handlerOf = (sdk: Extract<Sdk, { _tag: "ours" }>): LambdaHandler.Handler => {
  const byPolicy = handlers.get(sdk.workflow) ?? new Map<unknown, LambdaHandler.Handler>()
  handlers.set(sdk.workflow, byPolicy)
  let handler = byPolicy.get(sdk.policy)
  if (handler === undefined) {
    handler = LambdaHandler.make(sdk.workflow as Workflow.Workflow<unknown, unknown, unknown, never>, {
      policy: sdk.policy
    })
    byPolicy.set(sdk.policy, handler)
  }
  return handler
}

/**
 * Runs one invocation of `sdk` with a delivered event (see {@link deliver}) and
 * a transport, with Lambda's deadline `timeoutMillis` away (15 minutes by
 * default); returns its answer.
 */
export const invokeHandler = (
  sdk: Sdk,
  delivered: unknown,
  client: DurableExecutionClient,
  index: number,
  timeoutMillis = defaultTimeoutMillis
): Effect.Effect<Wire.InvocationOutput, unknown> =>
  Effect.promise(() => {
    const event = new DurableExecutionInvocationInputWithClient(delivered as DurableExecutionInvocationInput, client)
    const context = lambdaContext(index, timeoutMillis)
    return (sdk._tag === "ours" ? handlerOf(sdk)(event, context) : sdk.handler(event, context)) as Promise<
      Wire.InvocationOutput
    >
  })

/**
 * Runs a whole execution on the real clock through the SDK's Lambda handler:
 * invoke, complete, sleep until the emulator's next wake-up, invoke again.
 */
export const runHandlerExecution = (
  emulator: Emulator["Service"],
  sdk: Sdk,
  input: unknown,
  client: DurableExecutionClient
) =>
  Effect.gen(function*() {
    const arn = yield* emulator.start({ input: JSON.stringify(input) })
    const invocations: Array<InvocationTiming> = []
    while (true) {
      const event = deliver(yield* emulator.invoke(arn))
      const start = performance.now()
      const output = yield* invokeHandler(sdk, event, client, invocations.length + 1)
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

