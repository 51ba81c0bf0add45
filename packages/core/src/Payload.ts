/**
 * Payloads: how values become the strings the service stores, and back.
 *
 * A payload codec is any Effect `Schema` whose encoded form is JSON after
 * `Schema.toCodecJson`; the string on the wire is `JSON.stringify` of that
 * encoded value, so a history written by the official SDK (plain JSON) reads
 * the same. `undefined` is written as no payload at all, as the official SDK's
 * default serdes does.
 *
 * Values are round-tripped on the first run too, so that a workflow sees
 * exactly the same value live as on replay.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { PayloadTooLargeError, SerdesFailedError } from "./DurableError.ts"
import type { ErrorObject } from "./Wire.ts"

/**
 * A Schema usable as a payload codec.
 *
 * @category models
 * @since 0.1.0
 */
export type Codec<A> = Schema.Codec<A, unknown, never, never>

/**
 * A hand-written payload format, for shapes a Schema does not describe well
 * (the official SDK's serialized batch results, for one).
 *
 * @category models
 * @since 0.1.0
 */
export interface Serde<A> {
  readonly _tag: "Serde"
  readonly encode: (value: A) => Effect.Effect<string | undefined, SerdesFailedError>
  readonly decode: (payload: string | undefined) => Effect.Effect<A, SerdesFailedError>
}

/**
 * Either a Schema or a hand-written {@link Serde}.
 *
 * @category models
 * @since 0.1.0
 */
export type Format<A> = Codec<A> | Serde<A>

/**
 * A hand-written payload format from two plain functions (the official SDK's
 * custom `serdes`): `encode` writes the wire string (`undefined` for no
 * payload), `decode` reads it back. The string is stored as it is, JSON or
 * not; whatever either function throws becomes a `SerdesFailedError`.
 *
 * @example
 * ```ts
 * // Stored as the upper-cased text itself, not as a JSON string
 * const Shouting = Payload.serde<string>({ encode: (s) => s.toUpperCase(), decode: (s) => s ?? "" })
 * Durable.child("greeting", greet(name), { success: Shouting })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const serde = <A>(functions: {
  readonly encode: (value: A) => string | undefined
  readonly decode: (payload: string | undefined) => A
}): Serde<A> => ({
  _tag: "Serde",
  encode: (value) =>
    Effect.try({ try: () => functions.encode(value), catch: (cause) => failure("serialize", undefined, cause) }),
  decode: (payload) =>
    Effect.try({ try: () => functions.decode(payload), catch: (cause) => failure("deserialize", undefined, cause) })
})

/**
 * Whether a format is a hand-written {@link Serde} (its output need not be
 * JSON), rather than a Schema.
 *
 * @category guards
 * @since 0.1.0
 */
export const isSerde = <A>(format: Format<A> | undefined): format is Serde<A> =>
  typeof format === "object" && format !== null && "_tag" in format && format._tag === "Serde"

/**
 * The default codec: any value, as `JSON.stringify` / `JSON.parse` see it (the
 * official SDK's default serdes): `undefined` inside an array becomes `null`,
 * a `Date` becomes its ISO string.
 *
 * @category codecs
 * @since 0.1.0
 */
export const Json: Codec<unknown> = Schema.Unknown

/**
 * The largest payload the service accepts for one operation (256 KiB, the
 * official SDK's `CHECKPOINT_SIZE_LIMIT_BYTES`).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxBytes = 256 * 1024

/**
 * The largest error object accepted for one operation (32 KiB, the official
 * local simulator's limit; the service documents up to 1 MB).
 *
 * @category constants
 * @since 0.1.0
 */
export const maxErrorBytes = 32 * 1024

const jsonCodecs = new WeakMap<Schema.Top, Codec<any>>()
const jsonCodec = <A>(schema: Codec<A>): Codec<A> => {
  let codec = jsonCodecs.get(schema)
  if (codec === undefined) {
    codec = Schema.toCodecJson(schema) as Codec<A>
    jsonCodecs.set(schema, codec)
  }
  return codec
}

// The JSON form of a number is a number or one of the non-finite literals; for a string
// that is neither, Effect names only the literals (the last member it tried), which reads
// as if a number were not accepted. Say the whole form, as Effect does for other values.
const nonFiniteOnly = /Expected "Infinity" \| "-Infinity" \| "NaN"/g
const messageOf = (cause: unknown): string =>
  (cause instanceof Error ? cause.message : String(cause)).replace(
    nonFiniteOnly,
    "Expected number | \"Infinity\" | \"-Infinity\" | \"NaN\""
  )

