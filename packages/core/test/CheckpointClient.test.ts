import { assert, describe, it } from "@effect/vitest"
import { CheckpointClient } from "@effect-durable/core"

describe("CheckpointClient.describeFailure", () => {
  it("reads an AWS SDK exception: its name, message, HTTP status and attempts", () => {
    const error = Object.assign(new Error("Rate exceeded"), {
      name: "TooManyRequestsException",
      $metadata: { httpStatusCode: 429, attempts: 3 }
    })
    assert.deepStrictEqual(CheckpointClient.describeFailure(error), {
      name: "TooManyRequestsException",
      message: "Rate exceeded",
      statusCode: 429,
      attempts: 3
    })
  })

  it("is total: a value whose getters throw, or no object at all, is still described", () => {
    const hostile = Object.defineProperties({}, {
      name: { get: () => { throw new Error("no") } },
      $metadata: { get: () => { throw new Error("no") } }
    })
    assert.deepStrictEqual(CheckpointClient.describeFailure(hostile), {
      name: undefined,
      message: undefined,
      statusCode: undefined,
      attempts: undefined
    })
    assert.deepStrictEqual(CheckpointClient.describeFailure("socket hang up"), { message: "socket hang up" })
    assert.deepStrictEqual(CheckpointClient.describeFailure(null), { message: "null" })
  })
})
