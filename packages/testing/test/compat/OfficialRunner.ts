/**
 * Test support (not shipped): runs a handler written with the official SDK
 * (`withDurableExecution(async (event, ctx) => …)`) against OUR in-memory
 * `Emulator`, the way Lambda and the service would, so that its operations and
 * checkpoints can be compared with an effect-durable workflow's.
 *
 * The loop: `emulator.start` → `emulator.invoke` → the official handler, called
 * with the invocation event wrapped in the SDK's own injection point
 * (`DurableExecutionInvocationInputWithClient`) around a Promise adapter of
 * `emulator.client`, and a fake Lambda context → `emulator.complete` → on
 * PENDING the clock moves to `emulator.nextWakeup` and the handler is invoked
 * again.
 *
 * Time. The emulator runs on Effect's `Clock`, here the `TestClock`; the
 * official SDK runs on real time (`setTimeout`, `Date.now()`). The two never
 * need to agree, because the only thing the official SDK does with the
 * service's timestamps inside an invocation is decide whether a due time
 * (`ScheduledEndTimestamp`, `NextAttemptTimestamp`) falls within the rest of
 * the invocation, to arm an in-process timer. So:
 *
 * - the `TestClock` starts at {@link epoch}, far in the future of the real
 *   clock: every due time the handler sees is decades away, so it arms no
 *   timer for it, and it suspends 20 ms (real time, its cool-down) after
 *   nothing executes, as it does on AWS whenever nothing else runs (the 1 s
 *   first poll it arms for a callback or an invoke never fires: the suspension
 *   clears it);
 * - during an invocation the `TestClock` stands still: every timestamp the
 *   emulator writes in one invocation is the same, and the same on every run;
 * - between invocations the runner sets the `TestClock` to the emulator's next
 *   wake-up, so waits and retry back-offs take no real time.
 *
 * The result is deterministic: the same handler gives the same operations,
 * timestamps and checkpoint calls on every run.
 *
 * One behaviour of the official SDK is not reproduced: resuming in-process a
 * short wait or retry while other code of the same invocation still runs (on
 * AWS it arms a timer for the due time and polls). Here the due time looks
 * decades away, so the operation waits for the next invocation instead. No
 * case relies on it; a case that does would show it as extra invocations on
 * their side.
 */
import type * as Emulator from "@effect-durable/testing/Emulator"
import { Emulator as EmulatorService } from "@effect-durable/testing/Emulator"
import type { CheckpointClientError } from "@effect-durable/core/CheckpointClient"
import * as Wire from "@effect-durable/core/Wire"
import {
  type DurableExecutionClient,
  DurableExecutionClientError,
  DurableExecutionClientErrorScope,
  type DurableExecutionInvocationInput,
  DurableExecutionInvocationInputWithClient,
  type DurableLambdaHandler
} from "@aws/durable-execution-sdk-js"
import { Cause, Clock, Effect, Exit, Schema } from "effect"
import { TestClock } from "effect/testing"

/**
 * Where the `TestClock` starts: 2100-01-01T00:00:00Z, decades ahead of the real
 * clock the official SDK reads (see the module comment).
 */
export const epoch = Date.UTC(2100, 0, 1)

/** How one invocation of the official handler ended. */
export type Outcome = "SUCCEEDED" | "FAILED" | "PENDING" | "failed"

/** One invocation, as the runner saw it. */
export interface InvocationRecord {
  readonly index: number
  readonly outcome: Outcome
  /** Why the handler rejected (for `failed`). */
  readonly error?: string
}

/** The end of a run of the official handler. */
export interface Result {
  readonly arn: string
  readonly status: Emulator.ExecutionStatus
  readonly invocations: ReadonlyArray<InvocationRecord>
  /** The emulator's snapshot: operations, result, error, history. */
  readonly execution: Emulator.Execution
  /**
   * Requests the adapter could not decode with our wire Schemas: each one is a
   * wire incompatibility (the request was refused with an EXECUTION error).
   */
  readonly malformedRequests: ReadonlyArray<string>
}

/** Options of {@link run}. */
export interface Options {
  /** Give up after this many invocations. Defaults to 50. */
  readonly maxInvocations?: number | undefined
  /** The function name in the ARN. Defaults to `official-function`. */
  readonly functionName?: string | undefined
  /** What the outside world does each time the execution suspends (complete callbacks, chained invokes). */
  readonly external?: ((arn: string) => Effect.Effect<void, unknown>) | undefined
}

/** The official handler rejected too often, or the run did not end. */
export class OfficialRunError extends Schema.TaggedError<OfficialRunError>()("OfficialRunError", {
  message: Schema.String
}) {}

/** The Lambda `Context` type the official handler takes (the SDK types it with `aws-lambda`). */
type LambdaContext = Parameters<DurableLambdaHandler>[1]

const invocationTimeoutMillis = 15 * 60 * 1000

/** A fake Lambda context; the remaining time is measured on the real clock, like the SDK's own timers. */
const lambdaContext = (arn: string, functionName: string, index: number): LambdaContext => {
  const deadline = Date.now() + invocationTimeoutMillis
  const context = {
    awsRequestId: `official-${index}`,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: arn.split("/durable-execution/")[0] ?? arn,
    memoryLimitInMB: "1024",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {}
  }
  return context as LambdaContext
}

