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
import { Clock, Context, Effect, Layer, Semaphore } from "effect"
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
 * While time skips: whenever the service is idle, jump to the earliest timer of the executions it drives.
 *
 * The decision and the skip are made holding `gate`, which every invocation's start also takes (see
 * {@link gated}): an invocation that starts while the skipper looks waits for the skip, so that no
 * invocation ever runs across one (its deadline and its supervisor's timers are read after it). The drivers
 * sleep until their wake-ups' times (`AbsoluteClock`), so a skip that lands while one is going to sleep
 * wakes it on time.
 */
const skipper = (clock: SkipClock.SkipClock, gate: Semaphore.Semaphore) =>
  Effect.gen(function*() {
    const local = yield* LocalService.LocalService
    const emulator = yield* Emulator
    const registered = new Set(local.functions)
    /** The time to skip to: the earliest wake-up, unless an invocation runs or a wake-up is due now. */
    const target = Effect.gen(function*() {
      const gaveUp = new Set((yield* local.stalled).map((s) => s.arn))
      const now = clock.currentTimeMillisUnsafe()
      let next: number | undefined
      for (const execution of yield* emulator.executions) {
        if (execution.status !== "RUNNING" || gaveUp.has(execution.arn) || !registered.has(execution.functionName)) continue
        if (execution.invocation !== undefined) return undefined
        const wakeup = yield* Effect.orDie(emulator.nextWakeup(execution.arn))
        if (wakeup === undefined) continue
        if (wakeup <= now) return undefined
        if (next === undefined || wakeup < next) next = wakeup
      }
      return next
    })
    while (true) {
      yield* local.idle
      const skipped = yield* gate.withPermits(1)(
        Effect.flatMap(target, (at) => at === undefined ? Effect.succeed(false) : Effect.as(clock.skipTo(at), true))
      )
      // nothing to skip to (every execution waits for a callback, or none runs): look again in a moment
      if (!skipped) yield* Effect.sleep("50 millis")
    }
  })

/** The emulator, whose invocations start only while the skipper is not deciding (see {@link skipper}). */
const gated = (gate: Semaphore.Semaphore): Layer.Layer<Emulator, never, Emulator> =>
  Layer.effect(
    Emulator,
    Effect.gen(function*() {
      const emulator = yield* Emulator
      return Emulator.of({ ...emulator, invoke: (arn) => gate.withPermits(1)(emulator.invoke(arn)) })
    })
  )

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
  const localLayer = LocalService.layer(options.functions, options.policy === undefined ? {} : { policy: options.policy })
  // the server sees the LocalService: the Lambda API's Invoke knows its functions, the web view lists them
  const serve = (local: typeof localLayer) =>
    service.pipe(Layer.provideMerge(LocalServer.layer({ port: options.port }).pipe(Layer.provideMerge(local))))
  if (!skipTime) return serve(localLayer)
  const clock = SkipClock.make()
  const gate = Semaphore.makeUnsafe(1)
  return Layer.effectDiscard(Effect.forkScoped(skipper(clock, gate))).pipe(
    Layer.provideMerge(serve(localLayer.pipe(Layer.provide(gated(gate))))),
    Layer.provide(Layer.succeed(Clock.Clock, clock))
  ) as Layer.Layer<
    DevService | LocalService.LocalService | LambdaApiServer.LambdaApiServer,
    HttpServerError.ServeError | LocalService.InvalidFunctionNameError,
    Emulator | Workflow.Services<F[keyof F]>
  >
}
