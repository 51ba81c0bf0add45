/**
 * The scheduler: the one place that knows where every operation of the
 * invocation stands.
 *
 * It is a `Ref` of lifecycle entries (see `Termination.LifecycleState`). An
 * operation that has to wait registers a resolver (a `Deferred`) together
 * with the condition that ends its wait and, where known, the time the
 * service will act; then it awaits. Operations never decide to end the
 * invocation: the `Supervisor` reads the scheduler, decides, and the
 * checkpointer resolves waiters when the service reports a change.
 *
 * Every change bumps a signal the supervisor sleeps on, so the decision is
 * re-evaluated exactly when something happens, and never on stale state.
 *
 * @since 0.1.0
 */
import { Clock, Context, Deferred, Effect, Exit, HashMap, Ref } from "effect"
import type * as OperationId from "./OperationId.ts"
import * as Termination from "./Termination.ts"
import type * as Wire from "./Wire.ts"

/**
 * What identifies an operation in the scheduler.
 *
 * @category models
 * @since 0.1.0
 */
export interface OperationMeta {
  readonly id: OperationId.WireId
  readonly type: Wire.OperationType
  readonly subType: string | undefined
  readonly name: string | undefined
}

/**
 * How an operation waits.
 *
 * @category models
 * @since 0.1.0
 */
export interface WaitSpec {
  /** `RETRY_WAITING` for a step between attempts, `IDLE_AWAITED` otherwise. */
  readonly state: "RETRY_WAITING" | "IDLE_AWAITED" | "IDLE_NOT_AWAITED"
  /** When the service is expected to act (a wait's end, a retry's next attempt), if known. */
  readonly wakeAt: number | undefined
  /** The operation's current checkpoint: the wait ends at once if it already satisfies `until`. */
  readonly current: Wire.Operation | undefined
  /** The condition on the operation's checkpoint that ends the wait. */
  readonly until: (operation: Wire.Operation) => boolean
}

/**
 * A wait registered ahead of being awaited.
 *
 * @category models
 * @since 0.1.0
 */
export interface Registration {
  /** Awaits the end of the wait (the operation becomes `IDLE_AWAITED` meanwhile). */
  readonly await: Effect.Effect<Wire.Operation>
}

interface Entry extends OperationMeta, Termination.OperationView {
  readonly polls: number
  readonly waiter: { readonly until: (operation: Wire.Operation) => boolean; readonly deferred: Deferred.Deferred<Wire.Operation> } | undefined
}

/**
 * The scheduler service, one per invocation.
 *
 * @category services
 * @since 0.1.0
 */
export class Scheduler extends Context.Service<Scheduler, {
  /** Marks an operation as executing: the invocation must stay alive. */
  readonly executing: (meta: OperationMeta) => Effect.Effect<void>
  /** Marks an operation as completed: it no longer counts. */
  readonly complete: (id: OperationId.WireId) => Effect.Effect<void>
  /** Registers a resolver for the operation and awaits it; returns the checkpoint that ended the wait. */
  readonly await: (meta: OperationMeta, spec: WaitSpec) => Effect.Effect<Wire.Operation>
  /**
   * Registers a resolver without awaiting it yet (`IDLE_NOT_AWAITED`): the
   * operation counts as pending and is polled, and whoever awaits it later
   * gets the checkpoint that ended the wait, even if it ended before.
   */
  readonly register: (meta: OperationMeta, spec: WaitSpec) => Effect.Effect<Registration>
  /** Resolves the waiters whose condition the changed operations satisfy. */
  readonly notify: (operations: Iterable<Wire.Operation>) => Effect.Effect<void>
  /** Records that the given operations were polled without news, pushing their next poll back. */
  readonly polled: (ids: ReadonlyArray<OperationId.WireId>) => Effect.Effect<void>
  /** The operations as the termination decision sees them. */
  readonly snapshot: Effect.Effect<ReadonlyArray<Termination.OperationView>>
  /** A `Deferred` completed at the next change of the scheduler or of the checkpoint queue. */
  readonly changed: Effect.Effect<Deferred.Deferred<void>>
  /** Signals a change that happened outside the scheduler (the checkpoint queue drained). */
  readonly signal: Effect.Effect<void>
  /** Wakes the supervisor up without any change (its timer fired). */
  readonly wake: Effect.Effect<void>
  /**
   * When work last started or stopped (an operation executing, waiting,
   * completing, or the checkpoint queue draining): the moment the invocation
   * went idle, if it is idle. Polls without news do not count.
   */
  readonly lastActivity: Effect.Effect<number>
  /**
   * When the first operation started executing or waiting in this invocation
   * (replayed operations that completed before do not count): the end of its
   * start-up and replay. `undefined` until then.
   */
  readonly firstActivity: Effect.Effect<number | undefined>
}>()("@effect-durable/core/Scheduler") {}

