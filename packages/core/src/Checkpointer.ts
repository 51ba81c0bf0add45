/**
 * The checkpointer: every write to the service goes through it.
 *
 * It owns the invocation's view of the execution state and the checkpoint
 * token. Updates enter one FIFO queue; a single worker fiber sends them with
 * one call in flight at a time, in batches of at most 250 updates and 750 KB
 * (the official SDK's limits), rotates the token on each response, merges the
 * operations that changed into the state, and wakes the scheduler's waiters
 * whose operation changed. An empty checkpoint is a poll.
 *
 * Checkpoints are pipelined. Workflow code does not wait for an update it
 * does not need the answer of: it runs on while the call is in flight, and
 * everything queued meanwhile (or while the workflow still runs
 * synchronously: the worker lets it reach its next wait first) travels in the
 * next call, together. What protects users is one rule, which the operations
 * keep with {@link Checkpointer.acknowledged}: no step's code (no side effect)
 * starts before every update causally ahead of it is acknowledged by the
 * service; and the invocation's answer waits for everything (`flush`).
 * Causally ahead of a step are its own START (AtMostOncePerRetry: it is
 * checkpointed, not queued) and every outcome (SUCCEED, FAIL, RETRY, ...: any
 * update but a START) queued before the step's turn came: an outcome reaches
 * the workflow as soon as it is queued, so whatever the step's fiber, its
 * ancestors or a joined sibling learnt before that turn is durable when its
 * code starts. Another operation's START tells the workflow nothing, and an
 * outcome queued after the turn (a concurrent sibling's) cannot have shaped
 * the step. Acknowledgements come in queue order, so the prefix up to the
 * last such outcome is what a step waits for. So an AtMostOncePerRetry step
 * costs one round trip (its START travels with the previous step's SUCCEED),
 * a step followed by a wait, a callback or an invoke shares one call with it,
 * and concurrent siblings do not wait for each other's updates: a burst of
 * them travels together.
 *
 * A failed call never reaches the operation that queued the update: the
 * failure goes straight to the supervisor, which ends the invocation (a system
 * failure is not something user code can catch and carry on from). So does
 * everything else that goes wrong on the checkpoint path: a response that
 * `ServiceGuard` refuses (no `NewExecutionState` where one is due, an
 * operation moving backwards, garbage), a paging that does not end, and any
 * defect (a transport that returns `null` or throws something unreadable): the
 * worker is supervised, and its death is reported as a `CheckpointFailedError`
 * of the invocation, never silent. Nothing queued after a failed update is
 * acknowledged, so no step that follows it runs.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { CheckpointClient, type CheckpointClientError, malformed, readPages } from "./CheckpointClient.ts"
import { CheckpointFailedError } from "./DurableError.ts"
import type * as OperationId from "./OperationId.ts"
import * as Payload from "./Payload.ts"
import type { Scheduler } from "./Scheduler.ts"
import * as ServiceGuard from "./ServiceGuard.ts"
import * as Termination from "./Termination.ts"
import { OperationIndex } from "./internal/operationIndex.ts"
import { keep } from "./internal/shapes.ts"
import { tracedWith } from "./internal/tracing.ts"
import type * as Wire from "./Wire.ts"

/**
 * Batch limits of one checkpoint call.
 *
 * @category constants
 * @since 0.1.0
 */
export const limits = {
  maxUpdates: 250,
  maxBytes: 750 * 1024
} as const

/**
 * The checkpointer service, one per invocation.
 *
 * @category services
 * @since 0.1.0
 */
