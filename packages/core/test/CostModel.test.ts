import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as CostModel from "../src/CostModel.ts"

const close = (actual: number, expected: number, precision = 1e-9) =>
  assert.isBelow(Math.abs(actual - expected) / expected, precision)

describe("CostModel", () => {
  it("prices a millisecond alive by memory size and architecture", () => {
    // 1 GB for one second on x86_64 is one GB-second
    close(CostModel.millisecond(CostModel.make({ memoryMB: 1024 })) * 1000, 0.0000166667)
    close(CostModel.millisecond(CostModel.make({ memoryMB: 512 })) * 1000, 0.0000166667 / 2)
    close(CostModel.millisecond(CostModel.make({ memoryMB: 1024, architecture: "arm64" })) * 1000, 0.0000133334)
  })

  it("defaults to 128 MB, x86_64 and Lambda's published prices", () => {
    const model = CostModel.make()
    assert.strictEqual(model.memoryMB, 128)
    assert.strictEqual(model.architecture, "x86_64")
    assert.deepStrictEqual(model.prices, CostModel.defaultPrices)
    close(CostModel.defaultPrices.request, 0.2 / 1_000_000)
  })

  it("takes partial price overrides", () => {
    const model = CostModel.make({ prices: { request: 1e-6, gbSecond: { arm64: 1e-5 } } })
    assert.strictEqual(model.prices.request, 1e-6)
    assert.strictEqual(model.prices.gbSecond.arm64, 1e-5)
    assert.strictEqual(model.prices.gbSecond.x86_64, CostModel.defaultPrices.gbSecond.x86_64)
  })

  it("prices a re-invocation as the request fee plus its start-up alive", () => {
    const model = CostModel.make({ memoryMB: 512 })
    close(CostModel.reinvocation(model, 0), 0.2 / 1_000_000)
    close(CostModel.reinvocation(model, 100), 0.2 / 1_000_000 + 100 * CostModel.millisecond(model))
    // a negative measurement (a clock step) counts as none
    close(CostModel.reinvocation(model, -5), 0.2 / 1_000_000)
  })

  it("breaks even when staying alive costs as much as a re-invocation", () => {
    const at = (memoryMB: number) => CostModel.breakEvenMillis(CostModel.make({ memoryMB }), 0)
    close(at(128), 95.99981, 1e-6)
    close(at(512), 23.99995, 1e-6)
    close(at(1024), 11.999976, 1e-6)
    close(CostModel.breakEvenMillis(CostModel.make({ memoryMB: 1024 }), 80), 91.999976, 1e-6)
    // at the break-even time, both choices cost the same
    const model = CostModel.make({ memoryMB: 256, architecture: "arm64" })
    close(CostModel.breakEvenMillis(model, 42) * CostModel.millisecond(model), CostModel.reinvocation(model, 42))
  })

  it("bills an invocation its request fee and its duration rounded up to the millisecond", () => {
    const model = CostModel.make({ memoryMB: 1024 })
    close(CostModel.invocation(model, 10.2), 0.2 / 1_000_000 + 11 * CostModel.millisecond(model))
    close(CostModel.invocation(model, 0), 0.2 / 1_000_000)
  })

  it.effect("reads the memory size Lambda sets, and the architecture of the process", () =>
    Effect.gen(function*() {
      const arch = process.arch === "arm64" ? "arm64" : "x86_64"
      const read = (env: Record<string, string>) =>
        CostModel.fromEnvironment.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnvRecord(env)))
      const configured = yield* read({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1769" })
      assert.strictEqual(configured.memoryMB, 1769)
      assert.strictEqual(configured.architecture, arch)
      assert.strictEqual((yield* read({})).memoryMB, 128)
      // not a positive integer: the default, rather than a failed invocation
      assert.strictEqual((yield* read({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "lots" })).memoryMB, 128)
      assert.strictEqual((yield* read({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "0" })).memoryMB, 128)
    }))
})
