/**
 * The local durable service of effect-durable: the timeline of an execution
 * (as a model and as an SVG), the web view, the persistent store and the
 * terminal view that `effect-durable dev` and `run` are made of.
 *
 * @since 0.1.0
 */

/**
 * The timeline of one execution as a pure model, built from its history in the
 * service's shape: invocations with their termination decisions, operations
 * with their attempts, retries, waits, callbacks, children and batch items.
 *
 * @example
 * ```ts
 * import { Timeline } from "@effect-durable/local"
 *
 * const timeline = Timeline.fromHistory(events)
 * ```
 *
 * @since 0.1.0
 */
export * as Timeline from "./Timeline.ts"

/**
 * Draws a timeline as a standalone SVG document.
 *
 * @example
 * ```ts
 * import { TimelineSvg } from "@effect-durable/local"
 *
 * const svg = TimelineSvg.render(timeline)
 * ```
 *
 * @since 0.1.0
 */
export * as TimelineSvg from "./TimelineSvg.ts"

/**
 * The web view: the executions live, one execution's timeline, invocations,
 * operations and pending callbacks (with buttons), over server-sent events.
 *
 * @example
 * ```ts
 * import { WebView } from "@effect-durable/local"
 *
 * HttpRouter.serve(Layer.mergeAll(LambdaApiServer.routes, WebView.routes))
 * ```
 *
 * @since 0.1.0
 */
export * as WebView from "./WebView.ts"

/**
 * The local service's HTTP server: the Lambda API and the web view on one
 * loopback port.
 *
 * @example
 * ```ts
 * import { LocalServer } from "@effect-durable/local"
 *
 * Effect.provide(program, LocalServer.layer({ port: 9014 }))
 * ```
 *
 * @since 0.1.0
 */
export * as LocalServer from "./LocalServer.ts"

/**
 * The persistent store of the local service: SQLite over `effect/sql` and
 * better-sqlite3, in WAL mode, one transaction per call of the emulator.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@effect-durable/local"
 *
 * SqliteStore.layer({ filename: SqliteStore.defaultFilename() })
 * ```
 *
 * @since 0.1.0
 */
export * as SqliteStore from "./SqliteStore.ts"

/**
 * The terminal view: each invocation, each operation as it starts and ends,
 * each termination decision with its reason, each pending callback with the
 * command that completes it.
 *
 * @example
 * ```ts
 * import { TerminalView } from "@effect-durable/local"
 *
 * yield* TerminalView.follow({ arn })
 * ```
 *
 * @since 0.1.0
 */
export * as TerminalView from "./TerminalView.ts"

/**
 * A clock that runs in real time and jumps over the time everything only
 * waits for a timer (`--skip-time`).
 *
 * @example
 * ```ts
 * import { SkipClock } from "@effect-durable/local"
 *
 * const clock = SkipClock.make()
 * ```
 *
 * @since 0.1.0
 */
export * as SkipClock from "./SkipClock.ts"

/**
 * The local durable service as one layer: emulator, functions, Lambda API and
 * web view.
 *
 * @example
 * ```ts
 * import { DevService } from "@effect-durable/local"
 *
 * DevService.layer({ functions: { "order-demo": OrderDemo }, port: 9014 })
 * ```
 *
 * @since 0.1.0
 */
export * as DevService from "./DevService.ts"