export class Checkpointer extends Context.Service<Checkpointer, {
  readonly arn: string
  /** The operation's latest known checkpoint. */
  readonly get: (id: OperationId.WireId) => Effect.Effect<Wire.Operation | undefined>
  /** The operation's latest known checkpoint, read synchronously (the replay's fast path). */
  readonly lookup: (id: OperationId.WireId) => Wire.Operation | undefined
  /** Every known operation, in the order the service reported them. */
  readonly operations: Effect.Effect<ReadonlyArray<Wire.Operation>>
  /** Queues an update and waits until the service accepted it; returns the operation's new checkpoint. */
  readonly checkpoint: (update: Wire.OperationUpdate) => Effect.Effect<Wire.Operation | undefined>
  /** Queues an update without waiting for it: it travels with the next call. */
  readonly enqueue: (update: Wire.OperationUpdate) => Effect.Effect<void>
  /**
   * The turn of a step's code: waits until every outcome queued so far (any
   * update but a START) is acknowledged by the service, with all that was
   * queued before it. A step's code runs after it: no side effect starts
   * before what the workflow learnt ahead of it is durable. When there is
   * nothing to wait for, the fibers that are ready run first (concurrent
   * siblings all take their turn before any of them queues an outcome).
   */
  readonly acknowledged: Effect.Effect<void>
  /** Sends an empty checkpoint (unless a batch is about to go anyway) to learn what changed. */
  readonly poll: Effect.Effect<void>
  /** True when nothing is queued or in flight. */
  readonly drained: Effect.Effect<boolean>
  /** Waits until nothing is queued or in flight. */
  readonly flush: Effect.Effect<void>
  /** Number of checkpoint calls made by this invocation. */
  readonly calls: Effect.Effect<number>
  /** How long the last successful checkpoint call took, in milliseconds (0 before the first). */
  readonly roundTrip: Effect.Effect<number>
  /**
   * Marks a context as finished: updates of its descendants queued from now on
   * are dropped (they belong to work the context no longer waits for, such as
   * the items of a completed `map` that were still running).
   */
  readonly markFinished: (id: OperationId.WireId) => Effect.Effect<void>
}>()("@effect-durable/core/Checkpointer") {}

/**
 * What the checkpointer needs from the invocation.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly arn: string
  readonly token: string
  readonly operations: ReadonlyArray<Wire.Operation>
  /**
   * The same operations by id (see {@link indexById}), when the caller built
   * that index already (the invocation does, to refuse a state with an
   * operation twice): the checkpointer keeps it as its state, and updates it.
   */
  readonly byId?: OperationIndex | undefined
  readonly scheduler: Scheduler["Service"]
  /** Called once when a checkpoint call fails: the invocation ends. */
  readonly onFailure: (error: CheckpointFailedError) => Effect.Effect<void>
  /**
   * Called when the service returned no next token after a non-terminal
   * checkpoint; `pending` tells whether the service has something to wake the
   * function up for (`Termination.endWithout`).
   */
  readonly onMissingToken: (pending: boolean) => Effect.Effect<void>
  /**
   * Called with every response that changed operations, before the waiters
   * of those operations are woken: the changed operations, what was known of
   * each before, and the whole state after (for instrumentation).
   */
  readonly onMerged?:
    | ((
      operations: ReadonlyArray<Wire.Operation>,
      previous: ReadonlyArray<Wire.Operation | undefined>,
      state: ReadonlyMap<OperationId.WireId, Wire.Operation>
    ) => Effect.Effect<void>)
    | undefined
}

interface Item {
  /** `undefined` for a poll. */
  readonly update: Wire.OperationUpdate | undefined
  /** The update's JSON in UTF-8 bytes, as the service counts a request (0 for a poll). */
  readonly size: number
}

/** A fiber waiting until the first `upTo` queued items are acknowledged. */
interface Waiter {
  readonly upTo: number
  readonly deferred: Deferred.Deferred<void>
}

/**
 * Splits queued items into consecutive batches within the limits: at most 250
 * updates, and 750 KB counting the token (each item's `size` is its update's
 * JSON in UTF-8 bytes). Polls ride along without counting. Pure.
 *
 * @category batching
 * @since 0.1.0
 */
export const batches = <A extends { readonly update: unknown; readonly size: number }>(
  items: ReadonlyArray<A>,
  tokenLength: number
): ReadonlyArray<ReadonlyArray<A>> => {
  const result: Array<Array<A>> = []
  let current: Array<A> = []
  let updates = 0
  let bytes = tokenLength + 100
  for (const item of items) {
    const counts = item.update !== undefined
    if (
      counts && current.length > 0 &&
      (updates + 1 > limits.maxUpdates || bytes + item.size > limits.maxBytes)
    ) {
      result.push(current)
      current = []
      updates = 0
      bytes = tokenLength + 100
    }
    current.push(item)
    if (counts) {
      updates++
      bytes += item.size
    }
  }
  if (current.length > 0) result.push(current)
  return result
}

