/**
 * The reference runner's matching rules, as pure functions: expected values
 * from a requirement file against what the execution produced.
 *
 * Values (`matchValue`), recursively:
 *
 * - `{}` (an empty mapping) and `'*'`: any value (the key must exist);
 * - `${/regex/}`: the actual value, as a string, contains a match;
 * - `${NAME}` (the whole string): the first occurrence binds the actual value,
 *   every later one must equal it (a name bound beforehand, a requirement's
 *   `Variables`, must equal too);
 * - `{ "${JSON}": spec }`: the actual value is a JSON string, decoded and
 *   matched against `spec`;
 * - a mapping: every expected key must exist in the actual mapping and match
 *   (`${ABSENT}` as a value: the key must not exist); actual keys not named are
 *   ignored;
 * - a list: same length, element by element;
 * - anything else: equality, after `${NAME}`s inside strings are substituted.
 *
 * A history (`matchHistory`): expected events are paired with actual events by
 * `EventId`; actual events no expected event names are ignored.
 *
 * Logs (`matchLogs`, the plugin requirements' `ExpectedLogs`): each entry's
 * `match` fields select records (`/regex/` values are regular expressions, a
 * leading `(?i)` makes them case-insensitive); `count` (exact), `min_count`
 * and `max_count` bound how many records match (one at least by default), and
 * every record it selects must come after a record selected by each of its
 * `after` entries.
 *
 * @since 0.1.0
 */

/**
 * Names bound so far: the requirement's variables, then what matching binds.
 *
 * @category models
 * @since 0.1.0
 */
export type Bindings = Map<string, unknown>

/**
 * One difference between the expected and the actual value.
 *
 * @category models
 * @since 0.1.0
 */
export interface Mismatch {
  /** Where, e.g. `Event[EventId=3].StepFailedDetails.RetryDetails.CurrentAttempt`. */
  readonly path: string
  readonly message: string
}

const placeholder = /^\$\{(.+)\}$/
const regexPlaceholder = /^\$\{\/(.+)\/\}$/
const embedded = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
const jsonDirective = "${JSON}"
const absentDirective = "${ABSENT}"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Renders a value for a message, briefly. */
export const show = (value: unknown): string => {
  const text = value === undefined ? "undefined" : JSON.stringify(value)
  return text.length > 160 ? `${text.slice(0, 157)}...` : text
}

/**
 * A regular expression written in the requirements' (Python) dialect: a
 * leading `(?i)` becomes the `i` flag.
 *
 * @category regex
 * @since 0.1.0
 */
export const regex = (source: string): RegExp =>
  source.startsWith("(?i)") ? new RegExp(source.slice(4), "i") : new RegExp(source)

/** The actual value as a regex sees it (Python's `str()` of booleans and null). */
const asText = (value: unknown): string =>
  value === true ? "True" : value === false ? "False" : value === null || value === undefined ? "None" : typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value)

/**
 * Equality as the reference runner compares decoded JSON: deep, numbers by
 * value, mappings regardless of key order.
 *
 * @category equality
 * @since 0.1.0
 */
export const equals = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]))
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && equals(a[key], b[key]))
  }
  return false
}

/**
 * Replaces the bound `${NAME}`s of a value, recursively: a string that is
 * exactly one placeholder becomes the bound value itself; placeholders inside
 * a longer string become their text. Unbound names stay as they are.
 *
 * @example
 * ```ts
 * Matcher.substitute("Hello, ${NAME}!", new Map([["NAME", "Ada"]])) // "Hello, Ada!"
 * ```
 *
 * @category substitution
 * @since 0.1.0
 */
export const substitute = (value: unknown, bindings: Bindings): unknown => {
  if (typeof value === "string") {
    const whole = placeholder.exec(value)
    if (whole !== null && !regexPlaceholder.test(value) && bindings.has(whole[1]!)) return bindings.get(whole[1]!)
    return value.replace(embedded, (text, name: string) => bindings.has(name) ? asString(bindings.get(name)) : text)
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, bindings))
  if (isRecord(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, bindings)
    return out
  }
  return value
}

