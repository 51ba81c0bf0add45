// Runs a bundled durable function the way Lambda runs it, on this machine:
//
//   node run-bundle.mjs <bundle.mjs> '<input JSON>' [function-name]
//
// The durable execution service is the emulator of @effect-durable/testing, served over HTTP by its
// LambdaApiServer on 127.0.0.1. The bundle is imported as the Lambda runtime imports it, with the
// runtime's environment: its own LambdaClient (the real @aws-sdk/client-lambda, bundled) reaches the
// local server through AWS_ENDPOINT_URL_LAMBDA, the AWS SDK's endpoint variable for Lambda. Each
// invocation gets the event the service would send; its answer goes back to the service; on PENDING the
// function is invoked again when the service has something to deliver.
//
// The service's clock follows real time, and jumps ahead when the execution waits with nothing running,
// so a wait of a day takes no time. Exits 0 when the execution SUCCEEDED, 1 otherwise.
//
// It runs inside a user's project (where the packages are installed), in plain Node: it imports the
// packages' compiled ESM entry points as any Node program would.
import { NodeRuntime } from "@effect/platform-node"
import { Wire } from "@effect-durable/core"
import { Emulator, LambdaApiServer } from "@effect-durable/testing"
import { Clock, Console, Duration, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

const [bundle, input = "{}", functionName = "durable-function"] = process.argv.slice(2)
if (bundle === undefined) {
  console.error("usage: node run-bundle.mjs <bundle.mjs> '<input JSON>' [function-name]")
  process.exit(2)
}

/** Each invocation may run this long (the SAM template allows 900 s; a check needs less). */
const invocationTimeout = 60_000
/** The whole execution must end within this many invocations. */
const maxInvocations = 20

const encodeEvent = Schema.encodeEffect(Wire.InvocationInput)
const decodeOutput = Schema.decodeUnknownEffect(Wire.InvocationOutput)

/** The service's clock: advanced with real time, a few milliseconds at a time. */
const followRealTime = Effect.gen(function*() {
  let last = Date.now()
  while (true) {
    yield* TestClock.withLive(Effect.sleep("5 millis"))
    const now = Date.now()
    yield* TestClock.adjust(Duration.millis(now - last))
    last = now
  }
})

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const { url } = yield* LambdaApiServer.LambdaApiServer
  yield* Console.log(`the durable execution API listens on ${url}`)

  // What the Lambda runtime sets, and the endpoint of the durable execution API.
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_ENDPOINT_URL_LAMBDA: url,
    // Lambda runs Node 22; this check may run on Node 20, which the AWS SDK warns about.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
  })
  const module = yield* Effect.promise(() => import(pathToFileURL(path.resolve(bundle)).href))
  const handler = module.handler
  if (typeof handler !== "function") return yield* Effect.die(new Error(`${bundle} exports no handler function`))
  yield* Effect.addFinalizer(() => Effect.promise(async () => handler.dispose?.()))

  yield* TestClock.setTime(Date.now())
  yield* Effect.forkScoped(followRealTime)
  const arn = yield* emulator.start({ input, name: functionName })
  yield* Console.log(`execution started: ${arn}`)

  for (let n = 1; n <= maxInvocations; n++) {
    const event = JSON.parse(JSON.stringify(yield* encodeEvent(yield* emulator.invoke(arn))))
    const startedAt = Date.now()
    const deadline = startedAt + invocationTimeout
    const context = {
      awsRequestId: `local-${n}`,
      functionName,
      functionVersion: "1",
      invokedFunctionArn: arn.split("/durable-execution/")[0],
      memoryLimitInMB: "512",
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now())
    }
    const answer = yield* Effect.tryPromise(() => handler(event, context)).pipe(
      Effect.timeoutOrElse({
        duration: Duration.millis(invocationTimeout),
        orElse: () => Effect.fail(new Error(`invocation #${n} timed out`))
      }),
      TestClock.withLive
    )
    const output = yield* decodeOutput(answer)
    yield* Console.log(`invocation #${n}: ${output.Status} (${Date.now() - startedAt} ms)`)
    yield* emulator.complete(arn, output)

    const execution = yield* emulator.execution(arn)
    if (execution.status !== "RUNNING") {
      const checkpoints = (yield* emulator.history(arn)).filter((e) => e._tag === "Checkpointed").length
      yield* Console.log(
        `execution ${execution.status} after ${n} invocations and ${checkpoints} checkpoint calls through the API`
      )
      yield* Console.log(`result: ${execution.result ?? JSON.stringify(execution.error)}`)
      return execution.status === "SUCCEEDED"
    }
    // PENDING: skip the idle time up to the service's next wake-up.
    const wakeup = yield* emulator.nextWakeup(arn)
    if (wakeup === undefined) return yield* Effect.die(new Error("the execution is PENDING and nothing will wake it"))
    const now = yield* Clock.currentTimeMillis
    if (wakeup > now) {
      yield* Console.log(`  nothing runs for ${Duration.format(Duration.millis(wakeup - now))}: skipped`)
      yield* TestClock.adjust(Duration.millis(wakeup - now))
    }
  }
  yield* Console.log(`the execution did not end within ${maxInvocations} invocations`)
  return false
})

const ServiceLayer = LambdaApiServer.layer.pipe(Layer.provideMerge(Emulator.Emulator.layer))

program.pipe(
  Effect.scoped,
  Effect.provide(ServiceLayer),
  Effect.provide(TestClock.layer()),
  Effect.tap((succeeded) => Effect.sync(() => process.exitCode = succeeded ? 0 : 1)),
  NodeRuntime.runMain
)