/**
 * Builds a scheduler.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (policy: Termination.Policy): Effect.Effect<Scheduler["Service"]> =>
  Effect.gen(function*() {
    const entries = yield* Ref.make(HashMap.empty<OperationId.WireId, Entry>())
    const changes = yield* Ref.make(Deferred.makeUnsafe<void>())

    const activity = yield* Ref.make(yield* Clock.currentTimeMillis)
    const first = yield* Ref.make<number | undefined>(undefined)

    const notifyChange = Effect.flatMap(
      Ref.modify(changes, (previous) => [previous, Deferred.makeUnsafe<void>()] as const),
      (previous) => Deferred.succeed(previous, undefined)
    )
    // A change of what is executing or waiting: it also moves the start of the idle period.
    const signal = Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => Ref.set(activity, now)),
      Effect.andThen(notifyChange)
    )
    // An operation is tracked: the first one ends the invocation's start-up.
    const started = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Ref.update(first, (at) => at ?? now).pipe(Effect.andThen(Ref.set(activity, now)), Effect.andThen(notifyChange)))

    const put = (meta: OperationMeta, fields: Pick<Entry, "state" | "wakeAt" | "pollAt" | "polls" | "waiter">) =>
      Ref.update(entries, HashMap.set(meta.id, { id: meta.id, type: meta.type, subType: meta.subType, name: meta.name, ...fields }))

    const executing = Effect.fnUntraced(function*(meta: OperationMeta) {
      yield* put(meta, { state: "EXECUTING", wakeAt: undefined, pollAt: undefined, polls: 0, waiter: undefined })
      yield* started
    })

    const complete = Effect.fnUntraced(function*(id: OperationId.WireId) {
      // Replayed operations complete without ever being tracked: no change, no signal.
      const tracked = yield* Ref.modify(entries, (map) => [HashMap.has(map, id), HashMap.remove(map, id)] as const)
      if (tracked) yield* signal
    })

    const register = (meta: OperationMeta, spec: WaitSpec): Effect.Effect<Registration> =>
      Effect.gen(function*() {
        if (spec.current !== undefined && spec.until(spec.current)) {
          return { await: Effect.succeed(spec.current) }
        }
        const now = yield* Clock.currentTimeMillis
        const deferred = Deferred.makeUnsafe<Wire.Operation>()
        yield* put(meta, {
          state: spec.state,
          wakeAt: spec.wakeAt,
          pollAt: spec.wakeAt ?? Termination.nextPollAt(now, 1, policy),
          polls: 0,
          waiter: { until: spec.until, deferred }
        })
        yield* started
        const awaited = Ref.modify(entries, (map) => {
          const entry = HashMap.get(map, meta.id)
          if (entry._tag === "None" || entry.value.state !== "IDLE_NOT_AWAITED") return [false, map] as const
          return [true, HashMap.set(map, meta.id, { ...entry.value, state: "IDLE_AWAITED" })] as const
        }).pipe(Effect.flatMap((changed) => changed ? signal : Effect.void))
        return {
          await: Effect.uninterruptibleMask((restore) =>
            awaited.pipe(
              Effect.andThen(restore(Deferred.await(deferred))),
              Effect.onInterrupt(() => complete(meta.id))
            )
          )
        }
      })

    const await_ = (meta: OperationMeta, spec: WaitSpec): Effect.Effect<Wire.Operation> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(register(meta, spec), (registration) => restore(registration.await))
      )

    const notify = Effect.fnUntraced(function*(operations: Iterable<Wire.Operation>) {
      const resolved = yield* Ref.modify(entries, (map) => {
        const woken: Array<readonly [Deferred.Deferred<Wire.Operation>, Wire.Operation]> = []
        let next = map
        for (const operation of operations) {
          const entry = HashMap.get(next, operation.Id)
          if (entry._tag === "None" || entry.value.waiter === undefined) continue
          if (!entry.value.waiter.until(operation)) continue
          woken.push([entry.value.waiter.deferred, operation])
          // Nobody awaits it yet: it is simply done.
          if (entry.value.state === "IDLE_NOT_AWAITED") {
            next = HashMap.remove(next, operation.Id)
            continue
          }
          // The resumed operation executes from now on: the supervisor must not
          // suspend between this resolution and the fiber running again.
          next = HashMap.set(next, operation.Id, {
            ...entry.value,
            state: "EXECUTING",
            wakeAt: undefined,
            pollAt: undefined,
            polledAt: undefined,
            waiter: undefined
          })
        }
        return [woken, next] as const
      })
      if (resolved.length === 0) return
      for (const [deferred, operation] of resolved) Deferred.doneUnsafe(deferred, Exit.succeed(operation))
      yield* signal
    })

    const polled = Effect.fnUntraced(function*(ids: ReadonlyArray<OperationId.WireId>) {
      const now = yield* Clock.currentTimeMillis
      yield* Ref.update(entries, (map) => {
        let next = map
        for (const id of ids) {
          const entry = HashMap.get(next, id)
          if (entry._tag === "None" || entry.value.waiter === undefined) continue
          const polls = entry.value.polls + 1
          next = HashMap.set(next, id, {
            ...entry.value,
            polls,
            polledAt: now,
            pollAt: Termination.nextPollAt(now, polls, policy)
          })
        }
        return next
      })
      yield* notifyChange
    })

    return Scheduler.of({
      executing,
      complete,
      await: await_,
      register,
      notify,
      polled,
      snapshot: Effect.map(Ref.get(entries), HashMap.toValues),
      changed: Ref.get(changes),
      signal,
      wake: notifyChange,
      lastActivity: Ref.get(activity),
      firstActivity: Ref.get(first)
    })
  })
