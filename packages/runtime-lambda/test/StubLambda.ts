/**
 * A real `LambdaClient` whose HTTP layer is replaced by canned responses, so
 * that requests and responses go through the SDK's own serialization.
 */
import { LambdaClient, type LambdaClientConfig } from "@aws-sdk/client-lambda"
import { Readable } from "node:stream"

/** A request as the SDK serialized it. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, unknown>>
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body, parsed (`undefined` for a GET). */
  readonly body: unknown
  readonly signal: AbortSignal | undefined
}

/** What the stub answers: an HTTP response, a thrown (network) error, or a response that never comes. */
export type Reply =
  | { readonly _tag: "Http"; readonly status: number; readonly body?: unknown; readonly errorType?: string }
  | { readonly _tag: "Throw"; readonly error: unknown }
  | { readonly _tag: "Hang" }

export const ok = (body: unknown): Reply => ({ _tag: "Http", status: 200, body })
export const awsError = (status: number, errorType: string, message: string): Reply => ({
  _tag: "Http",
  status,
  errorType,
  body: { Type: status >= 500 ? "Service" : "User", message }
})
export const networkError = (message: string, code: string): Reply => ({
  _tag: "Throw",
  error: Object.assign(new Error(message), { code })
})

// The structural part of the smithy `HttpRequest` that the stub reads.
interface SdkRequest {
  readonly method: string
  readonly path: string
  readonly query?: Record<string, unknown>
  readonly headers: Record<string, string>
  readonly body?: unknown
}

const readBody = (body: unknown): unknown => {
  if (body === undefined || body === null) return undefined
  const text = typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : ""
  return text === "" ? undefined : JSON.parse(text)
}

const abortError = (): Error => Object.assign(new Error("Request aborted"), { name: "AbortError" })

/**
 * A `LambdaClient` (region, fake credentials, no SDK retries) whose every
 * request is recorded and answered by `reply`.
 */
export const make = (
  reply: (request: RecordedRequest, index: number) => Reply | Promise<Reply>,
  config?: LambdaClientConfig
) => {
  const requests: Array<RecordedRequest> = []
  const handle = (request: SdkRequest, options?: { readonly abortSignal?: AbortSignal }) => {
    const recorded: RecordedRequest = {
      method: request.method,
      path: request.path,
      query: request.query ?? {},
      headers: request.headers,
      body: readBody(request.body),
      signal: options?.abortSignal
    }
    requests.push(recorded)
    return Promise.resolve(reply(recorded, requests.length - 1)).then((answer) => respond(answer, options?.abortSignal))
  }
  const respond = (answer: Reply, signal: AbortSignal | undefined) => {
    switch (answer._tag) {
      case "Throw":
        return Promise.reject(answer.error)
      case "Hang":
        return new Promise<never>((_, reject) => {
          if (signal?.aborted) return reject(abortError())
          signal?.addEventListener("abort", () => reject(abortError()), { once: true })
        })
      case "Http":
        return Promise.resolve({
          response: {
            statusCode: answer.status,
            headers: {
              "content-type": "application/json",
              ...(answer.errorType === undefined ? {} : { "x-amzn-errortype": answer.errorType })
            },
            body: Readable.from([Buffer.from(answer.body === undefined ? "{}" : JSON.stringify(answer.body))])
          }
        })
    }
  }
  const client = new LambdaClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
    ...config,
    requestHandler: { handle, updateHttpClientConfig: () => {}, httpHandlerConfigs: () => ({}) }
  })
  return { client, requests }
}
