/**
 * A cold-start floor (`coldStart.ts`, `coldStartInstructions.ts`): the AWS call alone
 * (`coldStartFloorAws.ts`), with the AWS SDK's Lambda client loaded as the
 * official SDK loads it: the whole package's namespace, imported dynamically on
 * first use. A bundler keeps every command of the package, and its modules run
 * in the invocation rather than at import. What the official SDK costs over
 * this floor is its own engine; what it costs over the static floor mixes the
 * engine with how the client is loaded.
 */
import { firstCheckpoint, type FloorEvent } from "./coldStartFloorRequest.ts"

type Lambda = typeof import("@aws-sdk/client-lambda")

let lambda: Promise<Lambda> | undefined
let client: InstanceType<Lambda["LambdaClient"]> | undefined

export const handler = async (event: FloorEvent) => {
  const { CheckpointDurableExecutionCommand, LambdaClient } = await (lambda ??= import("@aws-sdk/client-lambda"))
  client ??= new LambdaClient({})
  await client.send(new CheckpointDurableExecutionCommand(firstCheckpoint(event)))
  return { Status: "PENDING" }
}
