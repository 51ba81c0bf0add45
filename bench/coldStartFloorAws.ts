/**
 * A cold-start floor (`coldStart.ts`): what any durable handler pays before
 * its first checkpoint, whatever SDK it is written with. It imports the AWS
 * SDK's Lambda client, reads the event's ARN and token, and checkpoints the
 * first step's result through `LambdaClient`; no SDK, no validation, no
 * replay. Bundled and run as the two handlers are.
 */
import { CheckpointDurableExecutionCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { firstCheckpoint, type FloorEvent } from "./coldStartFloorRequest.ts"

let client: LambdaClient | undefined

export const handler = async (event: FloorEvent) => {
  client ??= new LambdaClient({})
  await client.send(new CheckpointDurableExecutionCommand(firstCheckpoint(event)))
  return { Status: "PENDING" }
}
