/**
 * `@aws-sdk/client-lambda` for bundlers (`#awsLambda` under the `module`
 * condition): imported statically, by name, so that the bundler keeps only the
 * client and the two commands the transport sends. Loaded on first use through
 * a dynamic `import()` instead, esbuild keeps the whole Lambda API (its ~90
 * commands, their schemas, waiters and paginators) and wraps every module in a
 * lazy initializer: measured on hello-world's bundle, ~6 ms more CPU to the
 * first checkpoint than this module's evaluation at import (`bench:cold`).
 */
import { CheckpointDurableExecutionCommand, GetDurableExecutionStateCommand, LambdaClient } from "@aws-sdk/client-lambda"
import type { AwsLambda } from "./awsLambda.ts"

/** The module, imported with the bundle. */
export const preloaded: AwsLambda | undefined = {
  LambdaClient,
  CheckpointDurableExecutionCommand,
  GetDurableExecutionStateCommand
}

/** The module (already imported). */
export const load = (): Promise<AwsLambda> => Promise.resolve(preloaded!)
