/**
 * The CLI's optional peers (`@effect-durable/local`): loaded when a command
 * needs them; missing, or of another version than the CLI's, one line that
 * says what to install.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Local from "../src/internal/local.ts"

const effectVersion = "4.1.0"

describe("Local.loadPeer", () => {
  it.effect("loads an installed package of the CLI's version", () =>
    Effect.gen(function*() {
      const loaded = yield* Local.loadPeer("effect", () => import("effect"), effectVersion)
      assert.isFunction(loaded.pipe)
    }))

  it.effect("a missing package: one line with the command that installs it", () =>
    Effect.gen(function*() {
      const name = "@effect-durable/not-installed"
      const error = yield* Effect.flip(Local.loadPeer(name, () => import(/* @vite-ignore */ name), "0.3.0"))
      assert.strictEqual(
        error.message,
        "This command needs @effect-durable/not-installed, installed beside the CLI: " +
          "npm install --save-dev @effect-durable/cli@0.3.0 @effect-durable/not-installed@0.3.0"
      )
    }))

  it.effect("another version than the CLI's: one line with the command that installs the right one", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Local.loadPeer("effect", () => import("effect"), "4.0.0"))
      assert.strictEqual(
        error.message,
        `effect ${effectVersion} is installed, and this CLI is 4.0.0: npm install --save-dev @effect-durable/cli@4.0.0 effect@4.0.0`
      )
    }))

  it.effect("a package that fails to load: its error's first line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Local.loadPeer("effect", () => Promise.reject(new Error("Cannot find package 'better-sqlite3'\nRequire stack")), effectVersion)
      )
      assert.strictEqual(error.message, "Cannot load effect: Cannot find package 'better-sqlite3'")
    }))
})
