/**
 * One cold start (run by `coldStart.ts`, in a fresh process): imports a
 * bundled handler, then runs one invocation of it with the event given as an
 * argument, through the AWS SDK's `LambdaClient` that the handler builds
 * (pointed at the local service by `AWS_ENDPOINT_URL_LAMBDA`). Prints one JSON
 * line: the import's time, the invocation's, its answer and the peak RSS.
 *
 * `node bench/dist/coldStartChild.js <bundle.mjs> '<event JSON>'`
 */
import { performance } from "node:perf_hooks"
import { pathToFileURL } from "node:url"

const [bundle, event] = process.argv.slice(2)
const started = performance.now()
const module = (await import(pathToFileURL(bundle!).href)) as {
  readonly handler: (event: unknown, context: unknown) => Promise<{ readonly Status: string }>
}
const imported = performance.now()
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
    rssPeakMB: Math.round(process.resourceUsage().maxRSS / 1024)
  }) + "\n"
)
process.exit(0)
