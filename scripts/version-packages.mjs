// After `changeset version` (see `npm run version-packages`): writes the new version where the sources name
// it. Every package has the same version (a fixed group), so core's is everyone's.
import * as fs from "node:fs"

const root = new URL("../", import.meta.url)
const { version } = JSON.parse(fs.readFileSync(new URL("packages/core/package.json", root), "utf8"))

const sources = [
  // the user agents of the Lambda transports (the default LambdaClient's, the light one's)
  ["packages/runtime-lambda/src/internal/transport.ts", /export const VERSION = "[^"]*"/, `export const VERSION = "${version}"`],
  ["packages/client/src/LambdaExecutionApi.ts", /export const VERSION = "[^"]*"/, `export const VERSION = "${version}"`]
]
for (const [file, pattern, replacement] of sources) {
  const url = new URL(file, root)
  const text = fs.readFileSync(url, "utf8")
  if (!pattern.test(text)) throw new Error(`${file}: no match for ${pattern}`)
  fs.writeFileSync(url, text.replace(pattern, replacement))
  console.log(`${file}: ${replacement}`)
}
