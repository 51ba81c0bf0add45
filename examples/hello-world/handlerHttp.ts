/**
 * hello-world's Lambda entrypoint over the light transport
 * (`LambdaHttpCheckpointClient`): the same workflow as `handler.ts`, its
 * checkpoints sent over `node:https` and signed with `@smithy/signature-v4`
 * instead of `@aws-sdk/client-lambda`'s `LambdaClient`, which a bundle of this
 * module leaves out. To deploy it, point template.yaml's `EntryPoints` at this
 * file (`handlerHttp.handler`). `npm run bench:cold` measures both.
 */
import * as LambdaHandler from "@effect-durable/runtime-lambda/LambdaHandler"
import * as LambdaHttpCheckpointClient from "@effect-durable/runtime-lambda/LambdaHttpCheckpointClient"
import { HelloWorld } from "./workflow.ts"

export const handler = LambdaHandler.makeWith(LambdaHttpCheckpointClient.transport())(HelloWorld)