/**
 * Builds the checkpointer and starts its worker in the current scope.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const s = new State(options, yield* CheckpointClient, yield* Clock.Clock)

  // The worker is supervised: whatever kills it (a defect of a transport, of a
  // response, of the engine) reaches the supervisor as a failure of the invocation.
  yield* Effect.gen(() => worker(s)).pipe(
    // A failed call or a refused response: the invocation ends (nothing after it is acknowledged).
    Effect.catch((error) => failed(s, error)),
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : options.onFailure(died(cause))
    ),
    Effect.forkScoped
  )

  return Checkpointer.of({
    arn: options.arn,
    get: (id) => Effect.sync(() => s.operations.get(id)),
    lookup: (id) => s.operations.get(id),
    operations: Effect.sync(() => Array.from(s.operations.values())),
    checkpoint: (update) => checkpoint(s, update),
    enqueue: (update) => enqueue(s, update),
    acknowledged: Effect.suspend(() => turnOf(s)),
    poll: Effect.suspend(() => acknowledgedUpTo(s, offerUnsafe(s, undefined))),
    drained: Effect.sync(() => s.acknowledged === s.queued),
    flush: s.flush,
    calls: Effect.sync(() => s.calls),
    roundTrip: Effect.sync(() => s.roundTrip),
    markFinished: (id) => Effect.sync(() => s.finished.add(id))
  })
})

/**
 * The state of one invocation's checkpointer, and what it was built from. The
 * code that works on it is module-level functions over it, not closures
 * built per invocation and per call: a generator function created per call
 * costs a function object, a prototype and V8 hidden classes of its own every
 * time (one per batch sent, here), and the optimized code of an invocation's
 * closures dies with them. Plain mutable state: it is only touched inside
 * single synchronous steps of the fibers (JavaScript runs one at a time).
 */
class State {
  /** The invocation's view of the execution state: the latest known checkpoint of each operation. */
  readonly operations: OperationIndex
  token: string
  calls = 0
  roundTrip = 0
  // Items queued and not yet taken by the worker; `queued` counts every item ever
  // queued, `acknowledged` those the service answered (always a prefix: one call
  // in flight at a time, in order).
  queue: Array<Item> = []
  queued = 0
  acknowledged = 0
  // The count of items up to the last outcome queued (an update other than a START):
  // what a step's turn waits for.
  outcomes = 0
  // Oldest first; their `upTo` never decreases (each is taken when the item is queued).
  readonly waiters: Array<Waiter> = []
  // Set while the worker sleeps on an empty queue: the next item wakes it.
  wakeWorker: Deferred.Deferred<void> | undefined = undefined
  // Fibers in a turn with nothing to wait for (`acknowledged`): scheduled to run, and
  // about to queue updates of their own (the worker lets them, see `worker`).
  turns = 0
  readonly turn: Effect.Effect<void>
  // Parent links of the operations queued in this invocation; the others' are in the state.
  readonly parents = new Map<OperationId.WireId, OperationId.WireId | undefined>()
  readonly finished = new Set<OperationId.WireId>()

  readonly options: Options
  readonly client: CheckpointClient["Service"]
  readonly clock: Clock.Clock
  readonly flush: Effect.Effect<void>

  constructor(options: Options, client: CheckpointClient["Service"], clock: Clock.Clock) {
    this.options = options
    this.client = client
    this.clock = clock
    this.token = options.token
    this.operations = options.byId ?? indexById(options.operations)
    const turnEnded = Effect.sync(() => {
      this.turns--
    })
    this.turn = Effect.suspend(() => {
      this.turns++
      return Effect.ensuring(Effect.yieldNow, turnEnded)
    })
    this.flush = Effect.suspend(() => flushFrom(this))
  }
}

/**
 * The operations of a state, by id, in a table sized for them (see
 * `internal/operationIndex.ts`: a `Map` would leave 0.44 MB of outgrown tables
 * behind per 10,000 operations); a later operation with the same id replaces
 * an earlier one (so a state has an operation twice exactly when the index is
 * smaller than the state). Pure.
 *
 * Built outside `State`'s constructor: the replay of a long history made the
 * loop hot, and V8 then compiled the whole constructor, its closures included,
 * for code that runs once per invocation (10 ms of background compilation in
 * the next invocation, `--trace-opt`).
 *
 * @category state
 * @since 0.1.0
 */
