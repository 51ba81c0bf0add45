/**
 * The Lambda entrypoint of the subscription renewal, logging JSON lines to
 * standard output through the durable logger (the level comes from
 * `AWS_LAMBDA_LOG_LEVEL`, as Lambda's advanced logging controls set it).
 */
import { DurableLogger } from "@effect-durable/core"
import { LambdaHandler } from "@effect-durable/runtime-lambda"
import { SubscriptionRenewal } from "./workflow.ts"

export const handler = LambdaHandler.make(SubscriptionRenewal, { layer: DurableLogger.layer() })
