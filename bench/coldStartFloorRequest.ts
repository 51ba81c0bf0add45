/**
 * The first checkpoint the cold-start floors make (`coldStartFloorAws.ts`,
 * `coldStartFloorAwsLazy.ts`, `coldStartFloorEffect.ts`,
 * `coldStartFloorDesign.ts`): the first step's result, under the first
 * top-level operation's id as both SDKs derive it.
 */
import type { CheckpointDurableExecutionCommandInput } from "@aws-sdk/client-lambda"
import { createHash } from "node:crypto"

/** What the floors read of the event: the execution's ARN and the checkpoint token. */
export interface FloorEvent {
  readonly DurableExecutionArn: string
  readonly CheckpointToken: string
}

export const firstCheckpoint = (event: FloorEvent): CheckpointDurableExecutionCommandInput => ({
  DurableExecutionArn: event.DurableExecutionArn,
  CheckpointToken: event.CheckpointToken,
  Updates: [{
    Id: createHash("md5").update("1").digest("hex").slice(0, 16),
    Type: "STEP",
    SubType: "Step",
    Action: "SUCCEED",
    Name: "compose-greeting",
    Payload: JSON.stringify("Hello, cold!")
  }]
})
