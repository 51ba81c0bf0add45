/**
 * The Lambda entrypoint of the checkout: deploy it with a durable
 * configuration, as examples/hello-world/template.yaml does, and set the
 * handler to `handler.handler`. The payments function is deployed on its own;
 * the workflow names it by alias (`PaymentsFunction`).
 */
import { LambdaHandler } from "@effect-durable/runtime-lambda"
import { Checkout } from "./workflow.ts"

export const handler = LambdaHandler.make(Checkout)
