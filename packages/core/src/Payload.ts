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
import { Effect, Schema } from "effect"
import { SerdesFailedError } from "./DurableError.ts"

/**
 * A Schema usable as a payload codec.
 *
 * @category models
 * @since 0.1.0
 */
export type Codec<A> = Schema.Codec<A, unknown, never, never>

/**
 * The default codec: any JSON value, as `JSON.stringify` / `JSON.parse` see it.
 *
 * @category codecs
 * @since 0.1.0
 */
export const Json: Codec<unknown> = Schema.Unknown

const jsonCodecs = new WeakMap<Schema.Top, Codec<any>>()
const jsonCodec = <A>(schema: Codec<A>): Codec<A> => {
  let codec = jsonCodecs.get(schema)
  if (codec === undefined) {
    codec = Schema.toCodecJson(schema) as Codec<A>
    jsonCodecs.set(schema, codec)
  }
  return codec
}

const failure = (what: string, operationName: string | undefined, cause: unknown) =>
  new SerdesFailedError({
    message: `Failed to ${what}${operationName === undefined ? "" : ` the payload of "${operationName}"`}: ${
      cause instanceof Error ? cause.message : String(cause)
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
  codec: Codec<A>,
  value: A,
  operationName?: string
): Effect.Effect<string | undefined, SerdesFailedError> =>
  value === undefined ? Effect.succeed(undefined) : Schema.encodeEffect(jsonCodec(codec))(value).pipe(
    Effect.flatMap((encoded) =>
      Effect.try({
        try: () => JSON.stringify(encoded) as string | undefined,
        catch: (cause) => failure("serialize", operationName, cause)
      })
    ),
    Effect.mapError((cause) => cause._tag === "SerdesFailedError" ? cause : failure("encode", operationName, cause))
  )

/**
 * Decodes a wire string back into a value. A missing payload decodes as
 * `undefined` when the codec admits it.
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = <A>(
  codec: Codec<A>,
  payload: string | undefined,
  operationName?: string
): Effect.Effect<A, SerdesFailedError> =>
  Effect.try({
    try: () => payload === undefined ? undefined : JSON.parse(payload) as unknown,
    catch: (cause) => failure("parse", operationName, cause)
  }).pipe(
    Effect.flatMap((json) =>
      json === undefined && codec === Json
        ? Effect.succeed(undefined as A)
        : Schema.decodeUnknownEffect(jsonCodec(codec))(json).pipe(
          Effect.mapError((cause) => failure("decode", operationName, cause))
        )
    )
  )

/**
 * Encodes then decodes a value, so that the live value equals the replayed one.
 *
 * @category encoding
 * @since 0.1.0
 */
export const roundTrip = <A>(
  codec: Codec<A>,
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
