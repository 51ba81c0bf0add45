/**
 * wait-for-condition: start a report export, then poll the export job with
 * `Durable.waitForCondition` until it is finished. Each check receives the
 * previous state and returns the next; the strategy (`WaitForCondition.until`,
 * an exponential back-off that gives up after `maxAttempts` checks) decides
 * when to check again. Between checks the state is checkpointed and the
 * invocation suspends, so a poll that lasts hours costs no compute.
 */
import { Durable, WaitForCondition } from "@effect-durable/core"
import { Context, Effect, Schema } from "effect"

/** The export service's API (an HTTP client in production, a fake in the tests). */
export class ExportApi extends Context.Service<ExportApi, {
  readonly start: (reportId: string, format: "csv" | "parquet") => Effect.Effect<string>
  readonly status: (jobId: string) => Effect.Effect<{
    readonly status: "RUNNING" | "READY" | "FAILED"
    readonly progress: number
    readonly url?: string | undefined
  }>
}>()("examples/wait-for-condition/ExportApi") {}

/** The state carried from check to check, checkpointed with each one. */
export const ExportJob = Schema.Struct({
  jobId: Schema.String,
  status: Schema.Literals(["RUNNING", "READY", "FAILED"]),
  progress: Schema.Number,
  checks: Schema.Number,
  url: Schema.optionalKey(Schema.String)
})

/** The export failed, or was still not ready when we gave up. */
export class ExportFailed extends Schema.TaggedError<ExportFailed>()("ExportFailed", {
  reportId: Schema.String,
  reason: Schema.Literals(["job-failed", "gave-up"]),
  message: Schema.String
}) {}

export const ReportExport = Durable.workflow(
  {
    name: "report-export",
    input: Schema.Struct({ reportId: Schema.String, format: Schema.Literals(["csv", "parquet"]) }),
    output: Schema.Struct({ reportId: Schema.String, url: Schema.String, checks: Schema.Number }),
    error: ExportFailed
  },
  Effect.fn(function*({ format, reportId }) {
    const api = yield* ExportApi
    const jobId = yield* Durable.step("start-export", api.start(reportId, format), { success: Schema.String })

    const job = yield* Durable.waitForCondition(
      "export-finished",
      (previous) =>
        Effect.map(api.status(previous.jobId), ({ progress, status, url }) => ({
          jobId: previous.jobId,
          status,
          progress,
          checks: previous.checks + 1,
          ...(url === undefined ? {} : { url })
        })),
      {
        initial: { jobId, status: "RUNNING", progress: 0, checks: 0 },
        schema: ExportJob,
        // Check after 30 s, then 60 s, 120 s, … (at most 10 min apart), at most 8 times.
        schedule: WaitForCondition.until((job: typeof ExportJob.Type) => job.status !== "RUNNING", {
          initialDelay: "30 seconds",
          backoffRate: 2,
          maxDelay: "10 minutes",
          maxAttempts: 8
        })
      }
    ).pipe(
      Effect.catchTag("WaitForConditionError", (error) =>
        new ExportFailed({ reportId, reason: "gave-up", message: error.message }))
    )

    if (job.status === "FAILED" || job.url === undefined) {
      return yield* new ExportFailed({ reportId, reason: "job-failed", message: `Export job ${jobId} failed` })
    }
    return { reportId, url: job.url, checks: job.checks }
  })
)
