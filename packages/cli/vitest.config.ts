import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.ts"

// The starter's own test (templates/init/test) runs here too, against the workspace's sources.
export default mergeConfig(shared, defineProject({ test: { name: "cli" } }))
