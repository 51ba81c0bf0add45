/**
 * From a measured trace to money: what a run cost, and what the best possible
 * termination decisions would have cost on the same trace (the offline
 * optimum).
 *
 * A run's billed time splits into work (what any decision pays: the first
 * invocation's start-up, steps, checkpoints, the SDK's own work) and gaps:
 * each time the function went idle waiting for a wake-up. For each gap the
 * trace gives its length (from going idle to the wake-up: a timer due, a
 * callback answered) and, where the run suspended, what the re-invocation
 * spent starting up. Knowing every wake-up in advance, the best decision for a
 * gap is the cheaper of staying alive through it (its length, billed) and
 * suspending at once (a request fee plus the re-invocation's start-up,
 * billed): the offline optimum is the work plus, for every gap, that minimum.
 */
import * as CostModel from "@effect-durable/core/CostModel"
import type { MeasuredInvocation, WorkloadTrace } from "./mixRun.ts"
import * as Stats from "./stats.ts"

/** One gap: the function idle, waiting for a wake-up. */
export interface Gap {
  /** From going idle to the wake-up, in ms. */
  readonly lengthMillis: number
  /** How long the function stayed alive in it, in ms. */
  readonly aliveMillis: number
  /** The start-up of the re-invocation that ended it, if the run suspended. */
  readonly reinvocationStartupMillis: number | undefined
}

/** A workload's run, measured. */
export interface Measured {
  readonly invocations: number
  /** What Lambda bills: each invocation's duration rounded up to the millisecond. */
  readonly billedMillis: ReadonlyArray<number>
  /** Billed time spent idle, waiting for a wake-up. */
  readonly idleMillis: number
  /** Billed time any decision pays. */
  readonly workMillis: number
  /** From the execution's start to its end, the service's time included. */
  readonly completionMillis: number
  /** Start-up of each re-invocation. */
  readonly reinvocationStartups: ReadonlyArray<number>
  readonly gaps: ReadonlyArray<Gap>
  readonly polls: number
  readonly calls: number
}

const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)

/** Splits a trace into work and gaps. */
export const measure = (trace: WorkloadTrace): Measured => {
  const gaps: Array<Gap> = []
  const invocations = trace.invocations
  invocations.forEach((invocation: MeasuredInvocation, i) => {
    const next = invocations[i + 1]
    const suspended = invocation.outcome === "PENDING" && next !== undefined
    invocation.idle.forEach((interval, j) => {
      const tail = j === invocation.idle.length - 1 && interval.end === invocation.end
      const aliveMillis = interval.end - interval.start
      if (tail && suspended) {
        gaps.push({
          lengthMillis: next.start - interval.start,
          aliveMillis,
          reinvocationStartupMillis: next.startupMillis
        })
      } else if (!tail) {
        // In-process: the gap ends at the first wake-up within it (the SDK may notice it later).
        const wake = trace.wakeups.find((at) => at >= interval.start && at <= interval.end)
        gaps.push({ lengthMillis: (wake ?? interval.end) - interval.start, aliveMillis, reinvocationStartupMillis: undefined })
      }
      // The tail of the last invocation is finishing work, not waiting.
    })
    const endedIdle = invocation.idle.length > 0 && invocation.idle.at(-1)!.end === invocation.end
    if (suspended && !endedIdle) {
      gaps.push({ lengthMillis: next.start - invocation.end, aliveMillis: 0, reinvocationStartupMillis: next.startupMillis })
    }
  })
  const billedMillis = invocations.map((i) => Math.ceil(i.billedMillis))
  const reinvocationStartups = invocations.slice(1).map((i) => i.startupMillis)
  const idleMillis = sum(gaps.map((g) => g.aliveMillis))
  return {
    invocations: invocations.length,
    billedMillis,
    idleMillis,
    workMillis: sum(billedMillis) - idleMillis - sum(reinvocationStartups),
    completionMillis: trace.endedAt - trace.startedAt,
    reinvocationStartups,
    gaps,
    polls: sum(invocations.map((i) => i.polls)),
    calls: sum(invocations.map((i) => i.calls))
  }
}

/**
 * How long after each wake-up the function was at work again (a step running,
 * a checkpoint with updates in flight), in ms: the time it took to notice the
 * wake-up (a poll's round trip and its interval in-process; the re-invocation
 * and its replay otherwise). Wake-ups that came while the function was busy
 * (nothing waited for them) are left out.
 */
export const wakeupLags = (trace: WorkloadTrace): ReadonlyArray<number> => {
  const busyStarts: Array<number> = []
  const waiting: Array<{ readonly start: number; readonly end: number }> = []
  trace.invocations.forEach((invocation, i) => {
    busyStarts.push(invocation.start + invocation.startupMillis, ...invocation.idle.map((interval) => interval.end))
    waiting.push(...invocation.idle)
    const next = trace.invocations[i + 1]
    if (next !== undefined) waiting.push({ start: invocation.end, end: next.start + next.startupMillis })
  })
  busyStarts.sort((a, b) => a - b)
  return trace.wakeups.flatMap((at) => {
    if (!waiting.some((interval) => at >= interval.start && at <= interval.end)) return []
    const busy = busyStarts.find((start) => start >= at)
    return busy === undefined ? [] : [busy - at]
  })
}

/** What the run cost at this cost model. */
export const cost = (measured: Measured, model: CostModel.CostModel): number =>
  sum(measured.billedMillis.map((millis) => CostModel.invocation(model, millis)))

/**
 * The offline optimum of the run at this cost model. A gap the run stayed
 * alive through has no measured re-invocation: `startupMillis` is what one
 * would have spent (measured on re-invocations of the same workload).
 */
export const optimum = (measured: Measured, model: CostModel.CostModel, startupMillis: number): number => {
  const ms = CostModel.millisecond(model)
  const gaps = measured.gaps.map((gap) =>
    Math.min(gap.lengthMillis * ms, CostModel.reinvocation(model, gap.reinvocationStartupMillis ?? startupMillis))
  )
  return model.prices.request + Math.max(0, measured.workMillis) * ms + sum(gaps)
}

/** The median of some numbers (`undefined` for none). */
export const median = (xs: ReadonlyArray<number>): number | undefined =>
  xs.length === 0 ? undefined : Stats.median(xs)
