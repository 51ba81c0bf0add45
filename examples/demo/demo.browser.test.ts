/**
 * The demo in a real headless Chromium: the web view, opened while the demo
 * runs, shows the execution's operations appear live (server-sent events, no
 * reload), completes the pending callback with its button, and shows the
 * execution succeed; then its form starts another execution.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as Browser from "./browser.ts"
import { DemoLayer, runDemo } from "./demo.ts"

describe("demo: the web view in a browser", () => {
  it.live("shows the operations live, completes the pending callback with its button, starts an execution with its form", () =>
    Effect.gen(function*() {
      const listening = yield* Deferred.make<string>()
      const lines: Array<string> = []
      // the demo never answers the callback itself here: the button must (the service lives as long as the test)
      const demo = yield* Effect.forkChild(
        runDemo({
          answerAfter: undefined,
          write: (line) => Effect.sync(() => lines.push(line)),
          onListening: (url) => Deferred.succeed(listening, url).pipe(Effect.asVoid)
        })
      )
      const url = yield* Deferred.await(listening)

      const browser = yield* Browser.browser
      const page = yield* Browser.page(browser)
      yield* Effect.promise(() => page.goto(`${url}/`))
      // a mark that a reload would wipe out, and how many operations the page showed, change after change
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

      yield* Effect.promise(() => page.waitForSelector("#executions tr[data-arn]", { timeout: 40_000 }))
      yield* Effect.promise(() => page.waitForSelector(".pending-callback button[data-action=succeed]", { timeout: 40_000 }))
      // the rows came in steps as the execution went on (a retry and a wait apart), without a reload
      const counts = yield* Effect.promise(() => page.evaluate(() => (window as unknown as { counts: Array<number> }).counts))
      assert.isAtLeast(new Set(counts.filter((n) => n > 0)).size, 2, `operation counts seen: ${counts.join(", ")}`)
      const labels = yield* Effect.promise(() =>
        page.$$eval("#timeline svg text[data-operation-id]", (texts) => texts.map((t) => t.lastChild?.textContent))
      )
      assert.includeMembers(labels, [
        "reserve-stock · step",
        "charge-card · step",
        "let-the-bank-settle · wait",
        "manager-approval · WaitForCallback"
      ])
      // each invocation's termination decision, with its reason, as each ends
      yield* Effect.promise(() =>
        page.waitForFunction(() => document.querySelectorAll("#invocations .why").length === 3, { timeout: 40_000 })
      )
      const reasons = yield* Effect.promise(() => page.$$eval("#invocations .why", (cells) => cells.map((c) => c.textContent)))
      assert.deepStrictEqual(reasons, ["RETRY_SCHEDULED", "WAIT_SCHEDULED", "CALLBACK_PENDING"])

      // malformed JSON is refused in the page; nothing is sent
      yield* Effect.promise(async () => {
        await page.$eval(".pending-callback textarea", (t) => { (t as HTMLTextAreaElement).value = "{oops" })
        await page.click(".pending-callback button[data-action=succeed]")
        await page.waitForFunction(() =>
          document.querySelector(".pending-callback .message")?.textContent === "The result must be JSON"
        )
      })
      yield* Effect.promise(async () => {
        await page.$eval(".pending-callback textarea", (t) => {
          (t as HTMLTextAreaElement).value = "{\"approved\": true, \"by\": \"the browser\"}"
        })
        await page.click(".pending-callback button[data-action=succeed]")
      })

      const receipt = yield* Fiber.join(demo)
      assert.deepStrictEqual(receipt, {
        orderId: "o-1042",
        charged: 349,
        chargedOnAttempt: 2,
        outcome: "shipped",
        approvedBy: "the browser"
      })
      yield* Effect.promise(() =>
        page.waitForFunction(() => document.querySelector("#title .status")?.textContent === "SUCCEEDED", { timeout: 40_000 })
      )
      assert.strictEqual((yield* Effect.promise(() => page.$$(".pending-callback"))).length, 0)

      // the form starts another execution (the function offered is the service's), refusing malformed input first
      assert.strictEqual(yield* Effect.promise(() => page.$eval("#start-function", (i) => (i as HTMLInputElement).value)), "order-demo")
      yield* Effect.promise(async () => {
        await page.type("#start-name", "from-the-form")
        await page.type("#start-input", "{\"orderId\": ")
        await page.click("#start-button")
        await page.waitForFunction(() => document.querySelector("#start-message")?.textContent === "The input must be JSON")
        await page.$eval("#start-input", (t) => {
          (t as HTMLTextAreaElement).value = "{\"orderId\": \"o-7\", \"item\": \"grinder\", \"amount\": 99}"
        })
        await page.click("#start-button")
      })
      // it is shown at once, and runs: its first step appears live
      yield* Effect.promise(() =>
        page.waitForFunction(() =>
          document.querySelector("#title")?.textContent?.startsWith("from-the-form") === true &&
          document.querySelector("#operations tr[data-operation-id]") !== null, { timeout: 40_000 })
      )
      assert.strictEqual(yield* Effect.promise(() => page.$eval("#start-message", (m) => m.textContent)), "Started")
      const rows = yield* Effect.promise(() => page.$$eval("#executions tr[data-arn] .name", (names) => names.map((n) => n.textContent)))
      assert.deepStrictEqual(rows, ["from-the-form", "order-o-1042"])
      assert.isTrue(yield* Effect.promise(() => page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded === true)))
      // the terminal view told the same story
      assert.isTrue(lines.some((line) => line.includes("invocation #1 ends: PENDING (RETRY_SCHEDULED)")))
      assert.isTrue(lines.some((line) => line.includes("complete it: npx effect-durable callback succeed")))
    }).pipe(Effect.scoped, Effect.provide(DemoLayer())), 120_000)
})
