/**
 * Where the conformance runner finds the requirement files and keeps its
 * record.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path, Schema } from "effect"
import * as Report from "./Report.ts"

/**
 * Where the requirements live relative to a checkout's neighbourhood: the
 * project ships handlers and a runner, not copies of the files.
 *
 * @category paths
 * @since 0.1.0
 */
export const requirementsSubpath = ["shared", "reference", "conformance", "requirements"] as const

/**
 * Where the default requirements folder may be, nearest first:
 * `../shared/reference/conformance/requirements` relative to the repository
 * root, then the same path beside each ancestor (a git worktree lives deeper
 * than the main checkout), up to the file system's root. Pure: `path` is
 * Node's `path` module or effect's `Path`.
 *
 * @example
 * ```ts
 * Files.requirementsCandidates("/work/wt/review", path)
 * // ["/work/wt/shared/reference/conformance/requirements", "/work/shared/...", "/shared/..."]
 * ```
 *
 * @category paths
 * @since 0.1.0
 */
export const requirementsCandidates = (
  repoRoot: string,
  path: {
    readonly resolve: (...paths: Array<string>) => string
    readonly dirname: (path: string) => string
    readonly join: (...paths: Array<string>) => string
  }
): ReadonlyArray<string> => {
  const candidates: Array<string> = []
  for (let dir = path.dirname(path.resolve(repoRoot)); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, ...requirementsSubpath))
    if (path.dirname(dir) === dir) return candidates
  }
}

/**
 * The default requirements folder: the first of {@link requirementsCandidates}
 * that exists, if any.
 *
 * @category paths
 * @since 0.1.0
 */
export const defaultRequirementsDir = (repoRoot: string): Effect.Effect<string | undefined, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (const candidate of requirementsCandidates(repoRoot, path)) {
      if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) return candidate
    }
    return undefined
  })

/**
 * The committed record of the requirements that pass.
 *
 * @category paths
 * @since 0.1.0
 */
export const recordPath = (repoRoot: string): Effect.Effect<string, never, Path.Path> =>
  Effect.map(Path.Path, (path) => path.join(repoRoot, "conformance", "passing.json"))

/**
 * The record could not be read: it is not JSON, or not a map from requirement
 * to `passed` / `passed-eager`.
 *
 * @category record
 * @since 0.1.0
 */
export class RecordError extends Schema.TaggedError<RecordError>()("RecordError", {
  file: Schema.String,
  message: Schema.String
}) {}

const decodeRecord = Schema.decodeUnknownEffect(Schema.fromJsonString(Report.PassingRecord))

/**
 * Reads the record (empty when there is none yet).
 *
 * @category record
 * @since 0.1.0
 */
export const readRecord = (file: string): Effect.Effect<Report.PassingRecord, RecordError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false)))) return {}
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) => new RecordError({ file, message: `Cannot read the record: ${error.message}` }))
    )
    return yield* decodeRecord(text).pipe(
      Effect.mapError((error) => new RecordError({ file, message: `Invalid record: ${error.message}` }))
    )
  })
