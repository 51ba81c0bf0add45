import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient } from "@effect-durable/core"
import type { FailureScope } from "@effect-durable/core/DurableError"
import type { Wire } from "@effect-durable/core"
import { Cause, Effect, Exit, Fiber } from "effect"
import * as LambdaCheckpointClient from "../src/LambdaCheckpointClient.ts"
import * as StubLambda from "./StubLambda.ts"

const arn = "arn:aws:lambda:us-east-1:123456789012:function:greet:1/durable-execution/run-1/0d7a1c"
const encodedArn = encodeURIComponent(arn)

// 2026-01-01T00:00:00.500Z and one minute later, as the service sends them (epoch seconds).
const t0 = 1767225600.5
const t1 = 1767225660

const executionOp = {
  Id: "exec",
  Type: "EXECUTION",
  Status: "STARTED",
  StartTimestamp: t0,
  ExecutionDetails: { InputPayload: "{\"name\":\"Ada\"}" }
}
const stepOp = {
  Id: "c4ca4238a0b92382",
  Name: "compose",
  Type: "STEP",
  SubType: "Step",
  Status: "PENDING",
  StartTimestamp: t0,
  StepDetails: { Attempt: 1, NextAttemptTimestamp: t1, Error: { ErrorType: "Boom", ErrorMessage: "no" } }
}

const serviceWith = (reply: (request: StubLambda.RecordedRequest, index: number) => StubLambda.Reply) => {
  const stub = StubLambda.make(reply)
  return { ...stub, service: LambdaCheckpointClient.make(stub.client) }
}

describe("LambdaCheckpointClient.getExecutionState", () => {
  it.effect("sends GetDurableExecutionState with the paging parameters and decodes the page", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith(() =>
        StubLambda.ok({ Operations: [executionOp, stepOp], NextMarker: "page-3" })
      )
      const page = yield* service.getExecutionState({
        DurableExecutionArn: arn,
        CheckpointToken: "token-1",
        Marker: "page-2",
        MaxItems: 1000
      })

      assert.strictEqual(requests.length, 1)
      const [request] = requests
      assert.strictEqual(request?.method, "GET")
      assert.strictEqual(request?.path, `/2025-12-01/durable-executions/${encodedArn}/state`)
      assert.deepStrictEqual(request?.query, { CheckpointToken: "token-1", Marker: "page-2", MaxItems: "1000" })
      assert.instanceOf(request?.signal, AbortSignal)

      const expected: Wire.GetStateResponse = {
        Operations: [
          {
            Id: "exec",
            Type: "EXECUTION",
            Status: "STARTED",
            StartTimestamp: new Date("2026-01-01T00:00:00.500Z"),
            ExecutionDetails: { InputPayload: "{\"name\":\"Ada\"}" }
          },
          {
            Id: "c4ca4238a0b92382",
            Name: "compose",
            Type: "STEP",
            SubType: "Step",
            Status: "PENDING",
            StartTimestamp: new Date("2026-01-01T00:00:00.500Z"),
            StepDetails: {
              Attempt: 1,
              NextAttemptTimestamp: new Date("2026-01-01T00:01:00.000Z"),
              Error: { ErrorType: "Boom", ErrorMessage: "no" }
            }
          }
        ],
        NextMarker: "page-3"
      }
      assert.deepStrictEqual(page, expected)
      const step = page.Operations?.[1]
      assert.instanceOf(step?.StepDetails?.NextAttemptTimestamp, Date)
      // Absent fields are absent keys, not `undefined` values (exactOptionalPropertyTypes).
      assert.isFalse(step !== undefined && "ParentId" in step)
      assert.isFalse(step?.StepDetails !== undefined && "Result" in step.StepDetails)
    }))

  it.effect("omits the marker on the first page and NextMarker on the last", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith((_, index) =>
        index === 0
          ? StubLambda.ok({ Operations: [executionOp], NextMarker: "m-2" })
          : StubLambda.ok({ Operations: [] })
      )
      const first = yield* service.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: "t", MaxItems: 1000 })
      assert.strictEqual(first.NextMarker, "m-2")
      const last = yield* service.getExecutionState({
        DurableExecutionArn: arn,
        CheckpointToken: "t",
        Marker: "m-2",
        MaxItems: 1000
      })
      assert.deepStrictEqual(last, { Operations: [] })
      assert.isFalse("NextMarker" in last)
      assert.deepStrictEqual(requests.map((r) => r.query), [
        { CheckpointToken: "t", MaxItems: "1000" },
        { CheckpointToken: "t", Marker: "m-2", MaxItems: "1000" }
      ])
    }))

  it.effect("fails with an INVOCATION error on a malformed page", () =>
    Effect.gen(function*() {
      const { service } = serviceWith(() =>
        StubLambda.ok({ Operations: [{ Id: "x", Type: "STEP", StartTimestamp: t0 }] })
      )
      const error = yield* Effect.flip(service.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: "t" }))
      assert.strictEqual(error._tag, "CheckpointClientError")
      assert.strictEqual(error.scope, "INVOCATION")
      assert.strictEqual(error.errorName, "MalformedResponse")
      assert.include(error.message, "Status")
    }))
})