export const indexById = (operations: ReadonlyArray<Wire.Operation>): OperationIndex => OperationIndex.of(operations)

// Its hidden class is kept across GCs (see `internal/shapes.ts`): the worker's compiled loop checks for it. The
// sample's round trip is a fraction, as measured ones are: a whole number would keep the hidden class of a state
// whose round trip was never written, which V8 replaces by another one at the first fractional write.
const sampleState = new State(
  { arn: "", token: "", operations: [] } as unknown as Options,
  undefined as never,
  undefined as never
)
sampleState.roundTrip = 0.5
keep(sampleState)

/**
 * The checkpoint worker: takes what is queued, sends it in batches, one call at
 * a time, and sleeps while nothing is queued.
 */
function* worker(s: State) {
  // Whether an update (not only polls) was sent since the queue last drained.
  let updated = false
  // Sends since the worker last took a scheduler turn.
  let sinceTurn = 0
  // The worker's tracer never changes: read once, not per batch.
  const tracer = yield* Effect.tracer
  while (true) {
    // Let the fibers that are running reach their next wait first: what they queue on
    // the way travels in this call too. Woken by an item, the worker runs nested in the
    // run of the fiber that queued it: that run, and the fibers scheduled with it, come
    // first (a scheduler turn). Items found queued after calls answered by I/O were
    // queued by fibers the answers resumed, which ran (nested in the worker's run) to
    // their next wait, or while the calls were in flight: they go at once, unless fibers
    // are in their turn (concurrent siblings about to queue theirs). So a sequential chain
    // pays no scheduler turn (a `setImmediate`) per step, but for one every
    // `batchesPerTurn` calls: a client answered without I/O (the in-memory emulator
    // resolves a promise) resumes the worker from a microtask, and such a chain would
    // otherwise never let the event loop run (timers, I/O) until it waits.
    if (s.queue.length === 0) {
      s.wakeWorker = Deferred.makeUnsafe<void>()
      yield* Deferred.await(s.wakeWorker)
      yield* Effect.yieldNow
      sinceTurn = 0
    } else if (s.turns > 0 || sinceTurn >= batchesPerTurn) {
      yield* Effect.yieldNow
      sinceTurn = 0
    }
    sinceTurn++
    const items = s.queue
    s.queue = []
    for (const batch of batches(items, s.token.length)) {
      yield* tracedWith(tracer, send(s, batch), "Checkpointer.send", { "durable.updates": batch.length })
    }
    if (items.some((item) => item.update !== undefined)) updated = true
    if (s.queue.length === 0) {
      // A drained update is activity (the idle period starts after it); a poll
      // without news is not, so that polling does not keep an idle invocation young.
      yield* updated ? s.options.scheduler.signal : s.options.scheduler.wake
      updated = false
    }
  }
}

/** Sends one batch, checks and merges the response, and acknowledges the batch's items. */
const send = Effect.fnUntraced(function*(s: State, batch: ReadonlyArray<Item>) {
  const updates: Array<Wire.OperationUpdate> = []
  for (const item of batch) if (item.update !== undefined) updates.push(item.update)
  const current = s.token
  s.calls++
  // One client token per batch: a retried call the service already applied is
  // recognised (the service keeps client tokens for 15 minutes) instead of applied twice.
  const request: Wire.CheckpointRequest = {
    DurableExecutionArn: s.options.arn,
    CheckpointToken: current,
    Updates: updates,
    ClientToken: crypto.randomUUID()
  }
  // A failed call (as anything else that fails here) ends the invocation: the worker's `catch`.
  const response = yield* call(s, request)
  // A response is believed only once all of it was checked: its envelope, then
  // every page of operations it reports, then that it reports what the batch updated.
  const envelope = ServiceGuard.checkCheckpointResponse(updates, response)
  if (envelope !== undefined) return yield* failed(s, malformed("CheckpointDurableExecution", envelope))
  const next = response.CheckpointToken
  if (next !== undefined) s.token = next
  const reported = new Set<OperationId.WireId>()
  yield* merge(s, response.NewExecutionState?.Operations ?? [], reported)
  const marker = response.NewExecutionState?.NextMarker
  if (marker !== undefined && marker !== "") {
    yield* readPages(
      { arn: s.options.arn, token: next ?? current, marker },
      (operations) => merge(s, operations, reported)
    ).pipe(Effect.provideService(CheckpointClient, s.client))
  }
  const missing = ServiceGuard.checkApplied(updates, reported)
  if (missing !== undefined) return yield* failed(s, malformed("CheckpointDurableExecution", missing))
  // Without a token nothing more can be sent: the invocation ends here. The batch is
  // not acknowledged, so no step waiting for it starts code whose result could never
  // be checkpointed, and the checkpointer is not drained (an answer waiting for it fails).
  if (next === undefined && !updates.some(isTerminalExecutionUpdate)) {
    yield* s.options.onMissingToken(Termination.endWithout(s.operations.values()) === "Suspend")
    return yield* Effect.never
  }
  acknowledge(s, batch.length)
})

