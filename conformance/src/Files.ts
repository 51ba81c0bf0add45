/**
 * Where the conformance runner finds the requirement files and keeps its
 * record.
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, Path } from "effect"
import type * as Report from "./Report.ts"

/**
 * Where the requirements live relative to a checkout's neighbourhood: the
 * project ships handlers and a runner, not copies of the files.
 *
 * @category paths
 * @since 0.1.0
 */
export const requirementsSubpath = ["shared", "reference", "conformance", "requirements"] as const

/**
 * The default requirements folder: `../shared/reference/conformance/requirements`
 * relative to the repository root, or the same path beside the nearest
 * ancestor that has it (a git worktree lives deeper than the main checkout).
 *
 * @category paths
 * @since 0.1.0
 */
export const defaultRequirementsDir = (repoRoot: string): Effect.Effect<string | undefined, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (let dir = path.dirname(path.resolve(repoRoot)); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, ...requirementsSubpath)
      if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) return candidate
      if (path.dirname(dir) === dir) return undefined
    }
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
 * Reads the record (empty when there is none yet).
 *
 * @category record
 * @since 0.1.0
 */
export const readRecord = (file: string): Effect.Effect<Report.PassingRecord, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(Effect.orElseSucceed(() => "{}"))
    return JSON.parse(text) as Report.PassingRecord
  })
