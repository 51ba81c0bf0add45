/**
 * Runs a selection of requirements, each under every policy, and gives their
 * outcomes.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { isOmitted, type Suite } from "./Handler.ts"
import * as Report from "./Report.ts"
import type * as Requirement from "./Requirement.ts"
import * as Runner from "./Runner.ts"

/**
 * Which requirements to run, and how.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Folders to run (all when empty or absent). */
  readonly suites?: ReadonlyArray<string> | undefined
  /** Requirement ids to run, e.g. `["1-11"]` (all when empty or absent). */
  readonly only?: ReadonlyArray<string> | undefined
  /** Seed of the generated variables. */
  readonly seed: number
  /** Called after each requirement, e.g. to print progress. */
  readonly onOutcome?: ((outcome: Report.Outcome) => Effect.Effect<void>) | undefined
}

/**
 * Whether a requirement is selected by the options.
 *
 * @category selection
 * @since 0.1.0
 */
export const selects = (options: Pick<Options, "suites" | "only">, requirement: Requirement.Requirement): boolean =>
  (options.suites === undefined || options.suites.length === 0 || options.suites.includes(requirement.suite)) &&
  (options.only === undefined || options.only.length === 0 || options.only.includes(requirement.id))

/**
 * Runs the selected requirements, one after the other, each under the default
 * policy and under the eager one.
 *
 * @category running
 * @since 0.1.0
 */
export const run = (
  requirements: ReadonlyArray<Requirement.Requirement>,
  suites: Readonly<Record<string, Suite>>,
  options: Options
): Effect.Effect<ReadonlyArray<Report.Outcome>> =>
  Effect.forEach(requirements.filter((requirement) => selects(options, requirement)), (requirement) =>
    Effect.gen(function*() {
      const entry = suites[requirement.suite]?.[requirement.id]
      const runs: Partial<Record<Runner.PolicyName, Runner.Run>> = {}
      if (entry !== undefined && !isOmitted(entry)) {
        for (const policy of ["default", "eager"] as const) {
          runs[policy] = yield* Runner.run(requirement, entry, { policy, seed: options.seed })
        }
      }
      const why = entry === undefined ? undefined : isOmitted(entry) ? entry.omitted : entry.knownFailure
      const outcome = Report.outcome(requirement, runs, why)
      if (options.onOutcome !== undefined) yield* options.onOutcome(outcome)
      return outcome
    }))