const failure = (what: string, operationName: string | undefined, cause: unknown) =>
  new SerdesFailedError({
    message: `Failed to ${what}${operationName === undefined ? "" : ` the payload of "${operationName}"`}: ${
      messageOf(cause)
    }`,
    ...(operationName === undefined ? {} : { operationName }),
    cause
  })

/**
 * Encodes a value into its wire string (`undefined` when the value is
 * `undefined`).
 *
 * @example
 * ```ts
 * yield* Payload.encode(Schema.Struct({ n: Schema.Number }), { n: 1 }) // '{"n":1}'
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = <A>(
  codec: Format<A>,
  value: A,
  operationName?: string
): Effect.Effect<string | undefined, SerdesFailedError> => {
  if (isSerde(codec)) return codec.encode(value)
  if (value === undefined) return Exit.succeed(undefined)
  if (codec === Json) return stringify(value, operationName)
  return Schema.encodeEffect(jsonCodec(codec))(value).pipe(
    Effect.flatMap((encoded) => stringify(encoded, operationName)),
    Effect.mapError((cause) => cause._tag === "SerdesFailedError" ? cause : failure("encode", operationName, cause))
  )
}

// Plain functions returning an `Exit` (no Effect around JSON itself): a replayed
// operation's decode is on the hot path, and its caller can read the outcome at once.
const stringify = (value: unknown, operationName: string | undefined): Exit.Exit<string | undefined, SerdesFailedError> => {
  try {
    return Exit.succeed(JSON.stringify(value) as string | undefined)
  } catch (cause) {
    return Exit.fail(failure("serialize", operationName, cause))
  }
}

const parse = (payload: string, operationName: string | undefined): Exit.Exit<unknown, SerdesFailedError> => {
  try {
    return Exit.succeed(JSON.parse(payload) as unknown)
  } catch (cause) {
    return Exit.fail(failure("parse", operationName, cause))
  }
}

/**
 * Decodes a wire string back into a value. A missing payload decodes as
 * `undefined` when the codec admits it.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = <A>(
  codec: Format<A>,
  payload: string | undefined,
  operationName?: string
): Effect.Effect<A, SerdesFailedError> => {
  if (isSerde(codec)) return codec.decode(payload)
  const json = payload === undefined ? Exit.void : parse(payload, operationName)
  // With the default codec the result is an `Exit`: callers may read it synchronously.
  if (codec === Json) return json as Exit.Exit<A, SerdesFailedError>
  return Effect.flatMap(json, (json) =>
    // No payload is `undefined`, which is not JSON: the codec itself says whether it admits it
    // (its JSON form would turn an optional value into `null`).
    Schema.decodeUnknownEffect(payload === undefined ? codec : jsonCodec(codec))(json).pipe(
      Effect.mapError((cause) => failure("decode", operationName, cause))
    ))
}

/**
 * Encodes then decodes a value, so that the live value equals the replayed one.
 *
 * @category encoding
 * @since 0.1.0
 */
export const roundTrip = <A>(
  codec: Format<A>,
  value: A,
  operationName?: string
): Effect.Effect<readonly [payload: string | undefined, value: A], SerdesFailedError> =>
  Effect.flatMap(
    encode(codec, value, operationName),
    (payload) => Effect.map(decode(codec, payload, operationName), (decoded) => [payload, decoded] as const)
  )

/**
 * The size in bytes of a payload as the service counts it (UTF-8).
 *
 * @category utils
 * @since 0.1.0
 */
export const byteLength = (payload: string | undefined): number =>
  payload === undefined ? 0 : Buffer.byteLength(payload, "utf8")

/**
 * The `ErrorType` a failure is written with: its `_tag`, else its `name`, else
 * `"Error"`. For Effect's tagged errors this is the tag, so the type a user
 * matches on is the type on the wire.
 *
 * @category errors
 * @since 0.1.0
 */
export const errorTypeOf = (error: unknown): string => {
  // Total: a thrown value whose getters throw is still described.
  try {
    return Predicate.hasProperty(error, "_tag") && typeof error._tag === "string"
      ? error._tag
      : error instanceof Error
      ? error.name
      : "Error"
  } catch {
    return "Error"
  }
}

/**
 * The human-readable message of any failure.
 *
 * @category errors
 * @since 0.1.0
 */
export const errorMessageOf = (error: unknown): string => {
  // Total: a thrown value whose getters (or `toString`) throw is still described.
  try {
    if (Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "") {
      return error.message
    }
    if (Predicate.isObject(error)) {
      // A tagged error without a message: its fields say what happened.
      const { _tag, ...fields } = error as Record<string, unknown>
      const json = JSON.stringify(fields)
      if (json !== undefined && json !== "{}") return json
      if (typeof _tag === "string") return _tag
    }
    return String(error)
  } catch {
    return "(a value that could not be read: reading it threw)"
  }
}

