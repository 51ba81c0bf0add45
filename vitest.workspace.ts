// The test projects of the monorepo. Vitest 4 no longer reads this file by
// itself: vitest.config.ts imports it as `test.projects`.
export default [
  "packages/core",
  "packages/testing",
  "packages/runtime-lambda",
  "packages/client",
  "packages/local",
  "packages/cli",
  "examples",
  "conformance",
  "test"
]
