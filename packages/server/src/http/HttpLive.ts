import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { ForemanApi } from "@foreman/domain"
import { Effect, Layer } from "effect"
import { createServer, type Server } from "node:http"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { MetricsExporter } from "../metrics/MetricsExporter.js"
import { authMiddleware } from "./AuthMiddleware.js"
import { corsMiddleware } from "./Cors.js"
import { errorMiddleware } from "./ErrorMiddleware.js"
import { HealthApiLive } from "./HealthApiLive.js"
import { JobEventStream } from "./JobEventStream.js"
import { JobsApiLive } from "./JobsApiLive.js"
import { MetricsApiLive } from "./MetricsApiLive.js"
import { MethodNotAllowedLive, servesHeadAsGet } from "./MethodNotAllowed.js"
import { metricsMiddleware } from "./MetricsMiddleware.js"
import { OllamaRoutesLive } from "./OllamaRoutes.js"
import { NodeServer, ServerDrainLive } from "./ServerDrain.js"

const ApiLive = HttpApiBuilder.api(ForemanApi).pipe(
  Layer.provide([
    HealthApiLive,
    JobsApiLive.pipe(Layer.provide(JobEventStream.Default)),
    MetricsApiLive.pipe(Layer.provide(MetricsExporter.Default))
  ])
)

/**
 * Every route, behind the error and auth middleware, as an app not yet bound to a socket.
 * The middleware wraps the app itself rather than going to `HttpApiBuilder.serve`: the platform
 * answers a failure (a path the router rejects, a defect) before a serve middleware sees it, so
 * foreman's shaped 404 and 500 would never be sent.
 *
 * The platform's own server span per request (the URL parsed and printed, every header redacted
 * into an attribute) is off: foreman exports no traces, and it was a measured share of every
 * request's CPU (ADR-0037).
 */
export const HttpAppLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    const app = yield* HttpApiBuilder.httpApp
    return HttpServer.serve(metricsMiddleware(corsMiddleware(config.origins)(errorMiddleware(authMiddleware(config.token)(app)))))
  })
).pipe(
  Layer.provide([HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer]),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide([OllamaRoutesLive, MethodNotAllowedLive]),
  Layer.provide(ApiLive),
  HttpMiddleware.withTracerDisabledWhen(() => true)
)

/**
 * The Node HTTP server on FOREMAN_ADDR, and the node:http server under it for the drain. It is
 * bound before the rest of the daemon is built (ForemanServerLive), so a port in use stops start-up
 * before the worker has claimed a job; until the app is served, requests get a 503.
 */
export const NodeServerLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    // Registered before the platform's handler, so it sees a HEAD for its own GET routes as a GET.
    const server: Server = yield* Effect.sync(() =>
      createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
        // Until the platform adds its own listener, nobody else would ever answer.
        if (server.listenerCount("request") === 1) {
          response.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" })
          response.end(startingBody)
          return
        }
        if (request.method === "HEAD" && servesHeadAsGet(request.url ?? "")) request.method = "GET"
      })
    )
    return Layer.merge(
      NodeHttpServer.layer(() => server, { port: config.addr.port, host: config.addr.host }),
      Layer.succeed(NodeServer, server)
    )
  })
)

/**
 * "Listening on …" once the app is served. Read from node:http itself: the platform reports `::`
 * as 0.0.0.0, and prints an IPv6 host without the brackets a URL needs.
 */
const withListeningLog = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  Layer.effectDiscard(
    Effect.flatMap(NodeServer, (server) => {
      const address = server.address()
      if (address === null || typeof address === "string") return Effect.log(`Listening on ${address}`)
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address
      return Effect.log(`Listening on http://${host}:${address.port}`)
    })
  ).pipe(Layer.provideMerge(layer))

const startingBody = JSON.stringify({ error: "foreman is starting; try again in a moment" })

/**
 * The app served on a bound NodeServerLive. The drain is built last so that at a stop it runs
 * first, while the app still answers (ADR-0042).
 */
export const HttpServedLive = ServerDrainLive.pipe(Layer.provideMerge(HttpAppLive.pipe(withListeningLog)))

/** The app bound to FOREMAN_ADDR; the HttpServer stays visible so callers can read the bound port. */
export const HttpLive = HttpServedLive.pipe(Layer.provideMerge(NodeServerLive))
