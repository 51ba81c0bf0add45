/**
 * The web view in a real headless Chromium: it opens on a running execution,
 * sees its operations appear live (server-sent events, no reload), completes
 * the pending callback with its button, and sees the execution succeed.
 */
import { Durable, RetryPolicy } from "@effect-durable/core"
import { Emulator, LambdaApiServer, LocalRunner } from "@effect-durable/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import * as LocalServer from "../src/LocalServer.ts"
import * as Browser from "./utils/browser.ts"

const Order = Durable.workflow(
  { name: "order", input: Schema.String, output: Schema.String },
  (item) =>
    Effect.gen(function*() {
      yield* Durable.step("reserve", Effect.succeed(item))
      yield* Durable.step(
        "charge",
        Effect.gen(function*() {
          const { attempt } = yield* Durable.StepContext
          if (attempt === 1) return yield* Effect.fail(new Error("card declined"))
          return attempt
        }),
        { retry: RetryPolicy.exponential({ maxAttempts: 3, initialDelay: "2 seconds", jitter: "NONE" }) }
      )
      yield* Durable.wait("cool-down", "2 seconds")
      const approval = yield* Durable.waitForCallback("approve", () => Effect.void)
      return `${item}: ${approval}`
    })
)

const Server = LocalServer.layer().pipe(Layer.provideMerge(Emulator.Emulator.layer))

describe("WebView in a browser", () => {
  it.live("shows operations live and completes the pending callback with its button", () =>
    Effect.gen(function*() {
      const { url } = yield* LambdaApiServer.LambdaApiServer
      const browser = yield* Browser.browser
      const page = yield* Browser.page(browser)
      yield* Effect.promise(() => page.goto(`${url}/`))
      yield* Effect.promise(() => page.waitForSelector("#live.on"))
      // a mark that a reload would wipe out, and a record of how many operations the page showed, change after change
      yield* Effect.promise(() =>
        page.evaluate(() => {
          const counts: Array<number> = []
          new MutationObserver(() => {
            const count = document.querySelectorAll("#operations tr[data-operation-id]").length
            if (counts.at(-1) !== count) counts.push(count)
          }).observe(document.body, { childList: true, subtree: true })
          Object.assign(window, { notReloaded: true, counts })
        })
      )

      const run = yield* Effect.forkChild(LocalRunner.run(Order, "book", { waitForExternal: true }))

      // the execution appears and is selected; its operations show up while it runs, then the callback's buttons
      yield* Effect.promise(() => page.waitForSelector("#executions tr[data-arn]", { timeout: 40_000 }))
      yield* Effect.promise(() => page.waitForSelector(".pending-callback button[data-action=succeed]", { timeout: 40_000 }))
      // the rows came in several steps, as the execution went on (a retry and a wait apart)
      const counts = yield* Effect.promise(() => page.evaluate(() => (window as unknown as { counts: Array<number> }).counts))
      assert.isAtLeast(new Set(counts.filter((n) => n > 0)).size, 2, `operation counts seen: ${counts.join(", ")}`)
      assert.strictEqual(counts.at(-1), 6)
      const labels = yield* Effect.promise(() =>
        page.$$eval("#timeline svg text[data-operation-id]", (texts) => texts.map((t) => t.lastChild?.textContent))
      )
      assert.includeMembers(labels, ["reserve · step", "charge · step", "cool-down · wait", "approve · WaitForCallback"])
      const reasons = yield* Effect.promise(() => page.$$eval("#invocations .why", (cells) => cells.map((c) => c.textContent)))
      assert.includeMembers(reasons, ["RETRY_SCHEDULED", "WAIT_SCHEDULED", "CALLBACK_PENDING"])

      // malformed JSON is refused in the page; nothing is sent
      yield* Effect.promise(async () => {
        await page.$eval(".pending-callback textarea", (t) => { (t as HTMLTextAreaElement).value = "{oops" })
        await page.click(".pending-callback button[data-action=succeed]")
        await page.waitForFunction(() => document.querySelector(".pending-callback .message")?.textContent === "The result must be JSON")
      })
      yield* Effect.promise(async () => {
        await page.$eval(".pending-callback textarea", (t) => { (t as HTMLTextAreaElement).value = "\"approved by Ada\"" })
        await page.click(".pending-callback button[data-action=succeed]")
      })

      const result = yield* Fiber.join(run)
      assert.strictEqual(result.status, "SUCCEEDED")
      if (result.status === "SUCCEEDED") assert.strictEqual(result.output, "book: \"approved by Ada\"")
      yield* Effect.promise(() =>
        page.waitForFunction(() => document.querySelector("#title .status")?.textContent === "SUCCEEDED", { timeout: 40_000 })
      )
      const callbacks = yield* Effect.promise(() => page.$$(".pending-callback"))
      assert.strictEqual(callbacks.length, 0)
      assert.isTrue(yield* Effect.promise(() => page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded === true)))
    }).pipe(Effect.scoped, Effect.provide(Server)), 120_000)
})
