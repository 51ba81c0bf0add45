/**
 * Operation ids, derived exactly as the official SDK derives them.
 *
 * Each durable context keeps a counter. The raw id of the n-th operation of the
 * root context is `"n"`; inside a context whose raw id is `p` it is `"p-n"`.
 * On the wire, `Id` (and `ParentId`) is the first 16 hex characters of the MD5
 * digest of the raw id. Names are not part of the id.
 *
 * @example
 * ```ts
 * OperationId.hash("1")           // "c4ca4238a0b92382"
 * OperationId.child("1", 2)       // "1-2"
 * ```
 *
 * @since 0.1.0
 */
import { hash as digest } from "node:crypto"

/**
 * The raw, human-readable id of an operation, such as `"2-1"`.
 *
 * @category models
 * @since 0.1.0
 */
export type RawId = string

/**
 * The hashed id the service stores, such as `"c4ca4238a0b92382"`.
 *
 * @category models
 * @since 0.1.0
 */
export type WireId = string

/**
 * The raw id of the `counter`-th operation (1-based) of the context whose raw
 * id is `parent` (`undefined` for the root context).
 *
 * @category constructors
 * @since 0.1.0
 */
export const child = (parent: RawId | undefined, counter: number): RawId =>
  parent === undefined ? `${counter}` : `${parent}-${counter}`

// Two generations of memoized wire ids: new ids go to the young one, and when it
// is full it becomes the old one (the oldest is dropped whole). O(1) per id,
// unlike evicting the first key of one big Map, which walks the deleted entries
// V8 keeps at its front. A hit in the old generation is not copied into the
// young one: a replay of 10,000 operations would otherwise rebuild the young
// Map on every invocation (~0.9 MB of Map growth), where reading it allocates
// nothing. So an id stays memoized until 10,000 to 20,000 other new ids were
// hashed after it, however often it is read.
let young = new Map<RawId, WireId>()
let old = new Map<RawId, WireId>()
const generationSize = 10_000

/**
 * The wire id of a raw id: the first 16 hex characters of its MD5 digest.
 * Results are memoized (at most 20,000 ids), since every invocation of an
 * execution replays the same ids.
 *
 * @category constructors
 * @since 0.1.0
 */
export const hash = (raw: RawId): WireId => {
  const memoized = young.get(raw) ?? old.get(raw)
  if (memoized !== undefined) return memoized
  const wire = digest("md5", raw, "hex").slice(0, 16)
  if (young.size >= generationSize) {
    old = young
    young = new Map()
  }
  young.set(raw, wire)
  return wire
}
