/**
 * One requirement file of the official conformance suite, loaded and parsed.
 *
 * Files are YAML 1.1 (the reference runner reads them with PyYAML), one per
 * requirement, in a folder per suite: `<dir>/<suite>/<id>.yaml`. Only the
 * fields the runner acts on are typed; the prose (`description`, `handler`,
 * `invocations`) is kept for reports.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Schema } from "effect"
import * as Yaml from "yaml"
import type { Bindings, LogExpectation } from "./Matcher.ts"

/**
 * What the harness does to a callback once it is created.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallbackAction {
  /** The callback's `Name`, `'*'` for any. May hold `${NAME}`s. */
  readonly callbackName: string
  readonly operation: "success" | "failure" | "heartbeat"
  /** A result (sent as JSON) or, for a failure, the error fields. */
  readonly payload: unknown
  /** Seconds after the callback started (after the previous action on the same callback). */
  readonly delay: number
}

/**
 * The expected outcome of the execution.
 *
 * @category models
 * @since 0.1.0
 */
export interface ExpectedResult {
  readonly status: string | undefined
  /** Whether `Result` is given (it may be given as null). */
  readonly hasResult: boolean
  readonly result: unknown
}

/**
 * A parsed requirement.
 *
 * @category models
 * @since 0.1.0
 */
export interface Requirement {
  /** The file's name without `.yaml`, e.g. `1-11`. */
  readonly id: string
  /** The folder, e.g. `step`. */
  readonly suite: string
  readonly file: string
  readonly description: string
  readonly handler: string
  readonly invocations: string
  readonly optional: boolean
  readonly input: unknown
  readonly variables: Readonly<Record<string, unknown>>
  readonly expectedResult: ExpectedResult | undefined
  readonly expectedHistory: ReadonlyArray<unknown>
  readonly callbackActions: ReadonlyArray<CallbackAction>
  readonly expectedLogs: ReadonlyArray<LogExpectation>
}

/**
 * A requirement file that cannot be read or does not have the expected shape.
 *
 * @category errors
 * @since 0.1.0
 */
export class RequirementError extends Schema.TaggedError<RequirementError>()("RequirementError", {
  file: Schema.String,
  message: Schema.String
}) {}

const Document = Schema.Struct({
  description: Schema.optionalKey(Schema.String),
  handler: Schema.optionalKey(Schema.String),
  invocations: Schema.optionalKey(Schema.String),
  optional: Schema.optionalKey(Schema.Boolean),
  Input: Schema.optionalKey(Schema.Unknown),
  Variables: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  ExpectedResult: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  ExpectedExecutionHistory: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Unknown))),
  CallbackActions: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Struct({
    CallbackName: Schema.String,
    Operation: Schema.Literals(["success", "failure", "heartbeat"]),
    Payload: Schema.optionalKey(Schema.Unknown),
    Delay: Schema.optionalKey(Schema.Number)
  })))),
  ExpectedLogs: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Struct({
    match: Schema.Record(Schema.String, Schema.Unknown),
    count: Schema.optionalKey(Schema.Number),
    min_count: Schema.optionalKey(Schema.Number),
    max_count: Schema.optionalKey(Schema.Number),
    after: Schema.optionalKey(Schema.Array(Schema.Record(Schema.String, Schema.Unknown)))
  }))))
})

const decodeDocument = Schema.decodeUnknownEffect(Document)

/**
 * The reference runner reads YAML with PyYAML, whose YAML 1.1 booleans are
 * `yes/no/true/false/on/off` but not `y/n`: a key `n` stays the string "n".
 */
const pyYamlBooleans = (tags: Yaml.Tags): Yaml.Tags =>
  tags.map((tag) => {
    if (typeof tag !== "object" || !("test" in tag) || tag.tag !== "tag:yaml.org,2002:bool" || tag.test === undefined) {
      return tag
    }
    const source = tag.test.source.replace("Y|y|", "").replace("N|n|", "")
    return { ...tag, test: new RegExp(source) }
  })

