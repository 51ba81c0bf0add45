import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../vitest.shared.ts"

// The examples share no mutable module state (each test builds its own emulator and fakes), so their files
// run in one module graph: importing effect and the SDK once instead of once per file cuts the project's
// wall time several times over.
export default mergeConfig(shared, defineProject({ test: { name: "examples", isolate: false } }))
