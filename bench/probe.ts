/**
 * What one invocation did with its time, seen from outside the SDK, the same
 * way for both SDKs.
 *
 * The invocation is busy while a step's code runs or a checkpoint carrying
 * updates is in flight (marked by the workloads' step bodies and by the
 * instrumented client). Before its first busy moment it is starting up
 * (loading state, replaying). After that, every stretch of time in which it is
 * not busy is an idle interval: waiting for a wake-up (polls included), or the
 * SDK's own bookkeeping between two operations (microseconds).
 */
import * as SkippedClock from "./skippedClock.ts"

/** One idle interval, on the skipped clock. */
export interface Interval {
  readonly start: number
  readonly end: number
}

/** One invocation as measured. */
export interface InvocationTrace {
  readonly outcome: string
  /** Start and end on the skipped clock (epoch ms, sub-millisecond). */
  readonly start: number
  readonly end: number
  /** Real milliseconds from the event's arrival to the first busy moment (the whole invocation if never busy). */
  readonly startupMillis: number
  /** Idle intervals after the start-up, in order; the last one ends with the invocation when it ended idle. */
  readonly idle: ReadonlyArray<Interval>
  /** Checkpoint calls, and those without updates (polls). */
  readonly calls: number
  readonly polls: number
}

interface Current {
  readonly start: number
  depth: number
  startupEnd: number | undefined
  idleFrom: number | undefined
  readonly idle: Array<Interval>
  calls: number
  polls: number
}

let current: Current | undefined

/** An invocation starts. */
export const begin = (): void => {
  current = {
    start: SkippedClock.now(),
    depth: 0,
    startupEnd: undefined,
    idleFrom: undefined,
    idle: [],
    calls: 0,
    polls: 0
  }
}

/** Busy work starts (a step body, a checkpoint with updates). */
export const enter = (): void => {
  if (current === undefined) return
  const at = SkippedClock.now()
  if (current.depth === 0) {
    if (current.startupEnd === undefined) current.startupEnd = at
    else if (current.idleFrom !== undefined) current.idle.push({ start: current.idleFrom, end: at })
    current.idleFrom = undefined
  }
  current.depth += 1
}

/** Busy work ends. */
export const exit = (): void => {
  if (current === undefined) return
  current.depth -= 1
  if (current.depth === 0) current.idleFrom = SkippedClock.now()
}

/** A checkpoint call went out; `poll` when it carried no update. */
export const call = (poll: boolean): void => {
  if (current === undefined) return
  current.calls += 1
  if (poll) current.polls += 1
}

/** The invocation ended with `outcome`: its trace. */
export const end = (outcome: string): InvocationTrace => {
  const c = current!
  current = undefined
  const at = SkippedClock.now()
  const idle = [...c.idle]
  if (c.idleFrom !== undefined && c.depth === 0) idle.push({ start: c.idleFrom, end: at })
  return {
    outcome,
    start: c.start,
    end: at,
    startupMillis: (c.startupEnd ?? at) - c.start,
    idle,
    calls: c.calls,
    polls: c.polls
  }
}

/** Runs `f` as busy work. */
export const busy = async <A>(f: () => Promise<A>): Promise<A> => {
  enter()
  try {
    return await f()
  } finally {
    exit()
  }
}
