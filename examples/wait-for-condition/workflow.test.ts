/**
 * wait-for-condition on the emulator under TestClock, with a fake export
 * service: a job that is ready at the third check (the state checkpointed with
 * each RETRY, one invocation per check), a job that fails, and a job that is
 * never ready (the strategy gives up after 8 checks).
 */
import { assert, describe, it } from "@effect/vitest"
import { Emulator, LocalRunner } from "@effect-durable/testing"
import { Effect, Layer, Schema } from "effect"
import { ExportApi, ExportFailed, ReportExport } from "./workflow.ts"

/** A fake export service whose job finishes (READY, or FAILED) at the `finishesAt`-th status call. */
const fakeExportApi = (finishesAt: number, outcome: "READY" | "FAILED" = "READY") => {
  const calls = { start: 0, status: 0 }
  const layer = Layer.succeed(ExportApi, ExportApi.of({
    start: (reportId, format) => Effect.sync(() => (calls.start++, `job-${reportId}-${format}`)),
    status: (jobId) =>
      Effect.sync(() => {
        const n = ++calls.status
        if (n < finishesAt) return { status: "RUNNING" as const, progress: Math.floor((100 * n) / finishesAt) }
        return outcome === "READY"
          ? { status: "READY" as const, progress: 100, url: `https://exports.example.com/${jobId}` }
          : { status: "FAILED" as const, progress: 0 }
      })
  }))
  return { calls, layer }
}

const input = { reportId: "sales-2025-q1", format: "csv" as const }

/** The RETRY updates the service accepted for the poll: the checkpointed state and the delay. */
const retries = (arn: string) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    return (yield* emulator.history(arn)).flatMap((event) =>
      event._tag === "Checkpointed"
        ? event.updates.filter((u) => u.Action === "RETRY").map((u) => [
          JSON.parse(u.Payload ?? "null"),
          u.StepOptions?.NextAttemptDelaySeconds
        ])
        : []
    )
  })

describe("wait-for-condition", () => {
  it.effect("polls until the export is ready, checkpointing the job's state between checks", () =>
    Effect.gen(function*() {
      const api = fakeExportApi(3)
      const result = yield* LocalRunner.runUnderTestClock(ReportExport, input).pipe(Effect.provide(api.layer))
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") {
        assert.deepStrictEqual(result.output, {
          reportId: "sales-2025-q1",
          url: "https://exports.example.com/job-sales-2025-q1-csv",
          checks: 3
        })
      }
      assert.deepStrictEqual(api.calls, { start: 1, status: 3 })
      const poll = result.operations.find((op) => op.Name === "export-finished")
      assert.deepStrictEqual([poll?.Type, poll?.SubType, poll?.Status], ["STEP", "WaitForCondition", "SUCCEEDED"])
      // Each check that did not meet the condition checkpointed its state and the back-off: 30 s, then 60 s.
      assert.deepStrictEqual(yield* retries(result.arn), [
        [{ jobId: "job-sales-2025-q1-csv", status: "RUNNING", progress: 33, checks: 1 }, 30],
        [{ jobId: "job-sales-2025-q1-csv", status: "RUNNING", progress: 66, checks: 2 }, 60]
      ])
      // Both delays outlast the in-process horizon (2 s): the function was not running while it waited.
      assert.deepStrictEqual(result.invocations.map((i) => i.outcome), ["PENDING", "PENDING", "SUCCEEDED"])
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("a failed export job fails the execution with ExportFailed (job-failed)", () =>
    Effect.gen(function*() {
      const api = fakeExportApi(2, "FAILED")
      const result = yield* LocalRunner.runUnderTestClock(ReportExport, input).pipe(Effect.provide(api.layer))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(ExportFailed))(result.error.ErrorData)
        assert.strictEqual(error.reason, "job-failed")
      }
      // The condition (the job finished) held: the poll itself succeeded.
      assert.strictEqual(result.operations.find((op) => op.Name === "export-finished")?.Status, "SUCCEEDED")
      assert.strictEqual(api.calls.status, 2)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))

  it.effect("gives up after 8 checks when the export never finishes", () =>
    Effect.gen(function*() {
      const api = fakeExportApi(Number.POSITIVE_INFINITY)
      const result = yield* LocalRunner.runUnderTestClock(ReportExport, input).pipe(Effect.provide(api.layer))
      assert.strictEqual(result.status, "FAILED")
      if (result.status === "FAILED") {
        assert.strictEqual(result.error.ErrorType, "ExportFailed")
        const error = Schema.decodeUnknownSync(Schema.fromJsonString(ExportFailed))(result.error.ErrorData)
        assert.strictEqual(error.reason, "gave-up")
        assert.strictEqual(error.message, "The condition did not hold after 8 checks")
      }
      assert.strictEqual(api.calls.status, 8)
      assert.strictEqual(result.operations.find((op) => op.Name === "export-finished")?.Status, "FAILED")
      // 7 back-offs: 30 s doubling, capped at 10 minutes.
      assert.deepStrictEqual((yield* retries(result.arn)).map(([, delay]) => delay), [30, 60, 120, 240, 480, 600, 600])
      assert.strictEqual(result.invocations.length, 8)
    }).pipe(Effect.provide(Emulator.Emulator.layer)))
})
