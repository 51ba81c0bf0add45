// Checks what `npm pack --json` says each tarball holds: everything a user's project needs (the compiled
// JavaScript, its declarations and source maps, the sources the maps point at, README, LICENSE), every
// `exports` and `bin` target, and nothing of the repository's own (tests, build info).
//
//   node check-tarballs.mjs <pack.json>...
import * as fs from "node:fs"

const failures = []
for (const file of process.argv.slice(2)) {
  for (const pack of JSON.parse(fs.readFileSync(file, "utf8"))) {
    const paths = new Set(pack.files.map((f) => f.path))
    const fail = (message) => failures.push(`${pack.name}: ${message}`)
    const manifest = JSON.parse(fs.readFileSync(new URL(`../packages/${pack.name.replace(/^@effect-durable\//, "")}/package.json`, import.meta.url), "utf8"))
    for (const required of ["package.json", "README.md", "LICENSE"]) if (!paths.has(required)) fail(`no ${required}`)
    if (manifest.exports !== undefined) {
      for (const required of ["dist/index.js", "dist/index.js.map", "dist/index.d.ts", "dist/index.d.ts.map", "src/index.ts"]) {
        if (!paths.has(required)) fail(`no ${required}`)
      }
      // every compiled module comes with its declarations and both maps, and the source they map to
      for (const path of paths) {
        const module = /^dist\/(.+)\.js$/.exec(path)?.[1]
        if (module === undefined) continue
        for (const companion of [`dist/${module}.js.map`, `dist/${module}.d.ts`, `dist/${module}.d.ts.map`, `src/${module}.ts`]) {
          if (!paths.has(companion)) fail(`${path} without ${companion}`)
        }
      }
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        const targets = target === null ? [] : typeof target === "string" ? [target] : Object.values(target)
        for (const t of targets) {
          const pattern = new RegExp(`^${t.replace(/^\.\//, "").replace(/[.]/g, "\\.").replace("*", ".+")}$`)
          if (![...paths].some((p) => pattern.test(p))) fail(`exports["${subpath}"] points at ${t}, which is not in the tarball`)
        }
      }
    }
    for (const target of Object.values(manifest.bin ?? {})) {
      if (!paths.has(target.replace(/^\.\//, ""))) fail(`bin ${target} is not in the tarball`)
    }
    for (const path of paths) {
      if (/(^|\/)test\/|\.test\.ts$/.test(path) && !path.startsWith("templates/")) fail(`holds a test file: ${path}`)
      if (/tsbuildinfo$/.test(path)) fail(`holds build info: ${path}`)
    }
    console.log(`  ${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} kB packed, ${(pack.unpackedSize / 1024).toFixed(0)} kB unpacked`)
  }
}
if (failures.length > 0) {
  for (const failure of failures) console.error(`  ${failure}`)
  process.exit(1)
}
