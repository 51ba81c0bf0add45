/**
 * The handlers of every suite folder, by folder name.
 */
import type { Suite } from "../src/Handler.ts"
import { handlers as step } from "./step.ts"

export const suites: Readonly<Record<string, Suite>> = {
  step
}