const decodeCheckpointRequest = Schema.decodeUnknownEffect(Wire.CheckpointRequest)
const decodeGetStateRequest = Schema.decodeUnknownEffect(Wire.GetStateRequest)
const decodeOutput = Schema.decodeUnknownEffect(Wire.InvocationOutput)
const encodeEvent = Schema.encodeEffect(Wire.InvocationInput)

/** What goes over HTTP: `undefined` fields disappear. */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

/**
 * The official SDK's `DurableExecutionClient` over `emulator.client`.
 *
 * Requests are sent through JSON (as the HTTP transport would) and decoded with
 * our wire Schemas, so a request our model cannot represent is caught here.
 * Responses keep `Date` timestamps, as `@aws-sdk/client-lambda` returns them,
 * and are deep copies, so the SDK cannot alter the emulator's state. A refused
 * call throws a `DurableExecutionClientError` with the emulator's scope.
 */
export const makeClient = (
  client: Emulator.Emulator["Service"]["client"],
  runPromise: <A, E>(effect: Effect.Effect<A, E>) => Promise<Exit.Exit<A, E>>,
  onMalformed: (message: string) => void = () => {}
): DurableExecutionClient => {
  const call = async <A>(
    effect: Effect.Effect<A, CheckpointClientError | Schema.SchemaError>
  ): Promise<A> => {
    const exit = await runPromise(effect)
    if (Exit.isSuccess(exit)) return structuredClone(exit.value)
    const error = Cause.squash(exit.cause)
    if (Schema.isSchemaError(error)) {
      onMalformed(error.message)
      throw new DurableExecutionClientError(`Malformed request: ${error.message}`, {
        scope: DurableExecutionClientErrorScope.EXECUTION
      })
    }
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "CheckpointClientError") {
      const failure = error as CheckpointClientError
      throw new DurableExecutionClientError(failure.message, {
        scope: failure.scope === "EXECUTION"
          ? DurableExecutionClientErrorScope.EXECUTION
          : DurableExecutionClientErrorScope.INVOCATION,
        cause: failure
      })
    }
    throw error
  }
  return {
    // Our readonly Schema types vs their mutable interfaces: the same JSON shapes.
    getExecutionState: (params) =>
      call(Effect.flatMap(decodeGetStateRequest(overTheWire(params)), client.getExecutionState)) as Promise<
        never
      >,
    checkpoint: (params) =>
      call(Effect.flatMap(decodeCheckpointRequest(overTheWire(params)), client.checkpoint)) as Promise<never>
  }
}

/**
 * Runs an official-SDK handler to the end of its execution on the `Emulator`
 * in context, under the `TestClock` (which it sets to {@link epoch} first).
 *
 * @example
 * ```ts
 * const handler = withDurableExecution(async (event, ctx) => ctx.step("a", async () => 1))
 * const result = yield* OfficialRunner.run(handler, { n: 1 })
 * ```
 */
export const run = Effect.fn("OfficialRunner.run")(function*(
  handler: DurableLambdaHandler,
  input: unknown,
  options: Options = {}
) {
  const emulator = yield* EmulatorService
  const context = yield* Effect.context<never>()
  const runPromise = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExitWith(context)(effect)
  const functionName = options.functionName ?? "official-function"
  const maxInvocations = options.maxInvocations ?? 50
  const malformed: Array<string> = []
  const client = makeClient(emulator.client, runPromise, (message) => malformed.push(message))

  yield* TestClock.setTime(epoch)
  const arn = yield* emulator.start({ name: functionName, input: JSON.stringify(input) })
  const invocations: Array<InvocationRecord> = []

  while (true) {
    if (invocations.length >= maxInvocations) {
      return yield* new OfficialRunError({ message: `The execution did not end within ${maxInvocations} invocations` })
    }
    const index = invocations.length + 1
    const event = yield* encodeEvent(yield* emulator.invoke(arn)).pipe(Effect.orDie)
    const answer = yield* Effect.exit(Effect.tryPromise(() =>
      handler(
        new DurableExecutionInvocationInputWithClient(event as unknown as DurableExecutionInvocationInput, client),
        lambdaContext(arn, functionName, index)
      )
    ))
    if (Exit.isFailure(answer)) {
      const error = String(Cause.squash(answer.cause))
      invocations.push({ index, outcome: "failed", error })
      yield* emulator.abandon(arn, error)
      if (invocations.slice(-3).filter((i) => i.outcome === "failed").length === 3) {
        return yield* new OfficialRunError({ message: `3 invocations in a row failed; last error: ${error}` })
      }
      continue
    }
    const output = yield* decodeOutput(overTheWire(answer.value)).pipe(Effect.orDie)
    invocations.push({ index, outcome: output.Status })
    yield* emulator.complete(arn, output)
    const execution = yield* emulator.execution(arn)
    if (execution.status !== "RUNNING") {
      return { arn, status: execution.status, invocations, execution, malformedRequests: malformed } satisfies Result
    }
    if (options.external !== undefined) yield* Effect.orDie(options.external(arn))
    const wakeup = yield* emulator.nextWakeup(arn)
    if (wakeup === undefined) {
      return yield* new OfficialRunError({ message: "The execution is PENDING but nothing will wake it up" })
    }
    if (wakeup > (yield* Clock.currentTimeMillis)) yield* TestClock.setTime(wakeup)
  }
})
