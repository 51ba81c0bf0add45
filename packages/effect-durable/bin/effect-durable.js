#!/usr/bin/env node
// `npx effect-durable`: the command line of @effect-durable/cli, under the short name.
import "@effect-durable/cli/bin"
