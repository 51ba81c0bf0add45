/**
 * Test support: checkpoint transports that misbehave on purpose, wrapped around
 * the emulator's client, and the checks every faulty run must pass (every
 * invocation answered before its deadline; nothing the service accepted was
 * lost or done twice).
 */
import { assert } from "@effect/vitest"
import { CheckpointClient, type Workflow } from "@effect-durable/core"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Duration, Effect } from "effect"
import type { Wire } from "@effect-durable/core"

/**
 * How one call misbehaves:
 *
 * - `hang`: the call never returns, and the service never saw it;
 * - `lost`: the service applies the call, its response never arrives;
 * - `throttle`: a 429 (the engine retries the call; the retry is the next call);
 * - `reject`: a 400 that fails the execution (nothing applied);
 * - `garbage`: the service applies the call and the response is garbage (a
 *   token that is not a string, no `NewExecutionState`, an operation moving
 *   backwards: by call index);
 * - `slow`: the response arrives 3 seconds late;
 * - `defect`: the transport dies (throws something whose getters throw);
 * - `loop`: a state read answers with the marker it was asked for (paging that
 *   never ends); for a checkpoint, the response asks for a page that loops.
 */
export type Fault = "hang" | "lost" | "throttle" | "reject" | "garbage" | "slow" | "defect" | "loop"

/** Every fault, for generators. */
export const faults: ReadonlyArray<Fault> = ["hang", "lost", "throttle", "reject", "garbage", "slow", "defect", "loop"]

/** One call of the transport, 1-based over the whole run (checkpoints and state reads). */
export interface Call {
  readonly index: number
  readonly kind: "checkpoint" | "state"
}

/** Something whose every getter throws, as some libraries throw. */
export const hostile = (): unknown =>
  new Proxy({}, {
    get: () => {
      throw new Error("do not touch")
    },
    has: () => {
      throw new Error("do not touch")
    },
    getPrototypeOf: () => {
      throw new Error("do not touch")
    }
  })

const garbage = (index: number, request: Wire.CheckpointRequest, response: Wire.CheckpointResponse): unknown => {
  switch (index % 3) {
    case 0:
      return { ...response, CheckpointToken: 42 }
    case 1:
      return (request.Updates?.length ?? 0) > 0 ? { CheckpointToken: response.CheckpointToken } : null
    default: {
      // Everything reported comes back as STARTED, with no attempt made: SUCCEEDED -> STARTED for a finished step.
      const operations = (response.NewExecutionState?.Operations ?? []).map((operation) => ({
        ...operation,
        Status: "STARTED" as const,
        ...(operation.StepDetails === undefined ? {} : { StepDetails: { Attempt: 0 } })
      }))
      return { ...response, NewExecutionState: { Operations: [...operations, { Id: 7 }] } }
    }
  }
}

/**
 * The emulator's client, misbehaving as `plan` says at each call. A fault
 * applies to its call only: the next call (a retry, the next invocation) goes
 * through, unless the plan says otherwise.
 */
