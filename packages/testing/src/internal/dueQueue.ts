/**
 * A priority queue of due times (a binary min-heap), used by the emulator to
 * find the operations whose timers are due without scanning every operation.
 *
 * Entries are never removed when a timer changes: the owner pushes the new due
 * time and treats an entry as stale when it no longer matches the operation's
 * current due time (lazy deletion). The queue therefore holds at most one entry
 * per change.
 *
 * @internal
 */

/**
 * One scheduled due time.
 *
 * @internal
 */
export interface Entry {
  /** Epoch ms at which the operation is due. */
  readonly at: number
  readonly id: string
}

/**
 * A mutable min-heap of entries ordered by `at`.
 *
 * @internal
 */
export class DueQueue {
  private readonly heap: Array<Entry> = []

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.heap.length
  }

  /** Adds an entry. O(log size). */
  push(at: number, id: string): void {
    const heap = this.heap
    heap.push({ at, id })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.at <= heap[i]!.at) break
      this.swap(i, parent)
      i = parent
    }
  }

  /** The entry with the earliest `at`, without removing it. O(1). */
  peek(): Entry | undefined {
    return this.heap[0]
  }

  /** Removes and returns the entry with the earliest `at`. O(log size). */
  pop(): Entry | undefined {
    const heap = this.heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      while (true) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left
        if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right
        if (smallest === i) break
        this.swap(i, smallest)
        i = smallest
      }
    }
    return top
  }

  private swap(i: number, j: number): void {
    const heap = this.heap
    const tmp = heap[i]!
    heap[i] = heap[j]!
    heap[j] = tmp
  }
}
