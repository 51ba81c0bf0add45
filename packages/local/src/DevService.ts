/**
 * The local durable service as one layer: what `effect-durable dev` and
 * `run` start.
 *
 * - the `Emulator` (the durable execution service), in memory or persisted;
 * - `LocalService`: the workflows, each registered as a function by its name,
 *   invoked whenever their executions have work (at their start, when a timer
 *   fires, when a callback completes), as Lambda would;
 * - `LocalServer`: the Lambda durable execution REST API (with `Invoke` to
 *   start executions) and the web view, on one loopback port;
 * - with `skipTime`, a clock that jumps to the next timer whenever every
 *   execution is only waiting for one (see {@link SkipClock}).
 *
 * @example
 * ```ts
 * import { DevService, TerminalView } from "@effect-durable/local"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* DevService.DevService
 *   yield* Console.log(`web view: ${url}/`)
 *   yield* TerminalView.follow({ prefix: true })
 * }).pipe(Effect.provide(DevService.layer({ functions: { "order-demo": OrderDemo }, port: 9014 })))
 * ```
 *
 * @since 0.1.0
 */
import type * as Termination from "@effect-durable/core/Termination"
import type * as Workflow from "@effect-durable/core/Workflow"
import { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaApiServer from "@effect-durable/testing/LambdaApiServer"
import * as LocalService from "@effect-durable/testing/LocalService"
import { Clock, Context, Effect, Layer } from "effect"
import type { HttpServerError } from "effect/http"
import * as LocalServer from "./LocalServer.ts"
import * as SkipClock from "./SkipClock.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options<F extends LocalService.Functions> {
  /** The workflows, by function name. */
  readonly functions: F
  /** The port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number | undefined
  /** Jump over the time everything only waits for a timer. Defaults to false (real time). */
  readonly skipTime?: boolean | undefined
  /** The termination policy of every invocation. */
  readonly policy?: Termination.PolicyInput | undefined
}

/**
 * The running service.
 *
 * @category services
 * @since 0.1.0
 */
export class DevService extends Context.Service<DevService, {
  /** The base URL: the web view at `/`, the Lambda API under `/2025-12-01/`. */
  readonly url: string
  /** The registered function names. */
  readonly functions: ReadonlyArray<string>
  /** Whether time skips. */
  readonly skipTime: boolean
}>()("@effect-durable/local/DevService") {}

/**
 * While time skips: whenever the service is idle, jump to the earliest timer of a running execution. A
 * driver that measured its sleep just before a skip sleeps past its execution's wake-up; when a wake-up
 * stays due while nothing happens, the clock jumps to the earliest sleep instead.
 */
const skipper = (clock: SkipClock.SkipClock) =>
  Effect.gen(function*() {
    const local = yield* LocalService.LocalService
    const emulator = yield* Emulator
    let overdue = 0
    while (true) {
      const idle = yield* Effect.timeoutOption(local.idle, "50 millis")
      let next: number | undefined
      for (const execution of yield* emulator.executions) {
        if (execution.status !== "RUNNING") continue
        const wakeup = yield* Effect.orDie(emulator.nextWakeup(execution.arn))
        if (wakeup !== undefined && (next === undefined || wakeup < next)) next = wakeup
      }
      const now = clock.currentTimeMillisUnsafe()
      if (next !== undefined && next > now) {
        overdue = 0
        if (idle._tag === "Some") yield* clock.skipTo(next)
      } else if (next !== undefined && ++overdue >= 10) {
        overdue = 0
        const due = clock.nextDue()
        if (due !== undefined) yield* clock.skipTo(due)
      }
      // let what woke up run (or wait a moment for something to happen from outside)
      yield* Effect.sleep(next !== undefined && next > now ? "5 millis" : "50 millis")
    }
  })

/**
 * The whole service, over the `Emulator` in context, for the layer's
 * lifetime. Fails with a `ServeError` when the port cannot be listened on.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = <const F extends LocalService.Functions>(
  options: Options<F>
): Layer.Layer<
  DevService | LocalService.LocalService | LambdaApiServer.LambdaApiServer,
  HttpServerError.ServeError | LocalService.InvalidFunctionNameError,
  Emulator | Workflow.Services<F[keyof F]>
> => {
  const skipTime = options.skipTime === true
  const service = Layer.effect(
    DevService,
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const local = yield* LocalService.LocalService
      return DevService.of({ url, functions: local.functions, skipTime })
    })
  )
  const local = LocalService.layer(options.functions, options.policy === undefined ? {} : { policy: options.policy })
  const base = service.pipe(
    Layer.provideMerge(Layer.merge(local, LocalServer.layer({ port: options.port })))
  )
  if (!skipTime) return base
  const clock = SkipClock.make()
  return Layer.effectDiscard(Effect.forkScoped(skipper(clock))).pipe(
    Layer.provideMerge(base),
    Layer.provide(Layer.succeed(Clock.Clock, clock))
  ) as Layer.Layer<
    DevService | LocalService.LocalService | LambdaApiServer.LambdaApiServer,
    HttpServerError.ServeError | LocalService.InvalidFunctionNameError,
    Emulator | Workflow.Services<F[keyof F]>
  >
}
