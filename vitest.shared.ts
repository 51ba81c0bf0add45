import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const root = path.dirname(fileURLToPath(import.meta.url))

/**
 * Shared settings of every test project: workspace packages resolve to their
 * TypeScript sources, so tests never run against a stale build.
 */
export const shared = defineConfig({
  resolve: {
    alias: [
      { find: /^@effect-durable\/core$/, replacement: path.join(root, "packages/core/src/index.ts") },
      { find: /^@effect-durable\/core\/(.*)$/, replacement: path.join(root, "packages/core/src/$1.ts") },
      { find: /^@effect-durable\/testing$/, replacement: path.join(root, "packages/testing/src/index.ts") },
      { find: /^@effect-durable\/testing\/(.*)$/, replacement: path.join(root, "packages/testing/src/$1.ts") },
      { find: /^@effect-durable\/runtime-lambda$/, replacement: path.join(root, "packages/runtime-lambda/src/index.ts") },
      {
        find: /^@effect-durable\/runtime-lambda\/(.*)$/,
        replacement: path.join(root, "packages/runtime-lambda/src/$1.ts")
      },
      // runtime-lambda's package-private import (package.json `imports`): the plain-Node variant
      { find: /^#awsLambda$/, replacement: path.join(root, "packages/runtime-lambda/src/internal/awsLambda.ts") },
      { find: /^@effect-durable\/client$/, replacement: path.join(root, "packages/client/src/index.ts") },
      { find: /^@effect-durable\/client\/(.*)$/, replacement: path.join(root, "packages/client/src/$1.ts") },
      { find: /^@effect-durable\/local$/, replacement: path.join(root, "packages/local/src/index.ts") },
      { find: /^@effect-durable\/local\/(.*)$/, replacement: path.join(root, "packages/local/src/$1.ts") },
      { find: /^@effect-durable\/cli$/, replacement: path.join(root, "packages/cli/src/index.ts") },
      { find: /^@effect-durable\/cli\/(.*)$/, replacement: path.join(root, "packages/cli/src/$1.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts", "**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000
  }
})
