import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Payload from "../src/Payload.ts"

class Declined extends Schema.TaggedError<Declined>()("Declined", { reason: Schema.String, code: Schema.Number }) {}

describe("Payload", () => {
  it.effect("writes plain JSON and round-trips Schema types", () =>
    Effect.gen(function*() {
      const Order = Schema.Struct({ id: Schema.String, at: Schema.Date })
      const at = new Date("2026-01-02T03:04:05.000Z")
      const payload = yield* Payload.encode(Order, { id: "o-1", at })
      assert.strictEqual(payload, "{\"id\":\"o-1\",\"at\":\"2026-01-02T03:04:05.000Z\"}")
      const decoded = yield* Payload.decode(Order, payload)
      assert.strictEqual(decoded.at.getTime(), at.getTime())
    }))

  it.effect("writes undefined as no payload", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Payload.encode(Payload.Json, undefined))
      assert.isUndefined(yield* Payload.decode(Payload.Json, undefined))
      // no payload decodes as undefined with a codec that admits it, and fails with one that does not
      const Optional = Schema.UndefinedOr(Schema.String)
      assert.isUndefined(yield* Payload.encode(Optional, undefined))
      assert.isUndefined(yield* Payload.decode(Optional, undefined))
      assert.strictEqual(yield* Payload.decode(Optional, "\"x\""), "x")
      assert.strictEqual((yield* Effect.flip(Payload.decode(Schema.String, undefined)))._tag, "SerdesFailedError")
    }))

  it.effect("serde: a hand-written format stores its string as it is; what it throws is a SerdesFailedError", () =>
    Effect.gen(function*() {
      const Shouting = Payload.serde<string>({ encode: (s) => s.toUpperCase(), decode: (s) => s ?? "" })
      assert.strictEqual(yield* Payload.encode(Shouting, "hello"), "HELLO")
      assert.strictEqual(yield* Payload.decode(Shouting, "HELLO"), "HELLO")
      const Broken = Payload.serde<string>({
        encode: () => {
          throw new Error("cannot write")
        },
        decode: () => {
          throw new Error("cannot read")
        }
      })
      assert.include((yield* Effect.flip(Payload.encode(Broken, "x"))).message, "cannot write")
      assert.strictEqual((yield* Effect.flip(Payload.decode(Broken, "x")))._tag, "SerdesFailedError")
    }))

  it.effect("fails with a SerdesFailedError naming the operation", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Payload.decode(Schema.Number, "\"nope\"", "charge"))
      assert.strictEqual(error._tag, "SerdesFailedError")
      assert.strictEqual(error.operationName, "charge")
      const notJson = yield* Effect.flip(Payload.decode(Payload.Json, "{oops", "charge"))
      assert.include(notJson.message, "parse")
    }))

  it.effect("a string where a number is expected is described with the number form, not only its non-finite literals", () =>
    Effect.gen(function*() {
      const Order = Schema.Struct({ quantity: Schema.Number })
      const error = yield* Effect.flip(Payload.decode(Order, JSON.stringify({ quantity: "two" }), "order"))
      assert.include(error.message, `Expected number | "Infinity" | "-Infinity" | "NaN"`)
      assert.include(error.message, `["quantity"]`)
      // The non-finite numbers themselves still decode.
      const infinite = yield* Payload.decode(Order, JSON.stringify({ quantity: "Infinity" }), "order")
      assert.strictEqual(infinite.quantity, Infinity)
    }))

  it.effect("encodes typed errors into ErrorData and rebuilds them", () =>
    Effect.gen(function*() {
      const error = new Declined({ reason: "insufficient funds", code: 51 })
      const wire = yield* Payload.encodeError(Declined, error)
      assert.strictEqual(wire.ErrorType, "Declined")
      assert.isUndefined(wire.StackTrace)
      const rebuilt = yield* Payload.decodeError(Declined, wire, () => "fallback" as const)
      assert.instanceOf(rebuilt, Declined)
      assert.deepStrictEqual(rebuilt, error)
    }))

  it.effect("falls back when there is no codec or the data does not decode", () =>
    Effect.gen(function*() {
      const wire = yield* Payload.encodeError(undefined, new TypeError("boom"))
      assert.deepStrictEqual(wire, { ErrorType: "TypeError", ErrorMessage: "boom" })
      const rebuilt = yield* Payload.decodeError(Declined, { ErrorType: "Other", ErrorData: "{}" }, (f) => f)
      assert.deepStrictEqual(rebuilt, { errorType: "Other", message: "", errorData: "{}" })
    }))
})

describe("Payload messages", () => {
  it("truncates a long message to the byte limit, saying how long it was", () => {
    const long = "é".repeat(100_000)
    const cut = Payload.truncate(long, 1000)
    assert.isAtMost(Buffer.byteLength(cut, "utf8"), 1000)
    assert.include(cut, "[truncated: 200000 bytes in all]")
    assert.notInclude(cut, "\uFFFD")
    assert.strictEqual(Payload.truncate("short"), "short")
  })

  it("describes a thrown value whose getters throw, without throwing", () => {
    const hostile = new Proxy({}, {
      get: () => {
        throw new Error("no")
      },
      has: () => {
        throw new Error("no")
      }
    })
    assert.strictEqual(Payload.errorTypeOf(hostile), "Error")
    assert.isString(Payload.errorMessageOf(hostile))
    assert.isFalse(Payload.isReadable(hostile))
    assert.isTrue(Payload.isReadable(new Error("fine")))
  })
})
