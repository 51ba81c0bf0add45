/**
 * `npm start`: the demo on the local durable service. It ends when the
 * execution does.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { DemoLayer, runDemo } from "./demo.ts"

// The AWS SDK warns that its releases after January 2027 need Node 22: not news for a demo.
const emitWarning = process.emitWarning.bind(process)
process.emitWarning = ((warning: string | Error, ...rest: Array<unknown>) => {
  if (String(warning).includes("NodeVersionSupportWarning")) return
  return (emitWarning as (...args: Array<unknown>) => void)(warning, ...rest)
}) as typeof process.emitWarning

const port = Number(process.env["PORT"] ?? 0)

runDemo({ answerAfter: "4 seconds", color: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined }).pipe(
  Effect.provide(DemoLayer(port)),
  NodeRuntime.runMain
)
