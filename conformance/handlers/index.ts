/**
 * The handlers of every suite folder, by folder name.
 */
import type { Suite } from "../src/Handler.ts"
import { handlers as callback } from "./callback.ts"
import { handlers as child } from "./child.ts"
import { handlers as invoke } from "./invoke.ts"
import { handlers as map } from "./map.ts"
import { handlers as parallel } from "./parallel.ts"
import { handlers as plugin } from "./plugin.ts"
import { handlers as step } from "./step.ts"
import { handlers as wait } from "./wait.ts"
import { handlers as wait_for_callback } from "./wait_for_callback.ts"
import { handlers as wait_for_condition } from "./wait_for_condition.ts"

export const suites: Readonly<Record<string, Suite>> = {
  callback,
  child,
  invoke,
  map,
  parallel,
  plugin,
  step,
  wait,
  wait_for_callback,
  wait_for_condition
}
