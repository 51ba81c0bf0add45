/**
 * A real headless Chromium for tests: the binary shipped inside the npm
 * package `@sparticuz/chromium` (unpacked to the temp directory on first use),
 * driven with `puppeteer-core`. Nothing is downloaded: `npm ci` is all it needs.
 */
import chromium from "@sparticuz/chromium"
import { Effect } from "effect"
import puppeteer, { type Browser, type Page } from "puppeteer-core"

/** A browser for the scope; closed with it. */
export const browser: Effect.Effect<Browser, never, import("effect").Scope.Scope> = Effect.acquireRelease(
  Effect.promise(async () =>
    puppeteer.launch({
      executablePath: await chromium.executablePath(),
      // the package's own flags: headless shell, no sandbox (these machines run as root), no GPU
      args: chromium.args,
      headless: "shell"
    })
  ),
  (browser) => Effect.promise(() => browser.close())
)

/** A new page of the browser, for the scope. */
export const page = (browser: Browser): Effect.Effect<Page, never, import("effect").Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => browser.newPage()),
    (page) => Effect.promise(() => page.close().catch(() => undefined))
  )
