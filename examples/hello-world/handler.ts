/**
 * The Lambda entrypoint of hello-world: deploy this module with a durable
 * configuration (see template.yaml at the repository root of the example) and
 * set the handler to `handler.handler`.
 */
import * as LambdaHandler from "@effect-durable/runtime-lambda/LambdaHandler"
import { HelloWorld } from "./workflow.ts"

export const handler = LambdaHandler.make(HelloWorld)
