/**
 * One cold start (run by `coldStart.ts`, in a fresh process): imports a
 * bundled handler, then runs one invocation of it with the event given as an
 * argument, through the checkpoint client that the handler builds (the AWS
 * SDK's `LambdaClient`, or the light transport; pointed at the local service
 * by `AWS_ENDPOINT_URL_LAMBDA`). Prints one JSON
 * line: the import's time, the invocation's, its answer and the peak RSS, and
 * the process's CPU time (user + system, every thread) when the import is done
 * and when the first checkpoint call is made (`http.request`, which the AWS
 * SDK's HTTP handler and the light transport call for every request, is
 * watched for it): CPU is steadier
 * than wall time on a shared machine.
 *
 * With `COLD_START_CPU_CGROUP` (a cgroup's `cgroup.procs`), it moves itself into that cgroup once the import
 * is done: the invocation then runs on the CPU quota that cgroup sets.
 *
 * With `COLD_START_STOP=import` or `checkpoint` it exits, printing nothing, once the import is done or when
 * the first checkpoint call is made (before it is sent): how `coldStartInstructions.ts` counts the
 * instructions of a cold start up to either point.
 *
 * `node bench/dist/coldStartChild.js <bundle.mjs> '<event JSON>'`
 */
import { writeFileSync } from "node:fs"
import http from "node:http"
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1000
}

const stop = process.env.COLD_START_STOP

let checkpointCallCpuMs: number | undefined
const request = http.request
http.request = function(this: unknown, ...args: Array<unknown>) {
  const options = args[0] as { readonly path?: string } | string | URL
  const path = typeof options === "string" || options instanceof URL ? String(options) : options.path ?? ""
  if (checkpointCallCpuMs === undefined && path.endsWith("/checkpoint")) {
    if (stop === "checkpoint") process.exit(0)
    checkpointCallCpuMs = cpuMs()
  }
  return (request as (...args: Array<unknown>) => http.ClientRequest).apply(this, args)
} as typeof http.request

const [bundle, event] = process.argv.slice(2)
const started = performance.now()
const startedCpuMs = cpuMs()
const module = (await import(pathToFileURL(bundle!).href)) as {
  readonly handler: (event: unknown, context: unknown) => Promise<{ readonly Status: string }>
}
if (stop === "import") process.exit(0)
// Lambda's CPU after the Init phase (`coldStart.ts`'s rows "on Lambda's CPU"): the process moves into a CPU
// cgroup whose quota is the function's share of a vCPU, as an invocation runs, where the import ran at a full
// vCPU, as the Init phase of an on-demand function does.
const cgroup = process.env.COLD_START_CPU_CGROUP
if (cgroup !== undefined) writeFileSync(cgroup, String(process.pid))
const imported = performance.now()
const importedCpuMs = cpuMs()
const deadline = Date.now() + 900_000
const output = await module.handler(JSON.parse(event!), {
  awsRequestId: "cold-start",
  functionName: "hello-world",
  functionVersion: "1",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:hello-world:1",
  memoryLimitInMB: "512",
  logGroupName: "/aws/lambda/hello-world",
  logStreamName: "cold-start",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now())
})
const answered = performance.now()
process.stdout.write(
  JSON.stringify({
    // Node's own start-up, before this module ran (from the process's time origin).
    bootMs: started,
    importMs: imported - started,
    invocationMs: answered - imported,
    status: output.Status,
    rssPeakMB: Math.round(process.resourceUsage().maxRSS / 1024),
    // CPU from the process's start: before this module ran, the import, to the first checkpoint call
    bootCpuMs: startedCpuMs,
    importCpuMs: importedCpuMs - startedCpuMs,
    firstCheckpointCpuMs: checkpointCallCpuMs ?? Number.NaN
  }) + "\n"
)
process.exit(0)
