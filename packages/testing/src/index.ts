/**
 * Test tooling for effect-durable: an in-memory emulator of the Lambda durable
 * execution service, and a runner that drives workflows against it.
 *
 * @since 0.1.0
 */

/**
 * The in-memory durable execution service: executions, checkpoint tokens,
 * validation of every update as the service does it, timers on the `Clock`,
 * paging, pruning and an event history.
 *
 * @example
 * ```ts
 * import { Emulator } from "@effect-durable/testing"
 *
 * const arn = yield* (yield* Emulator.Emulator).start({ input: "{}" })
 * ```
 *
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.ts"

/**
 * Where the `Emulator` keeps its state when it must outlive the process: rows
 * written (and committed) by every call, read back on start.
 *
 * @example
 * ```ts
 * import { Emulator, EmulatorStore } from "@effect-durable/testing"
 *
 * Emulator.Emulator.layerStore().pipe(Layer.provide(storeLayer))
 * ```
 *
 * @since 0.1.0
 */
export * as EmulatorStore from "./EmulatorStore.ts"

/**
 * Runs a workflow to completion against the `Emulator`, invocation after
 * invocation, with crash injection and `TestClock` support.
 *
 * @example
 * ```ts
 * import { Emulator, LocalRunner } from "@effect-durable/testing"
 *
 * const result = yield* LocalRunner.runUnderTestClock(MyWorkflow, input).pipe(
 *   Effect.provide(Emulator.Emulator.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
export * as LocalRunner from "./LocalRunner.ts"

/**
 * Sleeping until a time on the clock rather than for a duration: a clock that
 * jumps ahead (`--skip-time`) can never be overslept.
 *
 * @example
 * ```ts
 * import { AbsoluteClock } from "@effect-durable/testing"
 *
 * yield* AbsoluteClock.sleepUntil(Date.now() + 1000)
 * ```
 *
 * @since 0.1.0
 */
export * as AbsoluteClock from "./AbsoluteClock.ts"

/**
 * The Lambda durable execution REST API over HTTP on 127.0.0.1, served by the
 * `Emulator`, for the real `LambdaClient` (or any HTTP client) to talk to.
 *
 * @example
 * ```ts
 * import { Emulator, LambdaApiServer } from "@effect-durable/testing"
 *
 * const { url } = yield* LambdaApiServer.LambdaApiServer // new LambdaClient({ endpoint: url, ... })
 * ```
 *
 * @since 0.1.0
 */
export * as LambdaApiServer from "./LambdaApiServer.ts"

/**
 * The local durable service: workflows registered by function name, invoked
 * whenever the `Emulator` has work for them, and the `DurableClient` over it
 * in process (`layerClient`, `layerTest`) or over HTTP (`LambdaApiServer`).
 *
 * @example
 * ```ts
 * import { LocalService } from "@effect-durable/testing"
 *
 * Effect.provide(program, LocalService.layerTest({ "expense-approval": ExpenseApproval }))
 * ```
 *
 * @since 0.1.0
 */
export * as LocalService from "./LocalService.ts"

/**
 * The execution history as `GetDurableExecutionHistory` returns it, derived
 * from what the `Emulator` recorded: the service's events, their order, their
 * `EventId`s and their details.
 *
 * @example
 * ```ts
 * import { History } from "@effect-durable/testing"
 *
 * const events = History.fromExecution(yield* emulator.execution(arn))
 * ```
 *
 * @since 0.1.0
 */
export * as History from "./History.ts"

/**
 * Deterministic simulation testing: runs a workflow many times on the
 * emulator, each with a schedule of faults drawn from a seed (crashes, failed,
 * hung, slow or garbled checkpoint calls, stale tokens, callbacks early, late,
 * twice or after their timeout, late re-invocations, early deadlines), checks
 * invariants after every run, and shrinks a failing schedule.
 *
 * @example
 * ```ts
 * import { Simulation } from "@effect-durable/testing"
 *
 * it.effect("survives random faults", () => Simulation.random(OrderWorkflow, input, { runs: 100, seed: 7 }))
 * ```
 *
 * @since 0.1.0
 */
export * as Simulation from "./Simulation.ts"
