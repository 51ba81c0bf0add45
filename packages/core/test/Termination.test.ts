import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import * as CostModel from "../src/CostModel.ts"
import * as Termination from "../src/Termination.ts"

// The mechanism is tested with round numbers: a policy that stays 2 s (a 2 s warmup
// and a 2 s in-process horizon, the `latency` rule).
const policy = Termination.resolve({ name: "latency", warmup: "2 seconds", maxInProcessWait: "2 seconds" })
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
  startupMillis: 0,
  roundTripMillis: 0,
  operations: [],
  ...overrides
})

describe("Termination.decide", () => {

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

  it("counts executing operations the scheduler only counts as it counts listed ones", () => {
    const waiting = [op({ wakeAt: 3_600_000, pollAt: 3_600_000 })]
    const listed = Termination.decide(
      snapshot({ now: 60_000, operations: [...waiting, op({ id: "b", type: "STEP", state: "EXECUTING" })] }),
      policy
    )
    const counted = Termination.decide(snapshot({ now: 60_000, operations: waiting, executing: 3 }), policy)
    assert.deepStrictEqual(counted, listed)
    assert.strictEqual(Termination.decide(snapshot({ now: 60_000, operations: waiting }), policy)._tag, "Suspend")
    assert.isUndefined(Termination.idleSince(5, waiting, true, 1))
    assert.strictEqual(Termination.idleSince(5, waiting, true, 0), 5)
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

  it("stays alive for a wake-up due within the horizon of going idle", () => {
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
    const patient = Termination.resolve({ ...policy, maxInProcessWait: "5 seconds" })
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
      Termination.resolve({ ...policy, maxInProcessWait: "10 seconds" })
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
      snapshot({
        now: 2_000,
        operations: [op({ type: "CALLBACK", state: "IDLE_NOT_AWAITED", pollAt: 60_000, polledAt: 2_000 })]
      }),
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
    assert.strictEqual(Termination.nextPollAt(0, 1, Termination.cost), 1_000)
    assert.strictEqual(Termination.nextPollAt(0, 3, Termination.cost), 3_000)
    assert.strictEqual(Termination.nextPollAt(0, 50, Termination.cost), 10_000)
  })

  it("latency: each poll interval 2 % longer than the last, from 20 ms up to a second", () => {
    assert.strictEqual(Termination.nextPollAt(0, 1, Termination.latency), 20)
    assert.strictEqual(Termination.nextPollAt(0, 36, Termination.latency), 40)
    assert.strictEqual(Termination.nextPollAt(0, 500, Termination.latency), 1_000)
    // the polls of one callback waited for from 0, as the scheduler sends them
    const times: Array<number> = []
    for (let at = Termination.nextPollAt(0, 1, Termination.latency); at <= 15 * 60_000;) {
      times.push(at)
      at = Termination.nextPollAt(at, times.length + 1, Termination.latency)
    }
    const within = (from: number, to: number) => times.filter((t) => t > from && t <= to).length
    // the rates the policy documents
    assert.strictEqual(within(0, 1_000), 35)
    assert.isAtMost(within(10_000, 11_000), 5)
    assert.isAtMost(within(60_000, 120_000), 61)
    assert.isAtMost(times.length, 1_100)
    // an answer is seen within 2 % of the time it took, plus 20 ms
    for (let i = 1; i < times.length; i++) {
      assert.isAtMost(times[i]! - times[i - 1]!, 0.02 * times[i - 1]! + 21) // + 1: whole milliseconds
    }
  })
})

describe("Termination policies", () => {
  const wait = (wakeAt: number) => op({ wakeAt, pollAt: wakeAt })
  const callback = (overrides: Partial<Termination.OperationView> = {}) =>
    op({ id: "c", type: "CALLBACK", subType: "Callback", pollAt: 1_000, ...overrides })
  const at128 = Termination.resolve("cost", CostModel.make({ memoryMB: 128 }))

  it("are cost (the default), latency and eager, with their documented defaults", () => {
    assert.strictEqual(Termination.defaultPolicy, Termination.cost)
    assert.strictEqual(Termination.resolve(undefined).name, "cost")
    const ms = (d: Duration.Duration) => Duration.toMillis(d)
    assert.deepStrictEqual(
      (["cost", "latency", "eager"] as const).map((name) => {
        const p = Termination.policies[name]
        return [name, ms(p.warmup), ms(p.maxInProcessWait), ms(p.deadlineMargin), ms(p.pollInterval), ms(p.maxPollInterval)]
      }),
      [
        ["cost", 0, Infinity, 2_000, 1_000, 10_000],
        ["latency", 0, Infinity, 2_000, 20, 1_000],
        ["eager", 20, 0, 2_000, 1_000, 10_000]
      ]
    )
  })

  it("take any Duration input, over the named policy's defaults", () => {
    const p = Termination.resolve({ name: "eager", warmup: "50 millis", pollInterval: 250, maxPollInterval: "1 second" })
    assert.strictEqual(p.name, "eager")
    assert.strictEqual(Duration.toMillis(p.warmup), 50)
    assert.strictEqual(Duration.toMillis(p.pollInterval), 250)
    assert.strictEqual(Duration.toMillis(p.maxPollInterval), 1_000)
    assert.strictEqual(Duration.toMillis(p.maxInProcessWait), 0)
    assert.strictEqual(Duration.toMillis(Termination.resolve({ deadlineMargin: Duration.seconds(5) }).deadlineMargin), 5_000)
    assert.strictEqual(Termination.resolve("latency").name, "latency")
  })

  it("price with the function's cost model, under the user's overrides", () => {
    const environment = CostModel.make({ memoryMB: 1024, architecture: "arm64" })
    assert.deepStrictEqual(Termination.resolve("cost", environment).costModel, environment)
    const overridden = Termination.resolve({ costModel: { memoryMB: 256, prices: { gbSecond: { arm64: 0.00001 } } } }, environment)
    assert.strictEqual(overridden.costModel.memoryMB, 256)
    assert.strictEqual(overridden.costModel.architecture, "arm64")
    assert.strictEqual(overridden.costModel.prices.gbSecond.arm64, 0.00001)
    assert.strictEqual(overridden.costModel.prices.gbSecond.x86_64, CostModel.defaultPrices.gbSecond.x86_64)
    assert.strictEqual(overridden.costModel.prices.request, CostModel.defaultPrices.request)
  })

  it("cost: the horizon is the break-even time, in whole milliseconds", () => {
    const with_ = (memoryMB: number, architecture: CostModel.Architecture = "x86_64") =>
      Termination.resolve("cost", CostModel.make({ memoryMB, architecture }))
    // the request fee alone, in milliseconds alive
    assert.strictEqual(Termination.horizonMillis(with_(128), 0), 96)
    assert.strictEqual(Termination.horizonMillis(with_(512), 0), 24)
    assert.strictEqual(Termination.horizonMillis(with_(1024), 0), 12)
    assert.strictEqual(Termination.horizonMillis(with_(128, "arm64"), 0), 120)
    // plus the start-up a re-invocation would spend again
    assert.strictEqual(Termination.horizonMillis(with_(128), 500), 596)
    assert.strictEqual(Termination.horizonMillis(with_(1024), 500), 512)
    // capped by maxInProcessWait
    assert.strictEqual(Termination.horizonMillis(Termination.resolve({ maxInProcessWait: "100 millis" }), 500), 100)
    // the other policies stay for maxInProcessWait
    assert.strictEqual(Termination.horizonMillis(Termination.latency, 500), Infinity)
    assert.strictEqual(Termination.horizonMillis(Termination.eager, 500), 0)
  })

  it("cost: a known wake-up later than the break-even time suspends at once", () => {
    const waiting = [wait(1_000)]
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 0, operations: waiting }), at128), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
    // after a warmup, if there is one
    const warm = Termination.resolve({ warmup: "50 millis" }, at128.costModel)
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 0, operations: waiting }), warm), {
      _tag: "Sleep",
      until: 50
    })
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 50, operations: waiting }), warm), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
    // a retry likewise
    const retry = [op({ type: "STEP", subType: "Step", state: "RETRY_WAITING", wakeAt: 1_000, pollAt: 1_000 })]
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2, operations: retry }), at128), {
      _tag: "Suspend",
      reason: "RETRY_SCHEDULED"
    })
  })

  it("cost: a known wake-up sooner than the break-even time is waited for in-process", () => {
    // 96 ms of request fee + 500 ms of start-up: a wake-up 550 ms after going idle is cheaper to wait for
    const waiting = [wait(550)]
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2, startupMillis: 500, operations: waiting }), at128), {
      _tag: "Sleep",
      until: 550
    })
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 550, startupMillis: 500, operations: waiting }), at128), {
      _tag: "Poll",
      ids: ["a"]
    })
    // the service is late: keep polling until the break-even time, then suspend
    const late = [op({ wakeAt: 550, pollAt: 650, polledAt: 550 })]
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 551, startupMillis: 500, operations: late }), at128), {
      _tag: "Sleep",
      until: 596
    })
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 596, startupMillis: 500, operations: late }), at128), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
    // with a faster start-up the same wake-up costs more than a re-invocation
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2, startupMillis: 100, operations: waiting }), at128), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
    // and so does it on a larger function (the request fee is worth fewer milliseconds)
    const at1024 = Termination.resolve("cost", CostModel.make({ memoryMB: 1024 }))
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 2, startupMillis: 500, operations: [wait(520)] }), at1024), {
      _tag: "Suspend",
      reason: "WAIT_SCHEDULED"
    })
  })

  it("cost: an unknown wake-up is rented up to the break-even time, looked for once more, then bought", () => {
    // the mechanism, with the whole break-even time rented (the deterministic rule)
    const at128 = Termination.resolve({ rent: "deterministic" }, CostModel.make({ memoryMB: 128 }))
    // rent: stay until the break-even time (96 ms + 20 ms of start-up)
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 0, startupMillis: 20, operations: [callback()] }), at128),
      { _tag: "Sleep", until: 116 }
    )
    // at the break-even time, one last poll
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 116, startupMillis: 20, operations: [callback()] }), at128),
      { _tag: "Poll", ids: ["c"] }
    )
    // polled then without news: buy (suspend)
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 117, startupMillis: 20, operations: [callback({ polledAt: 116 })] }), at128),
      { _tag: "Suspend", reason: "CALLBACK_PENDING" }
    )
    // a poll before the break-even time does not count as the last look
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 117, startupMillis: 20, operations: [callback({ polledAt: 50 })] }), at128),
      { _tag: "Poll", ids: ["c"] }
    )
    // with a round trip of 10 ms, the look goes 10 ms early, and it suspends as soon as the look is back
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 0, startupMillis: 20, roundTripMillis: 10, operations: [callback()] }), at128),
      { _tag: "Sleep", until: 106 }
    )
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 106, startupMillis: 20, roundTripMillis: 10, operations: [callback()] }), at128),
      { _tag: "Poll", ids: ["c"] }
    )
    assert.deepStrictEqual(
      Termination.decide(
        snapshot({ now: 112, startupMillis: 20, roundTripMillis: 10, operations: [callback({ polledAt: 112 })] }),
        at128
      ),
      { _tag: "Suspend", reason: "CALLBACK_PENDING" }
    )
    // a later known wake-up does not keep it alive longer
    assert.deepStrictEqual(
      Termination.decide(
        snapshot({ now: 117, startupMillis: 20, operations: [callback({ polledAt: 116 }), wait(60_000)] }),
        at128
      ),
      { _tag: "Suspend", reason: "WAIT_SCHEDULED" }
    )
  })

  it("cost: rents a share of the break-even time drawn from the execution and the operation", () => {
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
    const rent = Termination.rentMillis(at128, 116, arn, ["c"])
    // whole milliseconds within the break-even time, the same on every run, for this execution and operation
    assert.isTrue(Number.isInteger(rent) && rent >= 0 && rent <= 116)
    assert.strictEqual(Termination.rentMillis(at128, 116, arn, ["c"]), rent)
    assert.notStrictEqual(Termination.rentShare(`${arn}\nc`), Termination.rentShare(`${arn.slice(0, -1)}2\nc`))
    // several operations draw once, whatever their order
    assert.strictEqual(
      Termination.rentMillis(at128, 116, arn, ["c", "d"]),
      Termination.rentMillis(at128, 116, arn, ["d", "c"])
    )
    // the deterministic rule, latency and eager rent their horizon
    assert.strictEqual(Termination.rentMillis(Termination.resolve({ rent: "deterministic" }), 116, arn, ["c"]), 116)
    assert.strictEqual(Termination.rentMillis(Termination.latency, Infinity, arn, ["c"]), Infinity)
    assert.strictEqual(Termination.rentMillis(Termination.eager, 0, arn, ["c"]), 0)
    // the decision: sleep until the rent's end, less a round trip for the last look
    const snap = (overrides: Partial<Termination.Snapshot>) =>
      snapshot({ startupMillis: 20, roundTripMillis: 5, executionArn: arn, operations: [callback()], ...overrides })
    const ids = Array.from({ length: 1_000 }, (_, i) => `op-${i}`)
    const long = ids.find((id) => Termination.rentMillis(at128, 116, arn, [id]) > 5)!
    const longRent = Termination.rentMillis(at128, 116, arn, [long])
    const look = (now: number) => snap({ now, operations: [callback({ id: long })] })
    assert.deepStrictEqual(Termination.decide(look(0), at128), { _tag: "Sleep", until: longRent - 5 })
    assert.deepStrictEqual(Termination.decide(look(longRent - 5), at128), { _tag: "Poll", ids: [long] })
    // a rent no longer than a round trip: no look, no stay
    const short = ids.find((id) => Termination.rentMillis(at128, 116, arn, [id]) <= 5)!
    assert.deepStrictEqual(Termination.decide(snap({ now: 0, operations: [callback({ id: short })] }), at128), {
      _tag: "Suspend",
      reason: "CALLBACK_PENDING"
    })
  })

  it("cost: the rent's share has density e^x/(e−1) on [0, 1], so that its expected cost is e/(e−1) of the optimum", () => {
    const shares = Array.from({ length: 20_000 }, (_, i) => Termination.rentShare(`execution-${i}\nc`))
    assert.isTrue(shares.every((x) => x >= 0 && x <= 1))
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length
    assert.approximately(mean, 1 / (Math.E - 1), 0.01)
    // the distribution function (e^x − 1)/(e − 1), at a few points
    for (const x of [0.25, 0.5, 0.75]) {
      assert.approximately(shares.filter((s) => s <= x).length / shares.length, Math.expm1(x) / (Math.E - 1), 0.015)
    }
    // rent-or-buy with a break-even time of 1: renting x then buying costs x + 1 when the
    // wake-up t comes later, t otherwise; the optimum is min(t, 1)
    for (const t of [0.1, 0.5, 1, 3]) {
      const expected = shares.reduce((sum, x) => sum + (t <= x ? t : x + 1), 0) / shares.length
      assert.approximately(expected / Math.min(t, 1), Math.E / (Math.E - 1), 0.03)
      // whatever the draw, never more than the break-even time plus a re-invocation (2), as the deterministic rule
      assert.isTrue(shares.every((x) => (t <= x ? t : x + 1) <= 2))
      // which stays within twice the optimum for every wake-up (renting x = 1)
      assert.isAtMost((t <= 1 ? t : 2) / Math.min(t, 1), 2)
    }
    // but one draw is not bounded by a ratio: an answer just after a short rent pays a re-invocation
    const x = shares.find((share) => share < 0.05)!
    assert.isAbove((x + 1) / (x + 0.01), 2)
  })

  it("cost: rents half as long, at most, when every earlier answer of the execution came after the break-even time", () => {
    const arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
    const ids = Array.from({ length: 200 }, (_, i) => `op-${i}`)
    const without = ids.map((id) => Termination.rentMillis(at128, 116, arn, [id]))
    const late = ids.map((id) => Termination.rentMillis(at128, 116, arn, [id], 500))
    const early = ids.map((id) => Termination.rentMillis(at128, 116, arn, [id], 50))
    // a late prediction: within half the break-even time, the same draw scaled down
    assert.isTrue(late.every((rent, i) => rent <= 58 && rent <= without[i]!))
    assert.isAbove(Math.max(...without), 58)
    // a prediction of an answer sooner than the break-even time changes nothing
    assert.deepStrictEqual(early, without)
    // the deterministic rule ignores it
    assert.strictEqual(Termination.rentMillis(Termination.resolve({ rent: "deterministic" }), 116, arn, ["c"], 500), 116)
    // the decision reads it from the snapshot
    const id = ids.find((i) => Termination.rentMillis(at128, 116, arn, [i], 500) > 0)!
    assert.deepStrictEqual(
      Termination.decide(
        snapshot({ startupMillis: 20, executionArn: arn, shortestAnswerMillis: 500, operations: [callback({ id })] }),
        at128
      ),
      { _tag: "Sleep", until: Termination.rentMillis(at128, 116, arn, [id], 500) }
    )
    // the expected cost: λ/(1 − e^−λ) ≈ 1.27 times the optimum for a late answer, at most 1/(1 − e^−λ) ≈ 2.54 for any
    const shares = Array.from({ length: 20_000 }, (_, i) => Termination.rentShare(`execution-${i}`, 0.5))
    assert.isTrue(shares.every((x) => x >= 0 && x <= 0.5))
    const expected = (t: number) => shares.reduce((sum, x) => sum + (t <= x ? t : x + 1), 0) / shares.length / Math.min(t, 1)
    assert.approximately(expected(3), 0.5 / -Math.expm1(-0.5), 0.02)
    for (const t of [0.1, 0.2, 0.5, 1, 3]) assert.isAtMost(expected(t), 1 / -Math.expm1(-0.5) + 0.05)
  })

  it("the shortest answer of an execution: its callbacks' and invokes' times from start to end", () => {
    const at = (ms: number) => new Date(ms)
    assert.isUndefined(Termination.shortestAnswerMillis([]))
    assert.strictEqual(
      Termination.shortestAnswerMillis([
        { Type: "CALLBACK", StartTimestamp: at(0), EndTimestamp: at(5_000) },
        { Type: "CHAINED_INVOKE", StartTimestamp: at(1_000), EndTimestamp: at(1_700) },
        // still waiting, or not answered by anyone: no answer time
        { Type: "CALLBACK", StartTimestamp: at(0) },
        { Type: "WAIT", StartTimestamp: at(0), EndTimestamp: at(10) },
        { Type: "STEP", StartTimestamp: at(0), EndTimestamp: at(1) }
      ]),
      700
    )
  })

  it("cost: never stays past the deadline cutoff", () => {
    const cutoff = minutes15 - 2_000
    assert.deepStrictEqual(
      Termination.decide(
        snapshot({ now: cutoff - 50, idleSince: cutoff - 50, startupMillis: 500, operations: [wait(cutoff + 100)] }),
        at128
      ),
      { _tag: "Suspend", reason: "WAIT_SCHEDULED" }
    )
    // nor for a callback
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff - 50, idleSince: cutoff - 50, startupMillis: 500, operations: [callback({ pollAt: cutoff + 1_000 })] }), at128),
      { _tag: "Sleep", until: cutoff }
    )
  })

  it("latency: stays alive for every wake-up before the deadline cutoff", () => {
    const cutoff = minutes15 - 2_000
    // a known one, however far
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 2, operations: [wait(600_000)] }), Termination.latency),
      { _tag: "Sleep", until: 600_000 }
    )
    // an unknown one, polled every 100 ms (its pollAt), until the cutoff
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 2, operations: [callback({ pollAt: 100 })] }), Termination.latency),
      { _tag: "Sleep", until: 100 }
    )
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff - 1, operations: [callback({ pollAt: cutoff + 500 })] }), Termination.latency),
      { _tag: "Sleep", until: cutoff }
    )
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: cutoff, operations: [callback({ pollAt: cutoff + 500 })] }), Termination.latency),
      { _tag: "Suspend", reason: "CALLBACK_PENDING" }
    )
    // one after the cutoff is not waited for
    assert.deepStrictEqual(
      Termination.decide(snapshot({ now: 2, operations: [wait(cutoff + 1)] }), Termination.latency),
      { _tag: "Suspend", reason: "WAIT_SCHEDULED" }
    )
  })

  it("eager: suspends 20 ms after going idle, whatever the wake-up", () => {
    for (const operations of [[wait(1_000)], [callback()]]) {
      assert.deepStrictEqual(Termination.decide(snapshot({ now: 0, operations }), Termination.eager), {
        _tag: "Sleep",
        until: 20
      })
      const decision = Termination.decide(snapshot({ now: 20, operations }), Termination.eager)
      assert.strictEqual(decision._tag, "Suspend")
    }
    // no last look at a callback: the service re-invokes if it completed meanwhile
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 20, operations: [callback()] }), Termination.eager), {
      _tag: "Suspend",
      reason: "CALLBACK_PENDING"
    })
    // a wake-up within the cool-down is polled first
    assert.deepStrictEqual(Termination.decide(snapshot({ now: 10, operations: [wait(10)] }), Termination.eager), {
      _tag: "Poll",
      ids: ["a"]
    })
  })
})