const asString = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value)

/**
 * Matches one expected value against an actual value, binding names on the
 * way; returns the mismatches (none when it matches).
 *
 * @example
 * ```ts
 * const bindings: Matcher.Bindings = new Map()
 * Matcher.matchValue({ Id: "${ID1}", Details: {} }, { Id: "c4ca", Details: { X: 1 } }, "Event", bindings) // []
 * bindings.get("ID1") // "c4ca"
 * ```
 *
 * @category matching
 * @since 0.1.0
 */
export const matchValue = (
  expected: unknown,
  actual: unknown,
  path: string,
  bindings: Bindings
): ReadonlyArray<Mismatch> => {
  const mismatches: Array<Mismatch> = []
  const go = (expected: unknown, actual: unknown, path: string): void => {
    if (isRecord(expected) && Object.keys(expected).length === 0) return
    if (expected === "*") return
    if (typeof expected === "string") {
      const pattern = regexPlaceholder.exec(expected)
      if (pattern !== null) {
        if (!regex(pattern[1]!).test(asText(actual))) {
          mismatches.push({ path, message: `${show(actual)} does not match /${pattern[1]}/` })
        }
        return
      }
      const name = placeholder.exec(expected)?.[1]
      if (name !== undefined) {
        if (!bindings.has(name)) bindings.set(name, actual)
        else if (!equals(bindings.get(name), actual)) {
          mismatches.push({ path, message: `\${${name}} is ${show(bindings.get(name))}, got ${show(actual)}` })
        }
        return
      }
    }
    if (isRecord(expected) && Object.keys(expected).length === 1 && jsonDirective in expected) {
      if (typeof actual !== "string") {
        mismatches.push({ path, message: `expected a JSON string, got ${show(actual)}` })
        return
      }
      let decoded: unknown
      try {
        decoded = JSON.parse(actual)
      } catch {
        mismatches.push({ path, message: `not JSON: ${show(actual)}` })
        return
      }
      go(expected[jsonDirective], decoded, `${path}<json>`)
      return
    }
    if (isRecord(expected) && isRecord(actual)) {
      for (const [key, child] of Object.entries(expected)) {
        if (child === absentDirective) {
          if (key in actual) mismatches.push({ path: `${path}.${key}`, message: `expected no such key, got ${show(actual[key])}` })
          continue
        }
        if (!(key in actual)) {
          mismatches.push({ path: `${path}.${key}`, message: "missing" })
          continue
        }
        go(child, actual[key], `${path}.${key}`)
      }
      return
    }
    if (Array.isArray(expected) && Array.isArray(actual)) {
      if (expected.length !== actual.length) {
        mismatches.push({ path, message: `expected ${expected.length} elements, got ${actual.length}` })
        return
      }
      expected.forEach((item, index) => go(item, actual[index], `${path}[${index}]`))
      return
    }
    const resolved = typeof expected === "string" ? substitute(expected, bindings) : expected
    if (!equals(resolved, actual)) mismatches.push({ path, message: `expected ${show(resolved)}, got ${show(actual)}` })
  }
  go(expected, actual, path)
  return mismatches
}

/**
 * Matches an expected history (a partial list of events) against the actual
 * one, pairing events by `EventId`.
 *
 * @example
 * ```ts
 * Matcher.matchHistory(
 *   [{ EventType: "StepStarted", EventId: 2, Id: "${ID1}" }],
 *   history,
 *   new Map()
 * )
 * ```
 *
 * @category matching
 * @since 0.1.0
 */