/**
 * Whether a thrown value can be read without throwing (its `name`, `message`,
 * `stack` and string form): only such values are kept as the `cause` of an
 * error, since logs print causes.
 *
 * @category errors
 * @since 0.1.0
 */
export const isReadable = (error: unknown): boolean => {
  try {
    if (typeof error === "object" && error !== null) {
      const { message, name, stack } = error as { message?: unknown; name?: unknown; stack?: unknown }
      void [message, name, stack]
    }
    void String(error)
    return true
  } catch {
    return false
  }
}

/**
 * The longest `ErrorMessage` effect-durable writes (16 KiB): a message says
 * what happened; longer ones are cut, saying how long they were.
 *
 * @category constants
 * @since 0.1.0
 */
export const maxMessageBytes = 16 * 1024

/**
 * Cuts a text to at most `maxBytes` UTF-8 bytes, ending with a note of its
 * full size when it was cut.
 *
 * @example
 * ```ts
 * Payload.truncate("x".repeat(100_000), 100) // "xxx… [truncated: 100000 bytes in all]"
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export const truncate = (text: string, maxBytes: number = maxMessageBytes): string => {
  // Fast path: no string of this length can be over the limit.
  if (text.length * 3 <= maxBytes) return text
  const bytes = Buffer.byteLength(text, "utf8")
  if (bytes <= maxBytes) return text
  const note = `… [truncated: ${bytes} bytes in all]`
  const keep = Math.max(0, maxBytes - Buffer.byteLength(note, "utf8"))
  // A cut inside a multi-byte character leaves a replacement character: drop it.
  const head = Buffer.from(text, "utf8").subarray(0, keep).toString("utf8").replace(/\uFFFD$/, "")
  return head + note
}

/**
 * Encodes a failure into the wire `ErrorObject`. With a codec, the encoded
 * error goes into `ErrorData` so that {@link decodeError} rebuilds the same
 * typed error; without one only its type and message are kept. Stack traces
 * are never sent, like the official SDK, and the message is cut to
 * {@link maxMessageBytes}.
 *
 * @category errors
 * @since 0.1.0
 */
export const encodeError = <E>(
  codec: Codec<E> | undefined,
  error: E,
  operationName?: string
): Effect.Effect<ErrorObject, SerdesFailedError> => {
  // A message says what happened: cut to `maxMessageBytes` (the typed error, if any, goes whole in ErrorData).
  const base = { ErrorType: truncate(errorTypeOf(error), 256), ErrorMessage: truncate(errorMessageOf(error)) }
  if (codec === undefined) {
    const data = Predicate.hasProperty(error, "errorData") && typeof error.errorData === "string"
      ? error.errorData
      : undefined
    return Effect.succeed(data === undefined ? base : { ...base, ErrorData: data })
  }
  return Effect.map(
    encode(codec, error, operationName),
    (data) => data === undefined ? base : { ...base, ErrorData: data }
  )
}

/**
 * Rebuilds a failure from the wire `ErrorObject`: the codec's typed error when
 * `ErrorData` decodes with it, otherwise `fallback` (typically a `StepError`
 * carrying the type, message and data, which is also what a history written by
 * another SDK yields).
 *
 * @category errors
 * @since 0.1.0
 */
export const decodeError = <E, F>(
  codec: Codec<E> | undefined,
  error: ErrorObject | undefined,
  fallback: (error: { readonly errorType: string; readonly message: string; readonly errorData?: string }) => F
): Effect.Effect<E | F> => {
  const type = error?.ErrorType ?? "Error"
  const message = error?.ErrorMessage ?? ""
  const data = error?.ErrorData
  const rebuilt = fallback(data === undefined ? { errorType: type, message } : { errorType: type, message, errorData: data })
  if (codec === undefined || data === undefined) return Effect.succeed(rebuilt)
  return decode(codec, data).pipe(Effect.orElseSucceed(() => rebuilt))
}

/**
 * Checks a payload against the service's per-operation limit.
 *
 * @category encoding
 * @since 0.1.0
 */
export const checkSize = (
  payload: string | undefined,
  operationName: string,
  limit: number = maxBytes
): Effect.Effect<string | undefined, PayloadTooLargeError> => {
  const bytes = byteLength(payload)
  return bytes <= limit ? Effect.succeed(payload) : Effect.fail(
    new PayloadTooLargeError({
      operationName,
      bytes,
      limit,
      message: `The payload of "${operationName}" is ${bytes} bytes, over the service's limit of ${limit} bytes ` +
        "per operation. Return less data (store it elsewhere and return a reference), or use a child context, " +
        "whose large results are rebuilt from its children on replay."
    })
  )
}
