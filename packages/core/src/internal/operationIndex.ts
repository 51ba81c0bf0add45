/**
 * The invocation's operations by id, sized for the state it is built from.
 *
 * A `Map` grows by doubling, so indexing a state of 10,000 operations leaves
 * its outgrown tables behind (0.44 MB for 10,000, besides the 0.46 MB table it
 * keeps), on every invocation, since each one indexes the whole state. This
 * index knows its size up front: one table of slots (open addressing, linear
 * probing, at most three quarters full) and the operations in insertion
 * order, 0.21 MB for 10,000, grown only as the invocation adds operations. It reads as a `ReadonlyMap` (insertion order, an update keeps its
 * place), and `set` adds or replaces.
 *
 * @internal
 */
import type * as OperationId from "../OperationId.ts"
import type * as Wire from "../Wire.ts"
import { keep } from "./shapes.ts"

/** FNV-1a over the id's UTF-16 code units: ids are 16 hex characters on the wire, but any string works. */
const hashOf = (id: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** The smallest power of two that holds `count` operations at most three quarters full (at least 16 slots). */
const capacityFor = (count: number): number => {
  let capacity = 16
  while (capacity * 3 < count * 4) capacity *= 2
  return capacity
}

/**
 * Operations by id (see the module's description). The key of an operation
 * is its `Id`.
 *
 * @internal
 */
export class OperationIndex implements ReadonlyMap<OperationId.WireId, Wire.Operation> {
  /** An index of `operations` (a later operation with the same id replaces the earlier one, in its place). */
  static of(operations: ReadonlyArray<Wire.Operation>): OperationIndex {
    const index = new OperationIndex(operations.length)
    for (let i = 0; i < operations.length; i++) index.set(operations[i]!.Id, operations[i]!)
    return index
  }

  // The position + 1 in `operations` of the operation whose id probes to each slot (0: empty).
  private slots: Array<number>
  // In insertion order; the first `count` are the operations (allocated at the expected size).
  private readonly operations: Array<Wire.Operation>
  private count = 0

  constructor(expected: number) {
    this.slots = new Array<number>(capacityFor(expected)).fill(0)
    this.operations = new Array<Wire.Operation>(expected)
  }

  get size(): number {
    return this.count
  }

  /** The slot of `id`: the one that holds it, or the empty one where it goes. */
  private slotOf(id: OperationId.WireId): number {
    const { operations, slots } = this
    const mask = slots.length - 1
    let slot = hashOf(id) & mask
    while (slots[slot] !== 0 && operations[slots[slot]! - 1]!.Id !== id) slot = (slot + 1) & mask
    return slot
  }

  get(id: OperationId.WireId): Wire.Operation | undefined {
    const position = this.slots[this.slotOf(id)]!
    return position === 0 ? undefined : this.operations[position - 1]
  }

  has(id: OperationId.WireId): boolean {
    return this.slots[this.slotOf(id)] !== 0
  }

  /** Adds `operation` (whose `Id` is `id`), or replaces the one known under its id, in its place. */
  set(id: OperationId.WireId, operation: Wire.Operation): this {
    const slot = this.slotOf(id)
    const position = this.slots[slot]!
    if (position !== 0) {
      this.operations[position - 1] = operation
      return this
    }
    this.operations[this.count++] = operation
    this.slots[slot] = this.count
    if (this.count * 4 > this.slots.length * 3) this.grow()
    return this
  }

  private grow(): void {
    this.slots = new Array<number>(this.slots.length * 2).fill(0)
    for (let i = 0; i < this.count; i++) this.slots[this.slotOf(this.operations[i]!.Id)] = i + 1
  }

  *values(): MapIterator<Wire.Operation> {
    for (let i = 0; i < this.count; i++) yield this.operations[i]!
  }

  *keys(): MapIterator<OperationId.WireId> {
    for (let i = 0; i < this.count; i++) yield this.operations[i]!.Id
  }

  *entries(): MapIterator<[OperationId.WireId, Wire.Operation]> {
    for (let i = 0; i < this.count; i++) yield [this.operations[i]!.Id, this.operations[i]!]
  }

  [Symbol.iterator](): MapIterator<[OperationId.WireId, Wire.Operation]> {
    return this.entries()
  }

  forEach(
    callback: (
      operation: Wire.Operation,
      id: OperationId.WireId,
      index: ReadonlyMap<OperationId.WireId, Wire.Operation>
    ) => void,
    thisArg?: unknown
  ): void {
    for (let i = 0; i < this.count; i++) callback.call(thisArg, this.operations[i]!, this.operations[i]!.Id, this)
  }
}

// Every invocation builds one: its hidden class is kept across GCs (see `shapes.ts`), or the code that reads it
// (the replay's lookups) is deoptimized and compiled again after every full GC (5 ms per invocation, measured).
keep(OperationIndex.of([{ Id: "", Type: "EXECUTION", Status: "STARTED" }]))