export const matchHistory = (
  expected: ReadonlyArray<unknown>,
  actual: ReadonlyArray<unknown>,
  bindings: Bindings
): ReadonlyArray<Mismatch> => {
  const byId = new Map<unknown, unknown>()
  for (const event of actual) if (isRecord(event) && event.EventId !== undefined) byId.set(event.EventId, event)
  const mismatches: Array<Mismatch> = []
  for (const event of expected) {
    const id = isRecord(event) ? event.EventId : undefined
    if (id === undefined) {
      mismatches.push({ path: "Event", message: `an expected event has no EventId: ${show(event)}` })
      continue
    }
    const found = byId.get(id)
    const path = `Event[EventId=${String(id)}]`
    if (found === undefined) {
      const type = isRecord(event) && typeof event.EventType === "string" ? ` (${event.EventType})` : ""
      mismatches.push({ path, message: `no such event${type}: the history has ${actual.length} events` })
      continue
    }
    mismatches.push(...matchValue(event, found, path, bindings))
  }
  return mismatches
}

/**
 * One entry of `ExpectedLogs`.
 *
 * @category models
 * @since 0.1.0
 */
export interface LogExpectation {
  readonly match: Readonly<Record<string, unknown>>
  readonly count?: number | undefined
  readonly min_count?: number | undefined
  readonly max_count?: number | undefined
  readonly after?: ReadonlyArray<Readonly<Record<string, unknown>>> | undefined
}

const isLogRegex = (value: unknown): value is string =>
  typeof value === "string" && value.length >= 2 && value.startsWith("/") && value.endsWith("/")

/**
 * Whether a log record has every field of `spec`: equal (after substitution),
 * or matching a `/regex/`.
 *
 * @category matching
 * @since 0.1.0
 */
export const recordMatches = (
  spec: Readonly<Record<string, unknown>>,
  record: Readonly<Record<string, unknown>>,
  bindings: Bindings
): boolean =>
  Object.entries(spec).every(([key, raw]) => {
    if (!(key in record)) return false
    const expected = substitute(raw, bindings)
    return isLogRegex(expected) ? regex(expected.slice(1, -1)).test(asText(record[key])) : equals(expected, record[key])
  })

/**
 * Matches `ExpectedLogs` against the log records (JSON objects, in the order
 * they were written).
 *
 * @example
 * ```ts
 * Matcher.matchLogs(
 *   [{ match: { hook: "invocation-end", status: "SUCCEEDED" }, count: 1, after: [{ hook: "invocation-start" }] }],
 *   records,
 *   bindings
 * )
 * ```
 *
 * @category matching
 * @since 0.1.0
 */
export const matchLogs = (
  expected: ReadonlyArray<LogExpectation>,
  records: ReadonlyArray<Readonly<Record<string, unknown>>>,
  bindings: Bindings
): ReadonlyArray<Mismatch> => {
  const mismatches: Array<Mismatch> = []
  expected.forEach((entry, index) => {
    const path = `ExpectedLogs[${index}] ${show(entry.match)}`
    const selected = records.flatMap((record, position) => recordMatches(entry.match, record, bindings) ? [position] : [])
    const n = selected.length
    if (entry.count !== undefined) {
      if (n !== entry.count) mismatches.push({ path, message: `expected exactly ${entry.count} records, got ${n}` })
    } else {
      const min = entry.min_count ?? (entry.max_count === undefined ? 1 : undefined)
      if (min !== undefined && n < min) mismatches.push({ path, message: `expected at least ${min} records, got ${n}` })
      if (entry.max_count !== undefined && n > entry.max_count) {
        mismatches.push({ path, message: `expected at most ${entry.max_count} records, got ${n}` })
      }
    }
    for (const spec of entry.after ?? []) {
      const first = records.findIndex((record) => recordMatches(spec, record, bindings))
      const early = selected.filter((position) => first === -1 || position < first)
      if (early.length > 0) {
        mismatches.push({
          path,
          message: first === -1
            ? `must come after a record matching ${show(spec)}, and there is none`
            : `${early.length} record(s) come before the first record matching ${show(spec)}`
        })
      }
    }
  })
  return mismatches
}
