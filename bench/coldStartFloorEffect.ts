/**
 * A cold-start floor (`coldStart.ts`): the least an Effect-native durable
 * handler does before its first checkpoint. The AWS floor
 * (`coldStartFloorAws.ts`), written as Effect code holds itself to: the event
 * decoded with a Schema, the call in `Effect.gen` with its failure a
 * `Schema.TaggedError`, run by the default runtime. Module imports, bundled
 * and run as the two handlers are. What this costs over the AWS floor is what
 * Effect itself costs a cold start; an Effect-native SDK cannot start for less.
 */
import { CheckpointDurableExecutionCommand, LambdaClient } from "@aws-sdk/client-lambda"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { firstCheckpoint } from "./coldStartFloorRequest.ts"

const Event = Schema.Struct({
  DurableExecutionArn: Schema.String,
  CheckpointToken: Schema.String,
  InitialExecutionState: Schema.Struct({ Operations: Schema.Array(Schema.Unknown) })
})

class CheckpointFailed extends Schema.TaggedError<CheckpointFailed>()("CheckpointFailed", {
  message: Schema.String
}) {}

const decodeEvent = Schema.decodeUnknownEffect(Event)

let client: LambdaClient | undefined

const invoke = (raw: unknown) =>
  Effect.gen(function*() {
    const event = yield* decodeEvent(raw)
    client ??= new LambdaClient({})
    const lambda = client
    yield* Effect.tryPromise({
      try: () => lambda.send(new CheckpointDurableExecutionCommand(firstCheckpoint(event))),
      catch: (cause) => new CheckpointFailed({ message: String(cause) })
    })
    return { Status: "PENDING" }
  })

export const handler = (event: unknown) => Effect.runPromise(invoke(event))