describe("LambdaCheckpointClient.checkpoint", () => {
  it.effect("sends CheckpointDurableExecution with the updates and decodes the new state", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith(() =>
        StubLambda.ok({
          CheckpointToken: "token-2",
          NewExecutionState: {
            Operations: [{
              Id: "c81e728d9d4c2f63",
              Type: "WAIT",
              SubType: "Wait",
              Status: "STARTED",
              StartTimestamp: t0,
              WaitDetails: { ScheduledEndTimestamp: t1 }
            }]
          }
        })
      )
      const updates: ReadonlyArray<Wire.OperationUpdate> = [
        {
          Id: "c4ca4238a0b92382",
          Name: "compose",
          Type: "STEP",
          SubType: "Step",
          Action: "RETRY",
          Error: { ErrorType: "Boom", ErrorMessage: "no", StackTrace: ["at a", "at b"] },
          StepOptions: { NextAttemptDelaySeconds: 60 }
        },
        { Id: "c81e728d9d4c2f63", Type: "WAIT", SubType: "Wait", Action: "START", WaitOptions: { WaitSeconds: 60 } }
      ]
      const response = yield* service.checkpoint({
        DurableExecutionArn: arn,
        CheckpointToken: "token-1",
        Updates: updates
      })

      assert.strictEqual(requests.length, 1)
      const [request] = requests
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.path, `/2025-12-01/durable-executions/${encodedArn}/checkpoint`)
      // The ARN travels in the path only; the SDK fills in an idempotency token when none is given.
      const { ClientToken, ...body } = request?.body as Record<string, unknown>
      assert.deepStrictEqual(body, { CheckpointToken: "token-1", Updates: updates })
      assert.match(String(ClientToken), /^[0-9a-f-]{36}$/)

      const expected: Wire.CheckpointResponse = {
        CheckpointToken: "token-2",
        NewExecutionState: {
          Operations: [{
            Id: "c81e728d9d4c2f63",
            Type: "WAIT",
            SubType: "Wait",
            Status: "STARTED",
            StartTimestamp: new Date("2026-01-01T00:00:00.500Z"),
            WaitDetails: { ScheduledEndTimestamp: new Date("2026-01-01T00:01:00.000Z") }
          }]
        }
      }
      assert.deepStrictEqual(response, expected)
    }))

  it.effect("sends an empty batch (a poll) and accepts a response without token", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith(() => StubLambda.ok({ NewExecutionState: {} }))
      const response = yield* service.checkpoint({ DurableExecutionArn: arn, CheckpointToken: "token-9", Updates: [] })
      assert.deepStrictEqual(requests[0]?.body, {
        CheckpointToken: "token-9",
        Updates: [],
        ClientToken: (requests[0]?.body as { ClientToken: unknown }).ClientToken
      })
      assert.deepStrictEqual(response, { NewExecutionState: {} })
      assert.isFalse("CheckpointToken" in response)
    }))

  it.effect("passes the client token through", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith(() => StubLambda.ok({ CheckpointToken: "t2", NewExecutionState: {} }))
      yield* service.checkpoint({ DurableExecutionArn: arn, CheckpointToken: "t1", ClientToken: "idem-1" })
      assert.deepStrictEqual(requests[0]?.body, { CheckpointToken: "t1", ClientToken: "idem-1" })
    }))

  it.effect("is interruptible: interruption aborts the HTTP request", () =>
    Effect.gen(function*() {
      const { requests, service } = serviceWith(() => ({ _tag: "Hang" }))
      const fiber = yield* Effect.forkChild(
        service.checkpoint({ DurableExecutionArn: arn, CheckpointToken: "t", Updates: [] })
      )
      // Let the SDK run its middleware up to the HTTP handler.
      while (requests.length === 0) yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      assert.isFalse(requests[0]?.signal?.aborted)
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      assert.isTrue(requests[0]?.signal?.aborted)
    }))
})