/** The call of one batch, retried on transient failures (the retry machinery is only built after one). */
const call = (s: State, request: Wire.CheckpointRequest): Effect.Effect<Wire.CheckpointResponse, CheckpointClientError> =>
  Effect.catch(timed(s, request), (first: CheckpointClientError) => {
    if (!isTransient(first)) return Effect.fail(first)
    // The first failure counts as the schedule's first input: the retries are exactly `transientRetry`'s.
    let replayed = false
    const again: Effect.Effect<Wire.CheckpointResponse, CheckpointClientError> = Effect.suspend(() =>
      replayed ? timed(s, request) : (replayed = true, Effect.fail(first))
    )
    return Effect.retry(again, { schedule: transientRetry, while: isTransient })
  })

/** One try of a call, timed (`roundTrip`). */
const timed = (s: State, request: Wire.CheckpointRequest) =>
  Effect.suspend(() => {
    const start = s.clock.currentTimeMillisUnsafe()
    return Effect.map(s.client.checkpoint(request), (response) => {
      s.roundTrip = s.clock.currentTimeMillisUnsafe() - start
      return response
    })
  })

/**
 * Checks what a response reports (each operation's shape and transition, in
 * order, against the state and the earlier operations of the response), then
 * stores it and wakes the waiters. Nothing is stored from a refused response.
 */
const merge = (
  s: State,
  operations: ReadonlyArray<Wire.Operation>,
  reported: Set<OperationId.WireId>
): Effect.Effect<void, CheckpointClientError> =>
  Effect.suspend(() => {
    if (operations.length === 0) return Effect.void
    const { operations: state } = s
    const { onMerged, scheduler } = s.options
    const staged = new Map<OperationId.WireId, Wire.Operation>()
    for (const operation of operations) {
      const violation = ServiceGuard.checkOperation(operation) ??
        ServiceGuard.checkTransition(staged.get(operation.Id) ?? state.get(operation.Id), operation)
      if (violation !== undefined) return Effect.fail(malformed("CheckpointDurableExecution", violation))
      staged.set(operation.Id, operation)
    }
    // Instrumentation: what was known of each operation before, then the response's changes.
    const previous = onMerged === undefined ? undefined : [...staged.keys()].map((id) => state.get(id))
    for (const operation of staged.values()) {
      state.set(operation.Id, operation)
      reported.add(operation.Id)
    }
    if (previous !== undefined && onMerged !== undefined) {
      return Effect.andThen(onMerged([...staged.values()], previous, state), scheduler.notify(staged.values()))
    }
    return scheduler.notify(staged.values())
  })

const failed = (s: State, error: CheckpointClientError) =>
  s.options.onFailure(
    new CheckpointFailedError({ message: `Checkpoint failed: ${error.message}`, scope: error.scope, cause: error })
  ).pipe(Effect.andThen(Effect.never))

/** The items of a batch are acknowledged: the waiters whose items are all acknowledged go on. */
const acknowledge = (s: State, count: number) => {
  const { waiters } = s
  const acknowledged = s.acknowledged += count
  let resolved = 0
  while (resolved < waiters.length && waiters[resolved]!.upTo <= acknowledged) {
    Deferred.doneUnsafe(waiters[resolved]!.deferred, Exit.void)
    resolved++
  }
  if (resolved > 0) waiters.splice(0, resolved)
}

const parentOf = (s: State, id: OperationId.WireId) =>
  s.parents.has(id) ? s.parents.get(id) : s.operations.get(id)?.ParentId