/**
 * Parses the text of a requirement file.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parse = (text: string, file: string): Effect.Effect<Requirement, RequirementError, Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const raw = yield* Effect.try({
      try: () => Yaml.parse(text, { version: "1.1", customTags: pyYamlBooleans }) as unknown,
      catch: (error) => new RequirementError({ file, message: `Invalid YAML: ${String(error)}` })
    })
    const doc = yield* decodeDocument(raw, { onExcessProperty: "ignore" }).pipe(
      Effect.mapError((error) => new RequirementError({ file, message: error.message }))
    )
    const expected = doc.ExpectedResult ?? undefined
    return {
      id: path.basename(file, ".yaml"),
      suite: path.basename(path.dirname(file)),
      file,
      description: doc.description ?? "",
      handler: doc.handler ?? "",
      invocations: doc.invocations ?? "",
      optional: doc.optional ?? false,
      input: doc.Input ?? null,
      variables: doc.Variables ?? {},
      expectedResult: expected === undefined ? undefined : {
        status: typeof expected.ExecutionStatus === "string" ? expected.ExecutionStatus : undefined,
        hasResult: "Result" in expected,
        result: expected.Result ?? null
      },
      expectedHistory: doc.ExpectedExecutionHistory ?? [],
      callbackActions: (doc.CallbackActions ?? []).map((action) => ({
        callbackName: action.CallbackName,
        operation: action.Operation,
        payload: action.Payload ?? null,
        delay: action.Delay ?? 0
      })),
      expectedLogs: doc.ExpectedLogs ?? []
    }
  })

/**
 * Loads every requirement under `dir` (`<dir>/<suite>/<id>.yaml`), sorted by
 * suite then by id (`1-2` before `1-10`).
 *
 * @category loading
 * @since 0.1.0
 */
export const loadAll = (
  dir: string
): Effect.Effect<ReadonlyArray<Requirement>, RequirementError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const failed = (file: string) => (error: { readonly message: string }) =>
      new RequirementError({ file, message: error.message })
    const entries = yield* fs.readDirectoryEntries(dir).pipe(Effect.mapError(failed(dir)))
    const requirements: Array<Requirement> = []
    for (const suite of entries.filter((entry) => entry.type === "Directory").map((entry) => entry.name).sort()) {
      const folder = path.join(dir, suite)
      const files = yield* fs.readDirectory(folder).pipe(Effect.mapError(failed(folder)))
      for (const name of files.filter((name) => name.endsWith(".yaml")).sort(compareIds)) {
        const file = path.join(folder, name)
        const text = yield* fs.readFileString(file).pipe(Effect.mapError(failed(file)))
        requirements.push(yield* parse(text, file))
      }
    }
    return requirements
  })

/**
 * Orders requirement ids numerically, part by part: `1-2` < `1-10` < `2-1`.
 *
 * @category ordering
 * @since 0.1.0
 */
export const compareIds = (a: string, b: string): number => {
  const pa = a.replace(/\.yaml$/, "").split("-").map(Number)
  const pb = b.replace(/\.yaml$/, "").split("-").map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** A small deterministic PRNG (mulberry32), so that a run can be repeated from its seed. */
const random = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A 32-bit FNV-1a hash of a string, to derive per-requirement seeds.
 *
 * @category variables
 * @since 0.1.0
 */
export const hash = (text: string): number => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return h >>> 0
}

/**
 * Binds a requirement's `Variables`: `${GEN_STR:n}` becomes a random
 * alphanumeric string of length `n` (drawn from `seed` and the requirement's
 * id, so a run can be repeated); other values are taken as they are.
 *
 * @example
 * ```ts
 * Requirement.bindVariables(requirement, 42).get("CB_NAME") // e.g. "q3ZbT0aLk9"
 * ```
 *
 * @category variables
 * @since 0.1.0
 */
export const bindVariables = (requirement: Requirement, seed: number): Bindings => {
  const next = random(seed ^ hash(`${requirement.suite}/${requirement.id}`))
  const bindings: Bindings = new Map()
  for (const [name, value] of Object.entries(requirement.variables)) {
    const generated = typeof value === "string" ? /^\$\{GEN_STR:(\d+)\}$/.exec(value) : null
    bindings.set(
      name,
      generated === null
        ? value
        : Array.from({ length: Number(generated[1]) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("")
    )
  }
  return bindings
}
