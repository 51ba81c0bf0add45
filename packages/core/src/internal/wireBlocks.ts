/**
 * The building blocks of the wire model that its modules share: timestamps
 * and the error shape. `Wire` re-exports them.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

/**
 * A timestamp: decodes an ISO-8601 string, epoch milliseconds or a `Date`, and
 * encodes to an ISO-8601 string.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Timestamp = Schema.Union([Schema.String, Schema.Number, Schema.Date]).pipe(
  Schema.decodeTo(
    Schema.Date,
    SchemaTransformation.transform<Date, string | number | Date>({
      decode: (input) => input instanceof Date ? input : new Date(input),
      encode: (date) => date.toISOString()
    })
  )
)

/**
 * The error shape of the service: what a failed step, context, callback, invoke
 * or execution carries. `ErrorData` is free-form (effect-durable writes the
 * Schema-encoded error as JSON there).
 *
 * @category schemas
 * @since 0.1.0
 */
export const ErrorObject = Schema.Struct({
  ErrorType: Schema.optionalKey(Schema.String),
  ErrorMessage: Schema.optionalKey(Schema.String),
  ErrorData: Schema.optionalKey(Schema.String),
  StackTrace: Schema.optionalKey(Schema.Array(Schema.String))
})
/** @since 0.1.0 */
export type ErrorObject = typeof ErrorObject.Type
