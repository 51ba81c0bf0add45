/**
 * `@aws-sdk/client-lambda` for plain Node (`#awsLambda`'s default): loaded on
 * first use, so that a program importing the Lambda handler without using the
 * AWS transport (tests, benchmarks, a custom transport) never loads it.
 * Bundlers take `awsLambdaBundled.ts` instead (package.json `imports`).
 */
import type { CheckpointDurableExecutionCommand, GetDurableExecutionStateCommand, LambdaClient } from "@aws-sdk/client-lambda"

/** The parts of `@aws-sdk/client-lambda` the Lambda transport uses. */
export interface AwsLambda {
  readonly LambdaClient: typeof LambdaClient
  readonly CheckpointDurableExecutionCommand: typeof CheckpointDurableExecutionCommand
  readonly GetDurableExecutionStateCommand: typeof GetDurableExecutionStateCommand
}

/** The module, when it is already loaded (never here: it is loaded on first use). */
export const preloaded: AwsLambda | undefined = undefined

/** Loads the module. */
export const load = (): Promise<AwsLambda> => import("@aws-sdk/client-lambda")
