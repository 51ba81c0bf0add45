/**
 * approval-endpoint end to end, on the local service: the API served on a
 * loopback port and called through its typed HttpApiClient; the DurableClient
 * talking to the local service through the real LambdaClient and
 * LambdaApiServer; ExpenseApproval run by the LocalService, its emails landing
 * in an inbox. Virtual time: the test waits for the service to be idle, and
 * moves the TestClock itself.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { DurableClient } from "@effect-durable/client"
import { Emulator, LambdaApiServer, LocalService } from "@effect-durable/testing"
import { Context, Duration, Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { TestClock } from "effect/testing"
import { createServer } from "node:http"
import { ExpenseApproval, Mailer } from "../callbacks/workflow.ts"
import { Api } from "./api.ts"
import * as ApprovalEndpoint from "./server.ts"

type Mail = { readonly to: string; readonly subject: string; readonly body: string }

/** The approval endpoint's URL. */
class Endpoint extends Context.Service<Endpoint, { readonly url: string }>()("examples/approval-endpoint/Endpoint") {}

/**
 * The whole stack, with a fresh inbox: the local service running
 * ExpenseApproval (as the function `expense-approval`) behind the Lambda API,
 * and the endpoint over a DurableClient pointed at it.
 */
const stack = () => {
  const mails: Array<Mail> = []
  const inbox = Layer.succeed(Mailer, Mailer.of({ send: (mail) => Effect.sync(() => void mails.push(mail)) }))
  const service = LambdaApiServer.layer.pipe(
    Layer.provideMerge(
      LocalService.layer({ "expense-approval": ExpenseApproval }, {
        policy: { name: "eager", warmup: Duration.zero, maxInProcessWait: Duration.zero }
      }).pipe(Layer.provide(inbox))
    ),
    Layer.provideMerge(Emulator.Emulator.layer)
  )
  const endpoint = Layer.unwrap(Effect.gen(function*() {
    const { url } = yield* LambdaApiServer.LambdaApiServer
    return Layer.mergeAll(
      HttpRouter.serve(ApprovalEndpoint.layer({ function: "expense-approval" }), {
        disableListenLog: true,
        disableLogger: true
      }),
      Layer.effect(Endpoint, HttpServer.addressFormattedWith((address) => Effect.succeed({ url: address })))
    ).pipe(
      Layer.provide(DurableClient.layer({
        clientConfig: {
          endpoint: url,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }
        }
      })),
      Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
  }))
  return { mails, layer: endpoint.pipe(Layer.provideMerge(service)) }
}

/** The API's typed client, at the endpoint's URL. */
const api = Effect.gen(function*() {
  const { url } = yield* Endpoint
  return yield* HttpApiClient.make(Api, { baseUrl: url })
}).pipe(Effect.provide(FetchHttpClient.layer))

const idle = Effect.gen(function*() {
  yield* (yield* LocalService.LocalService).idle
})

const advance = (duration: Duration.Input) =>
  Effect.gen(function*() {
    yield* idle
    yield* TestClock.adjust(duration)
    yield* idle
  })

/** The reference the approver received by email. */
const referenceIn = (mail: Mail | undefined) => /\(reference ([^)]+)\)/.exec(mail?.body ?? "")?.[1] ?? "none"

const expense = { expenseId: "exp-42", amount: 180, approver: "grace@example.com" }

