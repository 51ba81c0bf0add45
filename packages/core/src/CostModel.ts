/**
 * What an invocation costs: the price of staying alive one more millisecond,
 * and the price of ending now and being invoked again later.
 *
 * Lambda bills every invocation a request fee and every millisecond it is
 * alive, at a price per GB-second that depends on the memory size and the
 * architecture. Durable operations are billed per operation, whichever way the
 * invocations are cut, so they do not enter the decision. An idle invocation
 * that waits for a wake-up is renting; suspending and being re-invoked is
 * buying: the re-invocation pays the request fee again, plus the time it
 * spends starting up and replaying its history before it gets back to where
 * this one stopped. The `cost` termination policy (see `Termination`) weighs
 * the two with the start-up time the invocation measured on itself.
 *
 * Everything here is pure; {@link fromEnvironment} reads the function's
 * configuration at the edge.
 *
 * @example
 * ```ts
 * import { CostModel } from "@effect-durable/core"
 *
 * const model = CostModel.make({ memoryMB: 512 })
 * CostModel.breakEvenMillis(model, 80)
 * // ≈ 104: staying idle for less than 104 ms is cheaper than a re-invocation that
 * // replays for 80 ms (the request fee alone is worth 24 ms at 512 MB on x86_64)
 * ```
 *
 * @since 0.1.0
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"

/**
 * The instruction set the function runs on; arm64 (Graviton) costs less per
 * GB-second.
 *
 * @category models
 * @since 0.1.0
 */
export type Architecture = "x86_64" | "arm64"

/**
 * Lambda's prices, in US dollars.
 *
 * @category models
 * @since 0.1.0
 */
export interface Prices {
  /** Price of one request (one invocation). */
  readonly request: number
  /** Price of one GB-second of duration, by architecture. */
  readonly gbSecond: { readonly [A in Architecture]: number }
}

/**
 * Lambda's published on-demand prices (us-east-1, first pricing tier): $0.20
 * per million requests; $0.0000166667 per GB-second on x86_64,
 * $0.0000133334 on arm64.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultPrices: Prices = {
  request: 0.2 / 1_000_000,
  gbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 }
}

/**
 * The memory size Lambda gives a function that does not set one (128 MB),
 * used when `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` is not set (local runs, tests).
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultMemoryMB = 128

/**
 * A function's size and prices: everything the price of its time depends on.
 *
 * @category models
 * @since 0.1.0
 */
export interface CostModel {
  readonly memoryMB: number
  readonly architecture: Architecture
  readonly prices: Prices
}

/**
 * Builds a cost model; missing fields take the defaults (128 MB, x86_64,
 * {@link defaultPrices}). Prices may be overridden in part (a region's own
 * prices, a Savings Plan's discount).
 *
 * @example
 * ```ts
 * CostModel.make({ memoryMB: 1024, architecture: "arm64" })
 * CostModel.make({ prices: { request: 0.25 / 1_000_000 } })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: {
  readonly memoryMB?: number | undefined
  readonly architecture?: Architecture | undefined
  readonly prices?: {
    readonly request?: number | undefined
    readonly gbSecond?: { readonly x86_64?: number | undefined; readonly arm64?: number | undefined } | undefined
  } | undefined
} = {}): CostModel => ({
  memoryMB: options.memoryMB ?? defaultMemoryMB,
  architecture: options.architecture ?? "x86_64",
  prices: {
    request: options.prices?.request ?? defaultPrices.request,
    gbSecond: {
      x86_64: options.prices?.gbSecond?.x86_64 ?? defaultPrices.gbSecond.x86_64,
      arm64: options.prices?.gbSecond?.arm64 ?? defaultPrices.gbSecond.arm64
    }
  }
})

/**
 * The price of one millisecond alive, in dollars.
 *
 * @category pricing
 * @since 0.1.0
 */
export const millisecond = (model: CostModel): number =>
  (model.memoryMB / 1024) * model.prices.gbSecond[model.architecture] / 1000

/**
 * The price of ending the invocation and being invoked again: the request fee,
 * plus `startupMillis` (the time a re-invocation spends before it gets back to
 * where this one stopped: start-up, state loading, replay) priced as time alive.
 *
 * @category pricing
 * @since 0.1.0
 */
export const reinvocation = (model: CostModel, startupMillis: number): number =>
  model.prices.request + Math.max(0, startupMillis) * millisecond(model)

/**
 * How long staying alive costs as much as a re-invocation: the request fee in
 * milliseconds alive, plus the start-up. Waiting less than this is the cheaper
 * choice.
 *
 * At 128 MB on x86_64 the request fee alone is worth 96 ms alive; at 512 MB,
 * 24 ms; at 1 GB, 12 ms.
 *
 * @category pricing
 * @since 0.1.0
 */
export const breakEvenMillis = (model: CostModel, startupMillis: number): number =>
  reinvocation(model, startupMillis) / millisecond(model)

/**
 * What Lambda bills for one invocation that ran `millis` milliseconds: the
 * request fee plus its duration, rounded up to the millisecond.
 *
 * @category pricing
 * @since 0.1.0
 */
export const invocation = (model: CostModel, millis: number): number =>
  model.prices.request + Math.ceil(Math.max(0, millis)) * millisecond(model)

/**
 * The architecture this process runs on (`process.arch`): `arm64`, or
 * `x86_64` for anything else.
 *
 * @category environment
 * @since 0.1.0
 */
export const currentArchitecture: Effect.Effect<Architecture> = Effect.sync(() =>
  (globalThis as { readonly process?: { readonly arch?: string } }).process?.arch === "arm64" ? "arm64" : "x86_64"
)

/**
 * The function's cost model as Lambda configures it: the memory size from
 * `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (through Effect's `ConfigProvider`; 128 MB
 * when it is missing or not a positive integer), the architecture the process
 * runs on, and the default prices.
 *
 * @category environment
 * @since 0.1.0
 */
export const fromEnvironment: Effect.Effect<CostModel> = Effect.gen(function*() {
  // The provider's own lookup, not `Config.Int`: Config decodes through Schema, which made this one variable cost
  // ~120 functions compiled on a cold start.
  const provider = yield* ConfigProvider.ConfigProvider
  const node = yield* provider.load(["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]).pipe(Effect.orElseSucceed(() => undefined))
  const memory = node?.value !== undefined && /^\d+$/.test(node.value) ? Number(node.value) : 0
  return make({ memoryMB: memory > 0 ? memory : defaultMemoryMB, architecture: yield* currentArchitecture })
})
