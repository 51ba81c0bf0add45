/**
 * The web view of the local durable service, served next to the Lambda API
 * (loopback only): the executions, live; for one execution, its timeline
 * (invocations as bands, operations as bars across them, each termination
 * decision with its reason), its invocations and operations, and its pending
 * callbacks with buttons to succeed or fail them.
 *
 * The page is one self-contained HTML document (no build step, no external
 * resources). It reads a small JSON API and listens to server-sent events:
 * every change of the emulator is pushed as the list of executions it touched
 * (grouped over 150 ms), and the page fetches what it shows again, so it
 * stays current without a reload. The callback buttons call the Lambda API's
 * own `SendDurableExecutionCallbackSuccess` / `Failure` routes, exactly as any
 * other client of the service would.
 *
 * | route | what |
 * |---|---|
 * | `GET /` | the page |
 * | `GET /ui/api/executions` | `{ executions: Summary[] }`, newest first |
 * | `GET /ui/api/execution?arn=…&width=…` | `{ execution: Summary, timeline: Timeline, svg }` |
 * | `GET /ui/api/timeline.svg?arn=…` | the timeline as an SVG document |
 * | `GET /ui/api/functions` | `{ functions: string[] }`: the functions a `LocalService` in context runs (none without one) |
 * | `GET /ui/events` | server-sent events: `changed` with `{ arns }` |
 *
 * Its form starts an execution with the Lambda API's own `Invoke` (`Event`,
 * the execution name in `X-Amz-Durable-Execution-Name`, the input as the
 * body), and then shows it.
 *
 * @example
 * ```ts
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { Emulator, LambdaApiServer } from "@effect-durable/testing"
 * import { WebView } from "@effect-durable/local"
 * import { HttpRouter } from "effect/http"
 *
 * const Server = HttpRouter.serve(Layer.mergeAll(LambdaApiServer.routes, WebView.routes)).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 9014, host: "127.0.0.1" })),
 *   Layer.provide(Emulator.Emulator.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as Wire from "@effect-durable/core/Wire"
import { Emulator, type Execution, type ExecutionStatus } from "@effect-durable/testing/Emulator"
import { LocalService } from "@effect-durable/testing/LocalService"
import { Clock, Effect, Layer, Option, Stream } from "effect"
import { Sse } from "effect/encoding"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { page } from "./internal/page.ts"
import * as Timeline from "./Timeline.ts"
import * as TimelineSvg from "./TimelineSvg.ts"

/**
 * One execution in the list.
 *
 * @category models
 * @since 0.1.0
 */
export interface Summary {
  readonly arn: string
  readonly functionName: string
  readonly executionName: string
  readonly status: ExecutionStatus
  /** Epoch ms. */
  readonly start: number
  readonly end: number | undefined
  readonly invocations: number
  readonly operations: number
  readonly pendingCallbacks: number
  readonly input: string | undefined
  readonly result: string | undefined
  readonly error: Wire.ErrorObject | undefined
}

/**
 * The list entry of an execution.
 *
 * @category models
 * @since 0.1.0
 */
export const summaryOf = (execution: Execution): Summary => ({
  arn: execution.arn,
  functionName: execution.functionName,
  executionName: execution.executionName,
  status: execution.status,
  start: execution.startTimestamp.getTime(),
  end: execution.endTimestamp?.getTime(),
  invocations: execution.invocations,
  operations: execution.operations.length - 1,
  pendingCallbacks: execution.status === "RUNNING"
    ? execution.operations.filter((op) => op.Type === "CALLBACK" && op.Status === "STARTED").length
    : 0,
  input: execution.input,
  result: execution.result,
  error: execution.error
})

const noStore = { "cache-control": "no-store" }

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status, headers: noStore })

const notFound = (arn: string) =>
  json({ error: "ResourceNotFoundException", message: `No durable execution has the ARN ${arn}` }, 404)

const queryOf = (request: HttpServerRequest.HttpServerRequest) => new URL(request.url, "http://127.0.0.1").searchParams

const widthOf = (params: URLSearchParams): number => {
  const width = Number(params.get("width") ?? "1200")
  return Number.isFinite(width) ? Math.min(Math.max(width, 600), 4000) : 1200
}

/** The execution named by `?arn=`, with its timeline, or a 404 answer. */
const withExecution = (
  emulator: Emulator["Service"],
  request: HttpServerRequest.HttpServerRequest,
  f: (execution: Execution, timeline: Timeline.Timeline, params: URLSearchParams) => HttpServerResponse.HttpServerResponse
) =>
  Effect.gen(function*() {
    const params = queryOf(request)
    const arn = params.get("arn") ?? ""
    const now = yield* Clock.currentTimeMillis
    return yield* emulator.execution(arn).pipe(
      Effect.map((execution) => f(execution, Timeline.fromExecution(execution, { now }), params)),
      Effect.catchTag("ExecutionNotFoundError", () => Effect.succeed(notFound(arn)))
    )
  })

/**
 * The live stream of changes: one `changed` event per burst of emulator
 * events, naming the executions that changed, and a comment every 15 s to keep
 * the connection open through proxies.
 */
const changes = (emulator: Emulator["Service"]): Stream.Stream<Uint8Array> => {
  const encoder = new TextEncoder()
  const write = (event: string, data: unknown) =>
    Sse.encoder.write({ _tag: "Event", event, id: undefined, data: JSON.stringify(data) })
  return Stream.make(`retry: 1000\n\n${write("hello", {})}`).pipe(
    Stream.concat(
      Stream.merge(
        emulator.events.pipe(
          Stream.groupedWithin(10_000, "150 millis"),
          Stream.map((events) => write("changed", { arns: [...new Set(events.map((e) => e.arn))] }))
        ),
        Stream.tick("15 seconds").pipe(Stream.map(() => ": keep-alive\n\n"))
      )
    ),
    Stream.map((text) => encoder.encode(text))
  )
}

/**
 * The routes of the web view, for an `HttpRouter` (serve them with the Lambda
 * API's `LambdaApiServer.routes` on one server).
 *
 * @category layers
 * @since 0.1.0
 */
export const routes: Layer.Layer<never, never, HttpRouter.HttpRouter | Emulator> = HttpRouter.use(
  Effect.fnUntraced(function*(router) {
    const emulator = yield* Emulator
    const local = yield* Effect.serviceOption(LocalService)
    yield* router.add("GET", "/", HttpServerResponse.html(page))
    yield* router.add(
      "GET",
      "/ui/api/functions",
      Effect.sync(() => json({ functions: Option.match(local, { onNone: () => [], onSome: (local) => [...local.functions] }) }))
    )
    yield* router.add(
      "GET",
      "/ui/api/executions",
      Effect.map(emulator.executions, (executions) =>
        json({ executions: executions.map(summaryOf).sort((a, b) => b.start - a.start) }))
    )
    yield* router.add("GET", "/ui/api/execution", (request) =>
      withExecution(emulator, request, (execution, timeline, params) =>
        json({
          execution: summaryOf(execution),
          timeline,
          svg: TimelineSvg.render(timeline, { width: widthOf(params) })
        })))
    yield* router.add("GET", "/ui/api/timeline.svg", (request) =>
      withExecution(emulator, request, (_execution, timeline, params) =>
        HttpServerResponse.text(TimelineSvg.render(timeline, { width: widthOf(params) }), {
          contentType: "image/svg+xml",
          headers: noStore
        })))
    yield* router.add(
      "GET",
      "/ui/events",
      HttpServerResponse.stream(changes(emulator), {
        contentType: "text/event-stream",
        headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
      })
    )
  })
)