describe("LambdaCheckpointClient error classification", () => {
  const cases: ReadonlyArray<{
    readonly title: string
    readonly reply: StubLambda.Reply
    readonly scope: FailureScope
    readonly errorName: string
    readonly statusCode: number | undefined
  }> = [
    {
      title: "invalid checkpoint token (service spelling)",
      reply: StubLambda.awsError(400, "InvalidParameterValueException", "Invalid checkpoint token"),
      scope: "INVOCATION",
      errorName: "InvalidParameterValueException",
      statusCode: 400
    },
    {
      title: "invalid checkpoint token (official SDK spelling)",
      reply: StubLambda.awsError(400, "InvalidParameterValueException", "Invalid Checkpoint Token: expired"),
      scope: "INVOCATION",
      errorName: "InvalidParameterValueException",
      statusCode: 400
    },
    {
      title: "throttling (429)",
      reply: StubLambda.awsError(429, "TooManyRequestsException", "Rate exceeded"),
      scope: "INVOCATION",
      errorName: "TooManyRequestsException",
      statusCode: 429
    },
    {
      title: "service error (500)",
      reply: StubLambda.awsError(500, "ServiceException", "Internal failure"),
      scope: "INVOCATION",
      errorName: "ServiceException",
      statusCode: 500
    },
    {
      title: "unavailable (503)",
      reply: StubLambda.awsError(503, "ServiceUnavailableException", "Try again"),
      scope: "INVOCATION",
      errorName: "ServiceUnavailableException",
      statusCode: 503
    },
    {
      title: "network error",
      reply: StubLambda.networkError("socket hang up", "ECONNRESET"),
      scope: "INVOCATION",
      errorName: "Error",
      statusCode: undefined
    },
    {
      title: "invalid update (400)",
      reply: StubLambda.awsError(400, "InvalidParameterValueException", "Invalid operation update"),
      scope: "EXECUTION",
      errorName: "InvalidParameterValueException",
      statusCode: 400
    },
    {
      title: "unknown execution (404)",
      reply: StubLambda.awsError(404, "ResourceNotFoundException", "Durable execution not found"),
      scope: "EXECUTION",
      errorName: "ResourceNotFoundException",
      statusCode: 404
    },
    {
      title: "KMS failure (502)",
      reply: StubLambda.awsError(502, "KMSAccessDeniedException", "KMS access denied"),
      scope: "EXECUTION",
      errorName: "KMSAccessDeniedException",
      statusCode: 502
    }
  ]

  for (const c of cases) {
    it.effect(`checkpoint: ${c.title} -> ${c.scope}`, () =>
      Effect.gen(function*() {
        const { service } = serviceWith(() => c.reply)
        const error = yield* Effect.flip(service.checkpoint({ DurableExecutionArn: arn, CheckpointToken: "t" }))
        assert.instanceOf(error, CheckpointClient.CheckpointClientError)
        assert.strictEqual(error.scope, c.scope)
        assert.strictEqual(error.errorName, c.errorName)
        assert.strictEqual(error.statusCode, c.statusCode)
        assert.isTrue(c.statusCode !== undefined || !("statusCode" in error))
        assert.instanceOf(error.cause, Error)
        assert.strictEqual((error.cause as Error).name, c.errorName)
        assert.include(error.message, "CheckpointDurableExecution")
        assert.include(error.message, c.errorName)
      }))
  }

  it.effect("getExecutionState failures are classified the same way", () =>
    Effect.gen(function*() {
      const { service } = serviceWith((_, index) =>
        index === 0
          ? StubLambda.awsError(400, "InvalidParameterValueException", "Invalid checkpoint token")
          : StubLambda.awsError(400, "InvalidParameterValueException", "MaxItems must be at most 1000")
      )
      const request = { DurableExecutionArn: arn, CheckpointToken: "t", MaxItems: 1000 }
      const first = yield* Effect.flip(service.getExecutionState(request))
      const second = yield* Effect.flip(service.getExecutionState(request))
      assert.strictEqual(first.scope, "INVOCATION")
      assert.strictEqual(second.scope, "EXECUTION")
      assert.include(second.message, "GetDurableExecutionState")
    }))
})

describe("LambdaCheckpointClient layers", () => {
  it.effect("the default client config names effect-durable in the user agent", () =>
    Effect.gen(function*() {
      const stub = StubLambda.make(
        () => StubLambda.ok({ NewExecutionState: {} }),
        LambdaCheckpointClient.defaultClientConfig
      )
      yield* LambdaCheckpointClient.make(stub.client).checkpoint({ DurableExecutionArn: arn, CheckpointToken: "t" })
      assert.include(stub.requests[0]?.headers["x-amz-user-agent"], `effect-durable/${LambdaCheckpointClient.VERSION}`)
      assert.deepStrictEqual(LambdaCheckpointClient.defaultClientConfig.requestHandler, {
        connectionTimeout: 5_000,
        socketTimeout: 50_000,
        requestTimeout: 55_000,
        throwOnRequestTimeout: true
      })
    }))

  it.effect("layerFromClient provides the service over the given client", () => {
    const stub = StubLambda.make(() => StubLambda.ok({ Operations: [] }))
    return Effect.gen(function*() {
      const client = yield* CheckpointClient.CheckpointClient
      const page = yield* client.getExecutionState({ DurableExecutionArn: arn, CheckpointToken: "t", MaxItems: 1000 })
      assert.deepStrictEqual(page, { Operations: [] })
      assert.strictEqual(stub.requests.length, 1)
    }).pipe(Effect.provide(LambdaCheckpointClient.layerFromClient(stub.client)))
  })

  it.effect("layer builds a default client", () =>
    Effect.gen(function*() {
      const client = yield* CheckpointClient.CheckpointClient
      assert.isFunction(client.checkpoint)
      assert.isFunction(client.getExecutionState)
    }).pipe(Effect.provide(LambdaCheckpointClient.layer)))
})
