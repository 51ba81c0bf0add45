/**
 * What the client's tests share: workflows with Schemas for their input,
 * output and errors, the two transports the same tests run on (the local
 * service in process, and over HTTP through the real `LambdaClient` and
 * `LambdaApiServer`), and helpers to move through virtual time.
 */
import { DurableClient } from "@effect-durable/client"
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Emulator, LambdaApiServer, LocalService } from "@effect-durable/testing"
import { Duration, Effect, Layer, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"

// ---------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------

export class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", {
  sku: Schema.String,
  requested: Schema.Number
}) {}

export const OrderInput = Schema.Struct({ orderId: Schema.String, sku: Schema.String, quantity: Schema.Number })

/** Reserves stock (a typed OutOfStock over 10 items), waits a day for the carrier, ships. */
export const Order = Durable.workflow(
  {
    name: "order",
    input: OrderInput,
    // a Date: the client decodes the wire's ISO string back into a Date
    output: Schema.Struct({ orderId: Schema.String, shippedAt: Schema.Date }),
    error: OutOfStock
  },
  Effect.fn(function*({ orderId, quantity, sku }) {
    yield* Durable.step(
      "reserve",
      quantity > 10 ? Effect.fail(new OutOfStock({ sku, requested: quantity })) : Effect.succeed(quantity),
      { error: OutOfStock, retry: RetryPolicy.noRetry }
    )
    yield* Durable.wait("carrier", "1 day")
    return { orderId, shippedAt: new Date(Date.UTC(2026, 0, 2, 9, 30)) }
  })
)

export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", { host: Schema.String }) {}

/** A workflow without an error Schema: its failure reaches the client as a WorkflowError. */
export const Ping = Durable.workflow(
  { name: "ping", input: Schema.Struct({ host: Schema.String }), output: Schema.String },
  ({ host }) =>
    Durable.step("ping", Effect.fail(new Unreachable({ host })), { error: Unreachable, retry: RetryPolicy.noRetry })
)

/** What the approver sends back. */
export const Decision = Schema.Struct({ approved: Schema.Boolean, by: Schema.String })

/** How an approver declines: the client fails the callback with it. */
export class Rejected extends Schema.TaggedError<Rejected>()("Rejected", { reason: Schema.String }) {}

export class ApprovalFailed extends Schema.TaggedError<ApprovalFailed>()("ApprovalFailed", {
  kind: Schema.Literals(["rejected", "timed-out", "other"]),
  detail: Schema.String
}) {}

const decodeRejected = Schema.decodeUnknownOption(Schema.fromJsonString(Rejected))

/**
 * Waits for a decision through a callback (a day at most, a heartbeat every
 * hour at least). A declined request arrives as a failed callback carrying
 * the approver's typed `Rejected`.
 */
export const Approval = Durable.workflow(
  {
    name: "approval",
    input: Schema.Struct({ request: Schema.String }),
    output: Schema.String,
    error: ApprovalFailed
  },
  Effect.fn(function*({ request }) {
    const callback = yield* Durable.createCallback("decision", {
      schema: Decision,
      timeout: "1 day",
      heartbeatTimeout: "1 hour"
    })
    const decision = yield* callback.await.pipe(
      Effect.catchTags({
        CallbackExternalError: (error) => {
          const rejected = error.errorData === undefined ? undefined : decodeRejected(error.errorData)
          return rejected?._tag === "Some"
            ? new ApprovalFailed({ kind: "rejected", detail: rejected.value.reason })
            : new ApprovalFailed({ kind: "other", detail: error.message })
        },
        CallbackTimeoutError: (error) => new ApprovalFailed({ kind: "timed-out", detail: error.message })
      })
    )
    return decision.approved ? `${request}: approved by ${decision.by}` : `${request}: declined by ${decision.by}`
  })
)

export const functions = { order: Order, ping: Ping, approval: Approval }

// ---------------------------------------------------------------------------
// Transports
// ---------------------------------------------------------------------------

/** Invocations suspend as soon as they are idle, so that `idle` and `TestClock.adjust` move through time exactly. */
export const eager = { name: "eager", warmup: Duration.zero, maxInProcessWait: Duration.zero } as const

export const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }

/** The client over the real `LambdaClient`, pointed at the `LambdaApiServer` of the local service. */
export const overHttp = (clientConfig: { readonly maxAttempts?: number } = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const { url } = yield* LambdaApiServer.LambdaApiServer
    return DurableClient.layer({
      clientConfig: { endpoint: url, region: "us-east-1", credentials, maxAttempts: 1, ...clientConfig }
    })
  })).pipe(
    Layer.provideMerge(LambdaApiServer.layer),
    Layer.provideMerge(LocalService.layer(functions, { policy: eager })),
    Layer.provideMerge(Emulator.Emulator.layer)
  )

/** The same tests run on both. */
export const transports = [
  { name: "in process (emulator, TestClock)", layer: LocalService.layerTest(functions) },
  { name: "over HTTP (LambdaClient → LambdaApiServer)", layer: overHttp() }
] as const

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Waits until the local service has nothing to do now. */
export const idle = Effect.gen(function*() {
  yield* (yield* LocalService.LocalService).idle
})

/**
 * Lets the local service finish what it is doing, moves virtual time forward,
 * then lets it do what became due. (Moving the clock while an invocation is
 * still running would fire its 15-minute timeout before it gets to run.)
 */
export const advance = (duration: Duration.Input) =>
  Effect.gen(function*() {
    yield* idle
    yield* TestClock.adjust(duration)
    yield* idle
  })

/** The id of the first callback the execution started, read from its history. */
export const callbackIdOf = <W extends DurableClient.ExecutionHandle<any>>(handle: W) =>
  Effect.gen(function*() {
    const events = yield* Stream.runCollect(handle.history())
    const id = events.find((event) => event.EventType === "CallbackStarted")?.CallbackStartedDetails?.CallbackId
    if (id === undefined) return yield* Effect.die(`no callback in the history of ${handle.arn}`)
    return id
  })
