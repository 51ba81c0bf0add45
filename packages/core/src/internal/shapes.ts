/**
 * Hidden classes kept across garbage collections.
 *
 * V8 compiles hot code against the hidden classes (maps) of the objects it
 * handles. A full garbage collection may drop a map no live object uses any
 * more, and every optimized function that checks for it is then deoptimized
 * and compiled again the next time it runs. An invocation's objects all die
 * with it, so a full GC between two invocations of a warm container drops the
 * maps of the step path's objects (an operation's `Started`, the
 * checkpointer's state, the Effect primitives a step builds, the iterator of a
 * `yield*`) and with them the compiled step, the checkpoint worker and what
 * they inlined: measured, ~25 ms of background compilation after each such GC
 * for a 300-step chain, half of all it recompiles. One object of each shape
 * held here (never run, a few hundred bytes) keeps those maps and that code.
 * A sample must have the shape the real objects end up with (the same
 * representation of each field: a number field that real objects write
 * fractions to holds a fraction in the sample), or V8 moves the real ones to
 * another hidden class that nothing keeps.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

const kept: Array<unknown> = []

/**
 * Holds `sample` for the life of the process, so that the hidden class of
 * objects shaped like it survives the garbage collections that find no other
 * object of that shape alive. For objects built on every step.
 *
 * @internal
 */
export const keep = (sample: object): void => {
  kept.push(sample)
}

// The Effect values a step builds on its way (none of them is ever run here), the
// iterator a `yield*` of an Effect makes, and the Deferred of an acknowledgement.
const sample = Effect.sync(() => 0)
keep([
  sample,
  Effect.suspend(() => sample),
  Effect.flatMap(sample, () => sample),
  Effect.map(sample, (n) => n),
  Effect.andThen(sample, sample),
  Effect.tap(sample, sample),
  Effect.exit(sample),
  sample[Symbol.iterator](),
  Deferred.makeUnsafe<void>()
])
