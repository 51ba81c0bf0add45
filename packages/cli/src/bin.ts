#!/usr/bin/env node
/**
 * The `effect-durable` executable.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import * as Cli from "./Cli.ts"

// The AWS SDK warns on Node 20 that its releases after January 2027 need Node 22: not the user's concern here.
const emitWarning = process.emitWarning.bind(process)
process.emitWarning = ((warning: string | Error, ...rest: Array<unknown>) => {
  if (String(warning).includes("NodeVersionSupportWarning")) return
  return (emitWarning as (...args: Array<unknown>) => void)(warning, ...rest)
}) as typeof process.emitWarning

Cli.run().pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
