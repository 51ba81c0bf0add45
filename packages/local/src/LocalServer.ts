/**
 * The HTTP face of the local durable service: on one loopback port, the
 * Lambda durable execution REST API (`LambdaApiServer.routes`) and the web
 * view (`WebView.routes`), over the `Emulator` in context.
 *
 * @example
 * ```ts
 * import { LocalServer } from "@effect-durable/local"
 * import { Emulator, LambdaApiServer } from "@effect-durable/testing"
 *
 * const program = Effect.gen(function*() {
 *   const { url } = yield* LambdaApiServer.LambdaApiServer
 *   yield* Console.log(`web view at ${url}/`)
 * }).pipe(Effect.provide(LocalServer.layer({ port: 0 })), Effect.provide(Emulator.Emulator.layer))
 * ```
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import type { Emulator } from "@effect-durable/testing/Emulator"
import * as LambdaApiServer from "@effect-durable/testing/LambdaApiServer"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer, type HttpServerError } from "effect/http"
import { createServer } from "node:http"
import * as WebView from "./WebView.ts"

/**
 * Options of {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number | undefined
}

/**
 * Serves the Lambda API and the web view of the `Emulator` in context on
 * `127.0.0.1:<port>` for as long as the layer lives, and provides the
 * server's URL as `LambdaApiServer` (the endpoint to give any Lambda client).
 * Fails with a `ServeError` when the port cannot be listened on (e.g. in use).
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<LambdaApiServer.LambdaApiServer, HttpServerError.ServeError, Emulator> =>
  Layer.mergeAll(
    // The web view's routes first: the API's catch-all (its UnknownOperationException for any
    // other path) would otherwise answer `/` too.
    HttpRouter.serve(Layer.mergeAll(WebView.routes, LambdaApiServer.routes), {
      disableListenLog: true,
      disableLogger: true
    }),
    Layer.effect(
      LambdaApiServer.LambdaApiServer,
      HttpServer.addressFormattedWith((url) => Effect.succeed(LambdaApiServer.LambdaApiServer.of({ url })))
    )
  ).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: options.port ?? 0, host: "127.0.0.1" })))
