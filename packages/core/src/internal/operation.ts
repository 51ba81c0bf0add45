/**
 * The prologue and helpers every durable operation shares.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Tracer from "effect/Tracer"
import { allocateInto, DurableContext, type IdTarget, peek } from "../DurableContext.ts"
import {
  ConfigValidationError,
  ContextValidationError,
  NonDeterministicExecutionError,
  type SystemFailure
} from "../DurableError.ts"
import type * as OperationId from "../OperationId.ts"
import * as Replay from "../Replay.ts"
import type * as Scheduler from "../Scheduler.ts"
import type * as Wire from "../Wire.ts"
import { isTerminalStatus } from "../Wire.ts"
import * as Observe from "./instrumentation.ts"
import { keep } from "./shapes.ts"
import { tracedWith } from "./tracing.ts"

/** What an operation knows about itself once started. */
export interface Started extends Scheduler.OperationMeta {
  readonly context: DurableContext["Service"]
  readonly rawId: OperationId.RawId
  /** The operation as the scheduler knows it (the started operation itself). */
  readonly meta: Scheduler.OperationMeta
  /** The name, or a description of the position for an unnamed operation: for messages. */
  readonly label: string
  readonly parentId: OperationId.WireId | undefined
  /** The checkpoint found for this position, if any (replay). */
  readonly checkpoint: Wire.Operation | undefined
  /** The fiber's tracer when the operation started: whether its span is made (see {@link traced}). */
  readonly tracer: Tracer.Tracer
}

// One object per started operation (it is its own `meta`; what identifies it is read from its
// spec): replay starts many, so nothing else is made per operation to start it.
class StartedImpl implements Started {
  readonly context: DurableContext["Service"]
  readonly spec: Spec
  readonly rawId: OperationId.RawId
  readonly id: OperationId.WireId
  readonly checkpoint: Wire.Operation | undefined
  readonly tracer: Tracer.Tracer
  constructor(context: DurableContext["Service"], spec: Spec, found: Found, tracer: Tracer.Tracer) {
    this.context = context
    this.spec = spec
    this.rawId = found.rawId
    this.id = found.id
    this.checkpoint = found.checkpoint
    this.tracer = tracer
  }
  get parentId(): OperationId.WireId | undefined {
    return this.context.parent?.id
  }
  get type(): Wire.OperationType {
    return this.spec.type
  }
  get subType(): Wire.OperationSubType {
    return this.spec.subType
  }
  get name(): string | undefined {
    return this.spec.name
  }
  get meta(): Scheduler.OperationMeta {
    return this
  }
  get label(): string {
    return this.name ?? `${this.subType} ${this.rawId}`
  }
}

// Every step starts one: its hidden class is kept across GCs (see `shapes.ts`).
keep(
  new StartedImpl(
    {} as DurableContext["Service"],
    { type: "STEP", subType: "Step", name: undefined },
    { rawId: "", id: "", checkpoint: undefined },
    Tracer.nativeTracer
  )
)

/** Ends the invocation with a system failure; the calling fiber never resumes. */
export const fault = (context: DurableContext["Service"], error: SystemFailure): Effect.Effect<never> =>
  context.services.supervisor.fail(error).pipe(Effect.andThen(Effect.never))

/**
 * `effect`, or the end of the invocation if it fails with a system failure.
 * An `Exit` (what `Payload.decode` returns for JSON) is read at once.
 */
export const orFault = <A>(
  context: DurableContext["Service"],
  effect: Effect.Effect<A, SystemFailure>
): Effect.Effect<A> => {
  if (Exit.isExit(effect)) {
    const exit = effect as Exit.Exit<A, SystemFailure>
    if (Exit.isSuccess(exit)) return exit as Exit.Exit<A>
    const error = Cause.findErrorOption(exit.cause)
    if (error._tag === "Some") return fault(context, error.value)
  }
  return Effect.catch(effect, (error) => fault(context, error))
}

const printableAscii = /^[\x20-\x7e]{1,256}$/