describe("approval-endpoint", () => {
  it.effect("submit, the approver is emailed, approves: the expense is reimbursed; a second answer is a 410", () => {
    const { layer, mails } = stack()
    return Effect.gen(function*() {
      const client = yield* api
      const submitted = yield* client.expenses.submit({ payload: expense })
      assert.strictEqual(submitted.expenseId, "exp-42")
      assert.match(submitted.execution, /:function:expense-approval:\$LATEST\/durable-execution\/exp-42\//)
      yield* idle
      assert.deepStrictEqual(mails.map((mail) => mail.to), ["grace@example.com"])
      const reference = referenceIn(mails[0])
      assert.deepStrictEqual(yield* client.expenses.get({ params: { expenseId: "exp-42" } }), {
        expenseId: "exp-42",
        status: "PENDING_APPROVAL"
      })
      yield* advance("2 hours") // the approver takes their time
      yield* client.approvals.approve({ params: { reference }, payload: { comment: "ok" } })
      yield* idle
      assert.deepStrictEqual(yield* client.expenses.get({ params: { expenseId: "exp-42" } }), {
        expenseId: "exp-42",
        status: "DONE",
        outcome: { expenseId: "exp-42", outcome: "reimbursed", comment: "ok" }
      })
      const again = yield* Effect.flip(client.approvals.reject({ params: { reference }, payload: {} }))
      assert.strictEqual(again._tag, "ApprovalClosed")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a submission sent twice starts one approval; the same id with other data is a 409", () => {
    const { layer, mails } = stack()
    return Effect.gen(function*() {
      const client = yield* api
      const first = yield* client.expenses.submit({ payload: expense })
      yield* idle
      const retried = yield* client.expenses.submit({ payload: expense })
      assert.strictEqual(retried.execution, first.execution)
      yield* idle
      assert.strictEqual(mails.length, 1)
      const conflict = yield* Effect.flip(client.expenses.submit({ payload: { ...expense, amount: 1800 } }))
      assert.strictEqual(conflict._tag, "ExpenseConflict")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the approver rejects: nothing is paid", () => {
    const { layer, mails } = stack()
    return Effect.gen(function*() {
      const client = yield* api
      yield* client.expenses.submit({ payload: expense })
      yield* idle
      yield* client.approvals.reject({ params: { reference: referenceIn(mails[0]) }, payload: {} })
      yield* idle
      const status = yield* client.expenses.get({ params: { expenseId: "exp-42" } })
      assert.deepStrictEqual(status.outcome, { expenseId: "exp-42", outcome: "rejected" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("nobody answers for 3 days: the expense expires, and a late approval is a 410", () => {
    const { layer, mails } = stack()
    return Effect.gen(function*() {
      const client = yield* api
      yield* client.expenses.submit({ payload: expense })
      yield* advance("3 days")
      const status = yield* client.expenses.get({ params: { expenseId: "exp-42" } })
      assert.deepStrictEqual(status, {
        expenseId: "exp-42",
        status: "DONE",
        outcome: { expenseId: "exp-42", outcome: "expired" }
      })
      const late = yield* Effect.flip(
        client.approvals.approve({ params: { reference: referenceIn(mails[0]) }, payload: {} })
      )
      assert.strictEqual(late._tag, "ApprovalClosed")
    }).pipe(Effect.provide(layer))
  })

  it.effect("unknown references and expenses are 404s; an expense id the service cannot name is refused", () => {
    const { layer } = stack()
    return Effect.gen(function*() {
      const client = yield* api
      const unknownReference = yield* Effect.flip(
        client.approvals.approve({ params: { reference: "no-such-reference" }, payload: {} })
      )
      assert.strictEqual(unknownReference._tag, "ApprovalNotFound")
      const unknownExpense = yield* Effect.flip(client.expenses.get({ params: { expenseId: "exp-0" } }))
      assert.strictEqual(unknownExpense._tag, "ExpenseNotFound")
      const badId = yield* Effect.flip(client.expenses.submit({ payload: { ...expense, expenseId: "exp 42" } }))
      // the typed client refuses it before sending it...
      assert.strictEqual(badId._tag, "SchemaError")
      // ...and the endpoint refuses it from any other client
      const { url } = yield* Endpoint
      const status = yield* Effect.promise(() =>
        fetch(`${url}/expenses`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...expense, expenseId: "exp 42" })
        }).then((response) => response.status)
      )
      assert.strictEqual(status, 400)
      assert.strictEqual((yield* (yield* Emulator.Emulator).executions).length, 0)
    }).pipe(Effect.provide(layer))
  })
})
