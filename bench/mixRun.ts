/**
 * One run of the termination mix, in a process of its own:
 * `node bench/dist/mixRun.js '{"sdk":"ours","policy":"cost","memoryMB":512,"history":0,...}'`.
 * Prints one JSON line: the trace of every workload (see `Probe`).
 *
 * Each workload is a durable execution on the in-memory emulator, driven as the
 * service drives it: invoke; answer callbacks when their time comes; on
 * PENDING, jump the skipped clock to the next wake-up (a timer of the
 * emulator, or a callback answer) and invoke again. The function's time is
 * real; the service's idle time between invocations is skipped.
 */
import type * as Termination from "@effect-durable/core/Termination"
import type * as Wire from "@effect-durable/core/Wire"
import { CheckpointClient } from "@effect-durable/core/CheckpointClient"
import { type Event, Emulator } from "@effect-durable/testing/Emulator"
import { Clock, Effect, Fiber, Layer, PubSub } from "effect"
import { performance } from "node:perf_hooks"
import { instrument, invokeOnce, makeCounters, type Sdk, seed } from "./harness.ts"
import * as Workloads from "./mixWorkloads.ts"
import * as Probe from "./probe.ts"
import * as SkippedClock from "./skippedClock.ts"

/** What one process runs. */
export interface Config {
  readonly sdk: "ours" | "theirs"
  /** Our policy (ours only). */
  readonly policy?: Termination.PolicyName | undefined
  /** The memory size our `cost` policy prices with (ours only). */
  readonly memoryMB?: number | undefined
  /** Completed steps every invocation replays first. */
  readonly history: number
  /** Milliseconds of latency added to every call to the service. */
  readonly latency: number
  /** The function's timeout (Lambda's deadline for each invocation). */
  readonly timeoutMillis: number
  /** Only these workloads (by index); all by default. */
  readonly only?: ReadonlyArray<number> | undefined
  /**
   * The repetition: it names the executions (`<workload>-<rep>`), hence their
   * ARNs, which seed the `cost` policy's randomized rent. Each workload runs on
   * an emulator of its own, so that its ARN depends on nothing else: the same
   * repetition draws the same rents in every run, whatever `only` selects, and
   * the repetitions sample different executions, as production does.
   */
  readonly rep?: number | undefined
}

/** One invocation as measured: the probe's trace and the billed (real) duration. */
export interface MeasuredInvocation extends Probe.InvocationTrace {
  readonly billedMillis: number
}

/** One workload's execution as measured. */
export interface WorkloadTrace {
  readonly workload: string
  readonly status: string
  /** Start and end of the execution on the skipped clock. */
  readonly startedAt: number
  readonly endedAt: number
  readonly invocations: ReadonlyArray<MeasuredInvocation>
  /** Times (skipped clock) at which the service could wake the function: timers due, callbacks answered. */
  readonly wakeups: ReadonlyArray<number>
}

const answerPayload = JSON.stringify("ok")

/** The probe's view of the client: checkpoints with updates are busy; polls are counted. */
const probed = (client: CheckpointClient["Service"]): CheckpointClient["Service"] =>
  CheckpointClient.of({
    getExecutionState: client.getExecutionState,
    checkpoint: (request) =>
      Effect.suspend(() => {
        const poll = (request.Updates ?? []).length === 0
        Probe.call(poll)
        if (poll) return client.checkpoint(request)
        return Effect.acquireUseRelease(
          Effect.sync(Probe.enter),
          () => client.checkpoint(request),
          () => Effect.sync(Probe.exit)
        )
      })
  })

const sdkOf = (config: Config, workload: Workloads.Workload, policy: Termination.PolicyName | undefined): Sdk =>
  config.sdk === "theirs"
    ? { _tag: "theirs", handler: workload.theirs }
    : {
      _tag: "ours",
      workflow: workload.ours,
      policy: {
        name: policy ?? "cost",
        ...(config.memoryMB === undefined ? {} : { costModel: { memoryMB: config.memoryMB } })
      }
    }

