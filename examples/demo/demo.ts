/**
 * The demo of `npm start`: the local durable service (`DevService`) with the
 * `order-demo` workflow registered, one execution started through the Lambda
 * API with the `DurableClient` (as any service code would), followed in the
 * terminal until it ends. The demo completes the manager's callback itself a
 * few seconds after it starts waiting, unless someone (the web view's button,
 * `npx effect-durable callback succeed ...`) does it first.
 */
import { DurableClient } from "@effect-durable/client"
import { DevService, TerminalView } from "@effect-durable/local"
import { Emulator } from "@effect-durable/testing"
import { Console, Duration, Effect, Fiber, Layer, Option, PubSub } from "effect"
import { Approval, OrderDemo } from "./workflow.ts"

/**
 * Options of {@link runDemo}.
 */
export interface DemoOptions {
  /** The port of the local service; 0 picks a free one. */
  readonly port?: number | undefined
  /** How long the demo waits before answering the callback itself; `undefined`: never. */
  readonly answerAfter?: Duration.Input | undefined
  /** Where the terminal view goes. */
  readonly write?: ((line: string) => Effect.Effect<void>) | undefined
  /** Told the web view's address once the service listens. */
  readonly onListening?: ((url: string) => Effect.Effect<void>) | undefined
  /** ANSI colours in the terminal view. */
  readonly color?: boolean | undefined
}

/** The first pending callback id of the execution, once it has one. */
const pendingCallback = (arn: string) =>
  Effect.scoped(Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const subscription = yield* emulator.subscribe
    while (true) {
      const execution = yield* emulator.execution(arn)
      if (execution.status !== "RUNNING") return Option.none<string>()
      const callback = execution.operations.find((op) => op.Type === "CALLBACK" && op.Status === "STARTED")
      const id = callback?.CallbackDetails?.CallbackId
      if (id !== undefined) return Option.some(id)
      yield* PubSub.take(subscription)
    }
  }))

/**
 * Runs the demo to the end of its execution; returns the execution's result.
 */
export const runDemo = (options: DemoOptions = {}) =>
  Effect.gen(function*() {
    const { url } = yield* DevService.DevService
    const write = options.write ?? ((line: string) => Console.log(line))
    yield* write(`effect-durable · the local durable service · web view: ${url}/`)
    yield* write(`  (open it now: the execution below shows up live; its callback has a button)\n`)
    if (options.onListening !== undefined) yield* options.onListening(url)

    const client = yield* DurableClient.DurableClient
    const order = yield* client.start(OrderDemo, { orderId: "o-1042", item: "espresso machine", amount: 349 }, {
      function: "order-demo",
      executionName: "order-o-1042"
    })
    const following = yield* Effect.forkChild(
      TerminalView.follow({ arn: order.arn, write, color: options.color, command: "npx effect-durable" })
    )

    // answer the manager's callback after a while, unless someone else did
    if (options.answerAfter !== undefined) {
      const answerAfter = options.answerAfter
      yield* Effect.forkChild(Effect.gen(function*() {
        const callbackId = yield* pendingCallback(order.arn)
        if (Option.isNone(callbackId)) return
        yield* Effect.sleep(answerAfter)
        yield* write(`  (the demo answers the callback itself after ${Duration.format(Duration.fromInputUnsafe(answerAfter))})`)
        yield* client.succeed(callbackId.value, { approved: true, by: "the demo" }, Approval).pipe(
          // already answered (the web view's button was faster): nothing to do
          Effect.catchTag("CallbackTimedOutError", () => Effect.void)
        )
      }))
    }

    // The terminal view ends when the execution does; then `result`'s first poll reads it (waiting on `result`
    // first would sleep through its back-off, up to a few seconds after the end).
    yield* Fiber.join(following)
    const receipt = yield* order.result
    yield* write(`\nresult: ${JSON.stringify(receipt)}`)
    return receipt
  })

/**
 * The service of the demo: the local durable service in memory, with the
 * `order-demo` function, and a `DurableClient` pointed at its Lambda API.
 */
export const DemoLayer = (port = 0) => {
  const service = DevService.layer({ functions: { "order-demo": OrderDemo }, port }).pipe(
    Layer.provideMerge(Emulator.Emulator.layer)
  )
  const client = Layer.unwrap(Effect.gen(function*() {
    const { url } = yield* DevService.DevService
    return DurableClient.layer({
      clientConfig: { endpoint: url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } }
    })
  }))
  return client.pipe(Layer.provideMerge(service))
}