const hasFinishedAncestor = (s: State, parentId: OperationId.WireId | undefined): boolean => {
  for (let id = parentId; id !== undefined; id = parentOf(s, id)) if (s.finished.has(id)) return true
  return false
}

/** Whether an update belongs to finished work (a context marked finished is among its ancestors). */
const dropped = (s: State, update: Wire.OperationUpdate) =>
  s.finished.size > 0 && hasFinishedAncestor(s, update.ParentId)

/** Queues an item; returns how many items must be acknowledged for it to be. */
const offerUnsafe = (s: State, update: Wire.OperationUpdate | undefined): number => {
  if (update !== undefined && !s.parents.has(update.Id) && !s.operations.has(update.Id)) {
    s.parents.set(update.Id, update.ParentId)
  }
  s.queue.push({ update, size: update === undefined ? 0 : Payload.byteLength(JSON.stringify(update)) })
  const queued = ++s.queued
  if (update !== undefined && update.Action !== "START") s.outcomes = queued
  if (s.wakeWorker !== undefined) {
    Deferred.doneUnsafe(s.wakeWorker, Exit.void)
    s.wakeWorker = undefined
  }
  return queued
}

/** Waits until the first `upTo` queued items are acknowledged. */
const acknowledgedUpTo = (s: State, upTo: number): Effect.Effect<void> => {
  if (upTo <= s.acknowledged) return Effect.void
  const deferred = Deferred.makeUnsafe<void>()
  s.waiters.push({ upTo, deferred })
  return Deferred.await(deferred)
}

const checkpoint = (s: State, update: Wire.OperationUpdate) =>
  Effect.suspend(() =>
    // A dropped update never completes: its operation belongs to finished work.
    dropped(s, update)
      ? Effect.never
      : Effect.map(acknowledgedUpTo(s, offerUnsafe(s, update)), () => s.operations.get(update.Id))
  )

const enqueue = (s: State, update: Wire.OperationUpdate) =>
  Effect.sync(() => {
    if (!dropped(s, update)) offerUnsafe(s, update)
  })

/** A step's turn (`Checkpointer.acknowledged`). */
const turnOf = (s: State): Effect.Effect<void> =>
  s.outcomes <= s.acknowledged ? s.turn : acknowledgedUpTo(s, s.outcomes)

/** Waits for everything queued so far, then for what was queued meanwhile (`flush` again), until nothing is left. */
const flushFrom = (s: State): Effect.Effect<void> =>
  s.acknowledged === s.queued ? Effect.void : Effect.andThen(acknowledgedUpTo(s, s.queued), s.flush)

/** The checkpoint worker takes a scheduler turn at least once every this many sends. */
const batchesPerTurn = 32

/**
 * Whether a failed call is worth retrying within the invocation: throttling,
 * a 5xx or a network failure. An invalid token is not (the same token fails
 * again): the invocation fails and Lambda retries it with a fresh one.
 *
 * @category retries
 * @since 0.1.0
 */
export const isTransient = (error: CheckpointClientError): boolean =>
  error.scope === "INVOCATION" && !/invalid checkpoint token/i.test(error.message) &&
  (error.statusCode === undefined || error.statusCode === 429 || error.statusCode >= 500)

/**
 * Retries of transient checkpoint failures: 4 more tries, 100 ms doubling
 * (1.5 s in all), well within the supervisor's deadline margin.
 *
 * @category retries
 * @since 0.1.0
 */
export const transientRetry = Schedule.exponential("100 millis").pipe(Schedule.upTo({ times: 4 }))

/** The failure of the invocation that reports a defect on the checkpoint path. */
const died = (cause: Cause.Cause<unknown>): CheckpointFailedError => {
  const defect = Cause.squash(cause)
  return new CheckpointFailedError({
    message: `The checkpoint path failed unexpectedly: ${Payload.errorTypeOf(defect)}: ${Payload.errorMessageOf(defect)}`,
    scope: "INVOCATION",
    ...(Payload.isReadable(defect) ? { cause: defect } : {})
  })
}

const isTerminalExecutionUpdate = (update: Wire.OperationUpdate): boolean =>
  update.Type === "EXECUTION" && (update.Action === "SUCCEED" || update.Action === "FAIL")