/** Runs one workload to its end; returns its trace. */
const runWorkload = (
  config: Config,
  workload: Workloads.Workload,
  input: Workloads.Input,
  policy: Termination.PolicyName | undefined,
  executionName: string
) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* Emulator
    const client = probed(instrument(emulator.client, makeCounters(), { latencyMillis: config.latency }))
    const sdk = sdkOf(config, workload, policy)
    const arn = yield* emulator.start({ input: JSON.stringify(input), executionName })
    if (input.history > 0) yield* seed(emulator, arn, input.history)
    const subscription = yield* emulator.subscribe

    const answers: Array<{ readonly at: number; readonly callbackId: string; sent: boolean }> = []
    const wakeups: Array<number> = []
    const absorb = (events: ReadonlyArray<Event>) => {
      for (const event of events) {
        if (event.arn !== arn || event._tag !== "Checkpointed") continue
        for (const update of event.updates) {
          if (update.Type !== "CALLBACK" || update.Action !== "START") continue
          const operation = event.operations.find((op) => op.Id === update.Id)
          const delay = workload.answers?.[update.Name ?? ""]
          const callbackId = operation?.CallbackDetails?.CallbackId
          if (delay !== undefined && callbackId !== undefined) answers.push({ at: event.at + delay, callbackId, sent: false })
        }
        for (const operation of event.operations) wakeups.push(...dueTimes(operation))
      }
    }
    const drain = Effect.map(PubSub.takeUpTo(subscription, 10_000), absorb)
    const deliverDue = Effect.gen(function*() {
      const now = SkippedClock.now()
      for (const answer of answers) {
        if (answer.sent || answer.at > now) continue
        answer.sent = true
        wakeups.push(answer.at)
        yield* emulator.sendCallbackSuccess(answer.callbackId, answerPayload)
      }
    })
    const nextAnswer = () => {
      const pending = answers.filter((a) => !a.sent).map((a) => a.at)
      return pending.length === 0 ? undefined : Math.min(...pending)
    }
    // While an invocation runs, the outside world answers in real time.
    const duringInvocation = Effect.forever(Effect.gen(function*() {
      yield* drain
      yield* deliverDue
      const next = nextAnswer()
      yield* Effect.raceFirst(
        Effect.map(PubSub.take(subscription), (event) => absorb([event])),
        next === undefined ? Effect.never : Effect.sleep(Math.max(0, next - SkippedClock.now()))
      )
    }))

    const startedAt = SkippedClock.now()
    const invocations: Array<MeasuredInvocation> = []
    while (true) {
      if (invocations.length >= 50) return yield* Effect.die(new Error(`${workload.name}: too many invocations`))
      const event = yield* emulator.invoke(arn)
      Probe.begin()
      const realStart = performance.now()
      const world = yield* Effect.forkChild(duringInvocation, { startImmediately: true })
      const output: Wire.InvocationOutput = yield* invokeOnce(sdk, event, client, invocations.length + 1, config.timeoutMillis)
      const billedMillis = performance.now() - realStart
      invocations.push({ ...Probe.end(output.Status), billedMillis })
      yield* Fiber.interrupt(world)
      yield* emulator.complete(arn, output)
      const execution = yield* emulator.execution(arn)
      if (execution.status !== "RUNNING") {
        return {
          workload: workload.name,
          status: execution.status,
          startedAt,
          endedAt: SkippedClock.now(),
          invocations,
          wakeups: [...new Set(wakeups)].sort((a, b) => a - b)
        } satisfies WorkloadTrace
      }
      // The function is not running: skip to the service's next reason to invoke it.
      while (true) {
        yield* drain
        yield* deliverDue
        const timer = yield* emulator.nextWakeup(arn)
        const now = yield* Clock.currentTimeMillis
        if (timer !== undefined && timer <= now) break
        const answer = nextAnswer()
        const next = timer === undefined ? answer : answer === undefined ? timer : Math.min(timer, answer)
        if (next === undefined) return yield* Effect.die(new Error(`${workload.name}: PENDING with nothing to wake it`))
        SkippedClock.skipTo(next)
      }
    }
  })).pipe(Effect.provide(Layer.fresh(Emulator.layer)))

/** When the service changes an operation by itself: a wait's end, a retry's next attempt. */
const dueTimes = (operation: Wire.Operation): ReadonlyArray<number> => {
  const times: Array<number> = []
  const end = operation.WaitDetails?.ScheduledEndTimestamp
  if (end !== undefined) times.push(end.getTime())
  const next = operation.StepDetails?.NextAttemptTimestamp
  if (next !== undefined) times.push(next.getTime())
  return times
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config

const program = Effect.gen(function*() {
  const selected = Workloads.workloads.filter((_, i) => config.only === undefined || config.only.includes(i))
  // Warm-up (not measured): the same code paths once, the long step shortened and, for us, the eager
  // policy (nothing stays alive in real time), as a warm Lambda container has run the code before.
  for (const workload of selected) {
    yield* runWorkload(config, workload, { history: Math.min(config.history, 200), slowMillis: 5 }, "eager", "warm-up")
  }
  const traces: Array<WorkloadTrace> = []
  for (const workload of selected) {
    const executionName = `${workload.ours.name}-${config.rep ?? 0}`
    traces.push(yield* runWorkload(config, workload, { history: config.history, slowMillis: 10_000 }, config.policy, executionName))
  }
  return traces
}).pipe(Effect.provideService(Clock.Clock, SkippedClock.clock))

SkippedClock.install()
Effect.runPromise(program).then(
  (traces) => {
    // Exit once the line is written: stdout is asynchronous when it is a pipe.
    process.stdout.write(JSON.stringify({ config, traces }) + "\n", () => process.exit(0))
  },
  (error) => {
    process.stderr.write(String(error) + "\n")
    process.exit(1)
  }
)