describe("Termination at the deadline", () => {
  it("suspends only for something the service wakes the function up for", () => {
    assert.strictEqual(Termination.endWithout([{ Type: "WAIT", Status: "STARTED" }]), "Suspend")
    assert.strictEqual(Termination.endWithout([{ Type: "CALLBACK", Status: "STARTED" }]), "Suspend")
    assert.strictEqual(Termination.endWithout([{ Type: "CHAINED_INVOKE", Status: "STARTED" }]), "Suspend")
    assert.strictEqual(Termination.endWithout([{ Type: "STEP", Status: "PENDING" }]), "Suspend")
    // started by the function itself, or over: nothing will wake it up
    assert.strictEqual(Termination.endWithout([{ Type: "STEP", Status: "STARTED" }]), "Fail")
    assert.strictEqual(Termination.endWithout([{ Type: "CONTEXT", Status: "STARTED" }]), "Fail")
    assert.strictEqual(Termination.endWithout([{ Type: "EXECUTION", Status: "STARTED" }]), "Fail")
    assert.strictEqual(Termination.endWithout([{ Type: "WAIT", Status: "SUCCEEDED" }]), "Fail")
    assert.strictEqual(Termination.endWithout([]), "Fail")
    // a checkpoint call is unanswered: the service may hold changes the function never saw
    assert.strictEqual(Termination.endWithout([{ Type: "WAIT", Status: "STARTED" }], false), "Fail")
  })

  it("answers after the supervisor's cut-offs, and closes the scope before the deadline", () => {
    const deadline = minutes15
    const margin = Duration.toMillis(Termination.defaultPolicy.deadlineMargin)
    const watchdog = Termination.watchdogAt(deadline, Termination.defaultPolicy)
    const close = Termination.closeBy(deadline, Termination.defaultPolicy)
    assert.strictEqual(watchdog, deadline - 500)
    assert.isAbove(watchdog, deadline - margin / 2, "after the hard cut-off")
    assert.isAbove(close, watchdog)
    assert.isBelow(close, deadline)
  })
})
