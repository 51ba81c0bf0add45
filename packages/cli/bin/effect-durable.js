#!/usr/bin/env node
// The `effect-durable` executable: the compiled CLI (in the repository, build it first with `npm run build`).
import "../dist/bin.js"
