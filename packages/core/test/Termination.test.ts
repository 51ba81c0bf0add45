import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import * as Termination from "../src/Termination.ts"

// The rules are tested with round numbers: a 2 s warmup and a 2 s in-process horizon.
const policy: Termination.Policy = {
  ...Termination.defaultPolicy,
  warmup: Duration.seconds(2),
  maxInProcessWait: Duration.seconds(2)
}
const minutes15 = 15 * 60 * 1000

const op = (overrides: Partial<Termination.OperationView> = {}): Termination.OperationView => ({
  id: "a",
  type: "WAIT",
  subType: "Wait",
  state: "IDLE_AWAITED",
  wakeAt: undefined,
  pollAt: undefined,
  ...overrides
})

const snapshot = (overrides: Partial<Termination.Snapshot> = {}): Termination.Snapshot => ({
  now: 0,
  deadline: minutes15,
  idleSince: 0,
  checkpointsDrained: true,
  expired: false,
  operations: [],
  ...overrides
})

describe("Termination.decide", () => {
  it("defaults to a short warmup and a one-second in-process horizon", () => {
    assert.strictEqual(Duration.toMillis(Termination.defaultPolicy.warmup), 100)
    assert.strictEqual(Duration.toMillis(Termination.defaultPolicy.maxInProcessWait), 1_000)
    assert.strictEqual(Duration.toMillis(Termination.defaultPolicy.deadlineMargin), 2_000)
  })

  it("never suspends with nothing pending", () => {
    const decision = Termination.decide(snapshot({ now: 10_000, idleSince: 0 }), policy)
    assert.deepStrictEqual(decision, { _tag: "Sleep", until: undefined })
  })

  it("never suspends while an operation executes", () => {
    const decision = Termination.decide(
      snapshot({
        now: 60_000,
        operations: [op({ wakeAt: 3_600_000, pollAt: 3_600_000 }), op({ id: "b", type: "STEP", state: "EXECUTING" })]
      }),
      policy
    )
    assert.strictEqual(decision._tag, "Sleep")
  })

  it("never suspends while checkpoints are queued or in flight", () => {
    const decision = Termination.decide(
      snapshot({ now: 60_000, checkpointsDrained: false, operations: [op({ wakeAt: 3_600_000, pollAt: 3_600_000 })] }),
      policy
    )
    assert.strictEqual(decision._tag, "Sleep")
  })

  it("runs the warmup before suspending on a long wait", () => {
    const waiting = [op({ wakeAt: 3_600_000, pollAt: 3_600_000 })]
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 500, operations: waiting }), policy), {
      _tag: "Sleep",
      until: 2_000
    })
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2_000, operations: waiting }), policy), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
  })

  it("stays alive for a wake-up due within maxInProcessWait of going idle", () => {
    const soon = [op({ wakeAt: 2_000, pollAt: 2_000 })]
    // idle since 0, the wake-up at 2 s is within the 2 s horizon: sleep until it, past the warmup if need be
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 1_500, operations: soon }), policy), {
      _tag: "Sleep",
      until: 2_000
    })
    const later = [op({ wakeAt: 3_000, pollAt: 3_000 })]
    // 3 s after going idle is beyond the horizon: the warmup runs, then it suspends
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 1_500, operations: later }), policy), {
      _tag: "Sleep",
      until: 2_000
    })
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2_000, operations: later }), policy), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
    // a longer horizon keeps the invocation alive for it
    const patient = { ...policy, maxInProcessWait: Duration.seconds(5) }
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2_000, operations: later }), patient), {
      _tag: "Sleep",
      until: 3_000
    })
  })

  it("polls operations whose time came", () => {
    const decision = Termination.decide(
      snapshot({ now: 4_000, operations: [op({ wakeAt: 4_000, pollAt: 4_000 }), op({ id: "b", pollAt: 9_000 })] }),
      policy
    )
    assert.deepStrictEqual(decision, { _tag: "Poll", ids: ["a"] })
  })

  it("polls while a step executes, so parallel waits complete in-process", () => {
    const decision = Termination.decide(
      snapshot({
        now: 5_000,
        idleSince: undefined,
        operations: [op({ wakeAt: 5_000, pollAt: 5_000 }), op({ id: "s", type: "STEP", state: "EXECUTING" })]
      }),
      policy
    )
    assert.deepStrictEqual(decision, { _tag: "Poll", ids: ["a"] })
  })

  it("near the deadline, expires running steps, then suspends once they checkpointed", () => {
    const executing = [op({ type: "STEP", state: "EXECUTING" })]
    const margin = Duration.toMillis(policy.deadlineMargin)
    const cutoff = minutes15 - margin
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff - 1, idleSince: undefined, operations: executing }), policy),
      { _tag: "Sleep", until: cutoff }
    )
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff, idleSince: undefined, operations: executing }), policy),
      { _tag: "Expire" }
    )
    // told, still executing: wait for it, up to half the margin
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff, idleSince: undefined, expired: true, operations: executing }), policy),
      { _tag: "Sleep", until: minutes15 - margin / 2 }
    )
    // the step checkpointed its failed attempt: suspend at once, no warmup
    const retrying = [op({ type: "STEP", state: "RETRY_WAITING", wakeAt: cutoff + 5_000, pollAt: cutoff + 5_000 })]
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff + 10, idleSince: cutoff + 10, expired: true, operations: retrying }), policy),
      { _tag: "Suspend", reason: "RETRY_SCHEDULED" }
    )
    // it did not give up in time: suspend anyway
    assert.deepStrictEqual(
      Termination.decide(
        snapshot({ now: minutes15 - margin / 2, idleSince: undefined, expired: true, operations: executing }),
        policy
      ),
      { _tag: "Suspend", reason: "DEADLINE_APPROACHING" }
    )
  })

  it("does not stay for a wake-up that comes after the deadline cutoff", () => {
    const decision = Termination.decide(
      snapshot({ now: 2_000, deadline: 10_000, operations: [op({ wakeAt: 9_500, pollAt: 9_500 })] }),
      { ...policy, maxInProcessWait: Duration.seconds(10) }
    )
    assert.deepStrictEqual(decision, { _tag: "Suspend", reason: "WAIT_SCHEDULED" })
  })

  it("names the reason by priority: retry, then wait, then callback", () => {
    const retry = op({ id: "r", type: "STEP", subType: "Step", state: "RETRY_WAITING" })
    const wait = op({ id: "w" })
    const callback = op({ id: "c", type: "CALLBACK", subType: "Callback" })
    assert.strictEqual(Termination.suspendReason([callback, wait, retry]), "RETRY_SCHEDULED")
    assert.strictEqual(Termination.suspendReason([callback, wait]), "WAIT_SCHEDULED")
    assert.strictEqual(Termination.suspendReason([callback]), "CALLBACK_PENDING")
  })

  it("counts operations that are idle but not awaited as pending", () => {
    const decision = Termination.decide(
      snapshot({ now: 2_000, operations: [op({ type: "CALLBACK", state: "IDLE_NOT_AWAITED", pollAt: 60_000 })] }),
      policy
    )
    assert.deepStrictEqual(decision, { _tag: "Suspend", reason: "CALLBACK_PENDING" })
  })

  it("is idle since the last activity, when nothing executes, something waits and nothing is queued", () => {
    const waiting = [op()]
    const executing = [op(), op({ id: "s", type: "STEP", state: "EXECUTING" })]
    assert.strictEqual(Termination.idleSince(5, waiting, true), 5)
    assert.isUndefined(Termination.idleSince(5, waiting, false))
    assert.isUndefined(Termination.idleSince(5, executing, true))
    assert.isUndefined(Termination.idleSince(5, [], true))
  })

  it("backs polls off linearly up to the maximum", () => {
    assert.strictEqual(Termination.nextPollAt(0, 1, policy), 1_000)
    assert.strictEqual(Termination.nextPollAt(0, 3, policy), 3_000)
    assert.strictEqual(Termination.nextPollAt(0, 50, policy), 10_000)
  })
})
