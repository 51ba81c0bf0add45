/**
 * The Lambda entrypoint (`Handler: handler.handler` in template.yaml): one
 * Effect runtime per container, built with the workflow's services.
 */
import * as LambdaHandler from "@effect-durable/runtime-lambda/LambdaHandler"
import { layer, Onboarding } from "./workflow.ts"

export const handler = LambdaHandler.make(Onboarding, { layer })