export const faulty = (
  inner: CheckpointClient.CheckpointClient["Service"],
  plan: (call: Call) => Fault | undefined
) => {
  let index = 0
  const injected: Array<Call & { readonly fault: Fault }> = []
  const decide = (kind: Call["kind"]) => {
    const call = { index: ++index, kind }
    const fault = plan(call)
    if (fault !== undefined) injected.push({ ...call, fault })
    return { call, fault }
  }
  const client = CheckpointClient.CheckpointClient.of({
    getExecutionState: (request) =>
      Effect.suspend(() => {
        const { call, fault } = decide("state")
        switch (fault) {
          case undefined:
            return inner.getExecutionState(request)
          case "hang":
          case "lost":
            return Effect.never
          case "throttle":
            return Effect.fail(throttled())
          case "reject":
            return Effect.fail(rejected())
          case "garbage":
            return Effect.succeed((call.index % 2 === 0 ? null : { Operations: [{ Id: "x" }] }) as never)
          case "slow":
            return Effect.delay(inner.getExecutionState(request), Duration.seconds(3))
          case "defect":
            return Effect.die(hostile())
          case "loop":
            return Effect.map(inner.getExecutionState(request), (page) => ({ ...page, NextMarker: request.Marker ?? "m" }))
        }
      }),
    checkpoint: (request) =>
      Effect.suspend(() => {
        const { call, fault } = decide("checkpoint")
        switch (fault) {
          case undefined:
            return inner.checkpoint(request)
          case "hang":
            return Effect.never
          case "lost":
            return Effect.andThen(inner.checkpoint(request), Effect.never)
          case "throttle":
            return Effect.fail(throttled())
          case "reject":
            return Effect.fail(rejected())
          case "garbage":
            return Effect.map(inner.checkpoint(request), (response) => garbage(call.index, request, response) as never)
          case "slow":
            return Effect.delay(inner.checkpoint(request), Duration.seconds(3))
          case "defect":
            return Effect.die(hostile())
          case "loop":
            return Effect.map(inner.checkpoint(request), (response) => ({
              ...response,
              NewExecutionState: { ...response.NewExecutionState, NextMarker: "page-0" }
            }))
        }
      })
  })
  return { client, injected, calls: () => index }
}

const throttled = () =>
  new CheckpointClient.CheckpointClientError({ message: "Rate exceeded", scope: "INVOCATION", statusCode: 429 })

const rejected = () =>
  new CheckpointClient.CheckpointClientError({
    message: "Invalid checkpoint update",
    scope: "EXECUTION",
    statusCode: 400,
    errorName: "InvalidParameterValueException"
  })

/** The Lambda timeout of the fault runs, as in the reproductions. */
export const invocationTimeout = Duration.seconds(6)

/** Every invocation of the run answered, before its deadline: none timed out. */
export const assertAnsweredInTime = (result: LocalRunner.Result<unknown>, label: string) => {
  for (const invocation of result.invocations) {
    assert.notStrictEqual(invocation.outcome, "timedOut", `${label}: invocation ${invocation.index} timed out`)
    assert.isBelow(
      invocation.endedAt - invocation.startedAt,
      Duration.toMillis(invocationTimeout),
      `${label}: invocation ${invocation.index} answered too late`
    )
  }
}

/** The types, names, statuses and parents of the operations, for comparisons across runs. */
export const signature = (operations: ReadonlyArray<Wire.Operation>) =>
  operations.map((op) => [op.Type === "EXECUTION" ? "execution" : op.Id, op.ParentId ?? null, op.Type, op.Name ?? null, op.Status])

/** No STEP or CONTEXT whose SUCCEED the service accepted was started or completed again. */
export const assertNothingRanTwice = Effect.fnUntraced(function*(arn: string, label: string) {
  const emulator = yield* Emulator.Emulator
  const updates = (yield* emulator.history(arn)).flatMap((event) =>
    event._tag === "Checkpointed" ? event.updates.map((update) => ({ call: event.call, update })) : []
  )
  for (const { call, update } of updates) {
    if (update.Action !== "SUCCEED") continue
    const later = updates.filter((u) => u.call > call && u.update.Id === update.Id)
    assert.deepStrictEqual(later, [], `${label}: "${update.Name}" ran again after its SUCCEED`)
  }
})

/**
 * Runs `workflow` over a faulty transport (6-second invocations, retried as
 * Lambda retries them) and checks what every faulty run must: each invocation
 * answered before its deadline, and nothing the service accepted ran twice.
 */
export const runFaulty = Effect.fnUntraced(function*<W extends Workflow.Any>(
  workflow: W,
  input: LocalRunner.InputOf<W>,
  plan: (call: Call) => Fault | undefined,
  label: string,
  options: LocalRunner.TestClockOptions = {}
) {
  const emulator = yield* Emulator.Emulator
  const transport = faulty(emulator.client, plan)
  const result = yield* LocalRunner.runUnderTestClock(workflow, input, {
    invocationTimeout,
    maxConsecutiveFailures: 10,
    ...options,
    client: transport.client
  })
  assertAnsweredInTime(result, label)
  yield* assertNothingRanTwice(result.arn, label)
  return { result, injected: transport.injected }
})