/**
 * What identifies the kind of an operation. An operation may pass an object
 * of its own that also holds what it runs (a step's spec holds its effect and
 * options): its body then needs no closure per call (see {@link operation}).
 */
export interface Spec {
  readonly type: Wire.OperationType
  readonly subType: Wire.OperationSubType
  /** `undefined` only for the operations the SDK itself leaves unnamed (as the official SDK does). */
  readonly name: string | undefined
}

/** What {@link check} found for the operation it started: its ids and its checkpoint. */
interface Found extends IdTarget {
  checkpoint: Wire.Operation | undefined
}

// What `check` found last. Written and read in one synchronous run (`check`, then its caller at
// once: nothing runs in between), so that checking an operation makes no object of its own.
const found: Found = { rawId: "", id: "", checkpoint: undefined }

/**
 * Checks an operation before it starts, synchronously: where it is called
 * from and its name; then allocates its id, looks its checkpoint up and
 * validates it, and leaves what it found in `found`. Returns the system
 * failure that must end the invocation instead, if any.
 */
const check = (context: DurableContext["Service"], spec: Spec): SystemFailure | undefined => {
  if (context.location === "step") {
    return new ContextValidationError({
      message: `Durable operation "${spec.name ?? spec.subType}" (${spec.subType}) was called inside a step. ` +
        "A step's code runs at most once per attempt and is not replayed: durable operations belong in the workflow body."
    })
  }
  if (spec.name !== undefined && !printableAscii.test(spec.name)) {
    return new ConfigValidationError({
      message: `Invalid operation name ${JSON.stringify(spec.name.slice(0, 300))}: ` +
        "names must be 1 to 256 printable ASCII characters."
    })
  }
  allocateInto(context, found)
  const { checkpointer, replay } = context.services
  const checkpoint = found.checkpoint = checkpointer.lookup(found.id)
  const rawId = found.rawId
  // The replay ends at the first operation without history, or at the last one
  // with history (what the workflow does after it is new). The ids looked at
  // ahead are kept for the next operation of the context.
  if (replay.replaying && (checkpoint === undefined || checkpointer.lookup(peek(context)) === undefined)) {
    replay.replaying = false
  }
  // Compared here first: the expectation (and the error) is built only on a mismatch, so checking
  // a replayed operation allocates nothing.
  if (
    checkpoint !== undefined &&
    (checkpoint.Type !== spec.type || checkpoint.Name !== spec.name || checkpoint.SubType !== spec.subType)
  ) {
    const mismatch = Replay.validate(checkpoint, { rawId, type: spec.type, name: spec.name, subType: spec.subType })
    if (mismatch !== undefined) return mismatch
  }
  if (context.mode === "replay-succeeded" && (checkpoint === undefined || !isTerminalStatus(checkpoint.Status))) {
    return new NonDeterministicExecutionError({
      operationId: rawId,
      message: `Non-deterministic execution detected: operation "${spec.name ?? ""}" (${spec.subType}, step "${rawId}") ` +
        `has no completed checkpoint, but it runs inside a context that already completed.`
    })
  }
  return undefined
}

/**
 * Starts an operation, synchronously: checks where it is called from and its
 * name, allocates its id, looks its checkpoint up and validates it. Returns
 * the system failure that must end the invocation instead, if any.
 *
 * This is all a replayed operation costs before it decodes its checkpoint:
 * no fiber, no scheduler, no Effect, one object (the `Started`), and none for
 * a completed operation that replays without it (see {@link operation}).
 */
export const open = (
  context: DurableContext["Service"],
  spec: Spec,
  tracer: Tracer.Tracer = Tracer.nativeTracer
): Started | SystemFailure => check(context, spec) ?? new StartedImpl(context, spec, found, tracer)

/**
 * Runs an operation: starts it (see {@link open}), then runs `body` with what
 * it knows about itself and its spec. Inside a combinator the operation first
 * yields once its id is allocated (see `DurableContext.yieldAfterId`).
 *
 * `replayed`, when given, is what the operation is when its checkpoint is
 * completed: it then runs instead of `body`, without a `Started` (outside a
 * combinator; inside one, `body` runs and replays it itself).
 *
 * Per call this builds the Effect and one closure over its arguments. An
 * operation called on every replayed position (a step) keeps what it runs in
 * its `spec` and has module-level `body` and `replayed`: it builds the Effect
 * itself, `Effect.withFiber((fiber) => start(fiber, spec, body, replayed))`,
 * whose closure then holds only the spec.
 */
