import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../vitest.shared.ts"

// Tests of the repository itself: the conventions every package follows.
export default mergeConfig(shared, defineProject({ test: { name: "repository", include: ["*.test.ts"] } }))
