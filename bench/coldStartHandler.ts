/**
 * The official SDK's twin of `examples/hello-world/handler.ts`, for the
 * cold-start benchmark (`coldStart.ts`): the same workflow (two steps, the
 * second failing its first attempt and retried after 3 s, a 5 s wait, a
 * third step), bundled the same way.
 */
import { createRetryStrategy, JitterStrategy, withDurableExecution } from "@aws/durable-execution-sdk-js"

class DeliveryFailed extends Error {
  readonly attempt: number
  constructor(attempt: number) {
    super("")
    this.name = "DeliveryFailed"
    this.attempt = attempt
  }
}

export const handler = withDurableExecution(async ({ name }: { name: string }, ctx) => {
  const greeting = await ctx.step("compose-greeting", async () => `Hello, ${name}!`)
  const deliveredOnAttempt = await ctx.step("deliver-greeting", async ({ attempt }) => {
    if (attempt === 1) throw new DeliveryFailed(attempt)
    return attempt
  }, {
    retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 3 }, jitter: JitterStrategy.NONE })
  })
  await ctx.wait("let-it-sink-in", { seconds: 5 })
  const farewell = await ctx.step("compose-farewell", async () => `Goodbye, ${name}.`)
  return { greeting, deliveredOnAttempt, farewell }
})