export const operation = <A, E, R, S extends Spec = Spec>(
  spec: S,
  body: (started: Started, spec: S) => Effect.Effect<A, E, R>,
  replayed?: (spec: S, context: DurableContext["Service"], checkpoint: Wire.Operation) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | DurableContext> => Effect.withFiber((fiber) => start(fiber, spec, body, replayed))

// Applied once here: called with both arguments, effect's `dual` reads `arguments`, which
// allocates an arguments object per call until V8 optimizes the call site (once per operation).
const durableContextOf = Context.getUnsafe(DurableContext)

/**
 * What an operation does in its fiber (see {@link operation}): starts it, then
 * runs `replayed` or `body`.
 */
export const start = <A, E, R, S extends Spec>(
  fiber: Fiber.Fiber<unknown, unknown>,
  spec: S,
  body: (started: Started, spec: S) => Effect.Effect<A, E, R>,
  replayed: ((spec: S, context: DurableContext["Service"], checkpoint: Wire.Operation) => Effect.Effect<A, E, R>) | undefined
): Effect.Effect<A, E, R> => {
  const context = durableContextOf(fiber.context)
  const failure = check(context, spec)
  if (failure !== undefined) return fault(context, failure)
  const checkpoint = found.checkpoint
  // The replay's fast path: a completed operation, as it replays.
  if (
    replayed !== undefined && checkpoint !== undefined && context.yieldAfterId !== true &&
    isTerminalStatus(checkpoint.Status)
  ) return replayed(spec, context, checkpoint)
  // The tracer is read here, once: the operation's span needs no look at the fiber of its own.
  const started = new StartedImpl(context, spec, found, fiber.getRef(Tracer.Tracer))
  const run = context.yieldAfterId === true
    ? Effect.andThen(Effect.yieldNow, Effect.suspend(() => body(started, spec)))
    : body(started, spec)
  // Instrumentation: an operation found on replay that is not finished is observed again.
  const dispatch = context.services.instrumentation
  return dispatch !== undefined && checkpoint !== undefined && !isTerminalStatus(checkpoint.Status)
    ? Effect.andThen(Observe.replayStarted(dispatch, started), run)
    : run
}

/**
 * Starts an operation (see {@link open}) as an Effect, for operations that go
 * on in a generator.
 */
export const begin = (spec: Spec): Effect.Effect<Started, never, DurableContext> => operation(spec, Effect.succeed)

/**
 * `effect` in the operation's span (`name`), when a tracing backend was
 * installed where the operation started; without one no span is made.
 */
export const traced = <A, E, R>(
  started: Started,
  effect: Effect.Effect<A, E, R>,
  name: string,
  attributes: Record<string, unknown>
): Effect.Effect<A, E, R> => tracedWith(started.tracer, effect, name, attributes)

/**
 * An update for the operation, with its identity fields filled in. Written
 * field by field in the wire order (`Id`, `ParentId`, `Name`, `Type`,
 * `SubType`, `Action`, then `fields`): every step sends two, and a literal
 * with conditional spreads built four objects for each.
 */
export const update = (
  started: Started,
  action: Wire.OperationAction,
  fields?: Omit<Wire.OperationUpdate, "Id" | "ParentId" | "Name" | "Type" | "SubType" | "Action">
): Wire.OperationUpdate => {
  const built: { -readonly [K in keyof Wire.OperationUpdate]: Wire.OperationUpdate[K] } = { Id: started.id } as never
  if (started.parentId !== undefined) built.ParentId = started.parentId
  if (started.name !== undefined) built.Name = started.name
  built.Type = started.type
  if (started.subType !== undefined) built.SubType = started.subType
  built.Action = action
  return fields === undefined ? built : Object.assign(built, fields)
}
