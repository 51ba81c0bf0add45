import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.ts"

export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: "runtime-lambda",
      // the warm-container test forces garbage collections to measure the heap
      execArgv: ["--expose-gc"]
    }
  })
)
