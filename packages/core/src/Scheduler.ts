/**
 * The scheduler: the one place that knows where every operation of the
 * invocation stands.
 *
 * It tracks the lifecycle of every operation of the invocation (see
 * `Termination.LifecycleState`). An operation that has to wait registers a
 * resolver (a `Deferred`) together with the condition that ends its wait and,
 * where known, the time the service will act; then it awaits. Operations never
 * decide to end the invocation: the `Supervisor` reads the scheduler, decides,
 * and the checkpointer resolves waiters when the service reports a change.
 *
 * A change bumps a signal the supervisor sleeps on, so the decision is
 * re-evaluated exactly when something happens, and never on stale state;
 * except the changes that cannot alter it. While nothing waits and the
 * supervisor's last look found an operation executing, the decision depends
 * on the clock alone (sleep until the deadline cut-off, where the attempts
 * expire), and the supervisor's alarm is already set for it: an operation
 * that starts or completes, or the checkpoint queue draining, does not wake
 * it then. A sequential chain of steps makes several such changes per step
 * and never wakes the supervisor.
 *
 * No cost grows with the number of operations in flight: executing operations
 * are a set (the decision reads their number), waiting ones a map of their
 * entries (the decision reads those), and each change is O(1). The state is
 * plain mutable data, changed only inside single synchronous steps of the
 * fibers (JavaScript runs one at a time), so no `Ref` is needed around it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
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

/**
 * The scheduler as the termination decision reads it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  /** How many operations execute. */
  readonly executing: number
  /** The operations that wait (`RETRY_WAITING`, `IDLE_AWAITED`, `IDLE_NOT_AWAITED`). */
  readonly waiting: ReadonlyArray<Termination.OperationView>
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
  /**
   * What the termination decision reads: the number of executing operations,
   * and the waiting ones.
   */
  readonly snapshot: Effect.Effect<Snapshot>
  /**
   * A `Deferred` completed at the next change that can alter the termination
   * decision (of the scheduler or of the checkpoint queue), or at `wake`. The
   * supervisor takes it right before it reads the state: a change that keeps
   * nothing waiting does not complete it if that read found an operation
   * executing (the decision then depends on the clock alone).
   */
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
  Effect.clockWith((clock) =>
    Effect.sync(() => {
      const executingIds = new Set<OperationId.WireId>()
      // Entries are replaced, never changed: a snapshot keeps what it read.
      const waiting = new Map<OperationId.WireId, Entry>()
      // Created when the supervisor waits for the next change, completed by it.
      let changes: Deferred.Deferred<void> | undefined
      // Whether nothing waited and an operation executed when `changes` was last taken: the
      // supervisor's decision then was to sleep until the deadline cut-off (or expire there).
      let lookedBusy = false
      let activity = clock.currentTimeMillisUnsafe()
      let first: number | undefined

      const wakeUnsafe = () => {
        if (changes === undefined) return
        Deferred.doneUnsafe(changes, Exit.void)
        changes = undefined
      }
      // While nothing waits, a change cannot alter a decision taken on a busy state: whether
      // something executes or not, nothing is due before the cut-off, and the alarm is set for it
      // (an alarm left armed after the last operation completed only wakes the supervisor once).
      const notifyChangeUnsafe = () => {
        if (lookedBusy && waiting.size === 0) return
        wakeUnsafe()
      }
      // A change of what is executing or waiting: it also moves the start of the idle period.
      const signalUnsafe = () => {
        activity = clock.currentTimeMillisUnsafe()
        notifyChangeUnsafe()
      }
      // An operation is tracked: the first one ends the invocation's start-up.
      const startedUnsafe = () => {
        activity = clock.currentTimeMillisUnsafe()
        first ??= activity
        notifyChangeUnsafe()
      }

      const executing = (meta: OperationMeta) =>
        Effect.sync(() => {
          waiting.delete(meta.id)
          executingIds.add(meta.id)
          startedUnsafe()
        })

      const completeUnsafe = (id: OperationId.WireId) => {
        // Replayed operations complete without ever being tracked: no change, no signal.
        const executed = executingIds.delete(id)
        if (waiting.delete(id) || executed) signalUnsafe()
      }
      const complete = (id: OperationId.WireId) => Effect.sync(() => completeUnsafe(id))

      const register = (meta: OperationMeta, spec: WaitSpec): Effect.Effect<Registration> =>
        Effect.sync(() => {
          if (spec.current !== undefined && spec.until(spec.current)) {
            return { await: Effect.succeed(spec.current) }
          }
          const deferred = Deferred.makeUnsafe<Wire.Operation>()
          executingIds.delete(meta.id)
          waiting.set(meta.id, {
            id: meta.id,
            type: meta.type,
            subType: meta.subType,
            name: meta.name,
            state: spec.state,
            wakeAt: spec.wakeAt,
            pollAt: spec.wakeAt ?? Termination.nextPollAt(clock.currentTimeMillisUnsafe(), 1, policy),
            polledAt: undefined,
            polls: 0,
            waiter: { until: spec.until, deferred }
          })
          startedUnsafe()
          const awaited = Effect.sync(() => {
            const entry = waiting.get(meta.id)
            if (entry === undefined || entry.state !== "IDLE_NOT_AWAITED") return
            waiting.set(meta.id, { ...entry, state: "IDLE_AWAITED" })
            signalUnsafe()
          })
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

      const notify = (operations: Iterable<Wire.Operation>) =>
        Effect.sync(() => {
          let resolved = false
          for (const operation of operations) {
            const entry = waiting.get(operation.Id)
            if (entry === undefined || entry.waiter === undefined || !entry.waiter.until(operation)) continue
            resolved = true
            waiting.delete(operation.Id)
            // Nobody awaits it yet: it is simply done. Otherwise the resumed operation
            // executes from now on: the supervisor must not suspend between this
            // resolution and the fiber running again.
            if (entry.state !== "IDLE_NOT_AWAITED") executingIds.add(operation.Id)
            Deferred.doneUnsafe(entry.waiter.deferred, Exit.succeed(operation))
          }
          if (resolved) signalUnsafe()
        })

      const polled = (ids: ReadonlyArray<OperationId.WireId>) =>
        Effect.sync(() => {
          const now = clock.currentTimeMillisUnsafe()
          for (const id of ids) {
            const entry = waiting.get(id)
            if (entry === undefined || entry.waiter === undefined) continue
            const polls = entry.polls + 1
            waiting.set(id, { ...entry, polls, polledAt: now, pollAt: Termination.nextPollAt(now, polls, policy) })
          }
          notifyChangeUnsafe()
        })

      return Scheduler.of({
        executing,
        complete,
        await: await_,
        register,
        notify,
        polled,
        snapshot: Effect.sync(() => ({ executing: executingIds.size, waiting: Array.from(waiting.values()) })),
        changed: Effect.sync(() => {
          lookedBusy = waiting.size === 0 && executingIds.size > 0
          return changes ??= Deferred.makeUnsafe<void>()
        }),
        signal: Effect.sync(signalUnsafe),
        wake: Effect.sync(wakeUnsafe),
        lastActivity: Effect.sync(() => activity),
        firstActivity: Effect.sync(() => first)
      })
    })
  )
