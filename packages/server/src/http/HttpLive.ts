import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { ForemanApi } from "@foreman/domain"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { createServer as createNetServer } from "node:net"
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
 * Fails as the listen would (port in use, an address not on this machine) by binding FOREMAN_ADDR
 * and letting it go at once. The daemon runs it before anything else, so such a mistake stops
 * start-up before the worker has claimed a job; the real listen comes last, so callers are
 * refused, not left unanswered, until every route is ready.
 */
export const ListenPreflightLive = Layer.effectDiscard(
  Effect.flatMap(ForemanConfig, ({ addr }) =>
    Effect.async<void, HttpServerError.ServeError>((resume) => {
      const probe = createNetServer()
      probe.once("error", (cause) => resume(Effect.fail(new HttpServerError.ServeError({ cause }))))
      probe.listen({ port: addr.port, host: addr.host }, () => probe.close(() => resume(Effect.void)))
    }))
)

/** The Node HTTP server on FOREMAN_ADDR, and the node:http server under it for the drain. */
export const NodeServerLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    // Registered before the platform's handler, so it sees a HEAD for its own GET routes as a GET.
    const server = yield* Effect.sync(() =>
      createServer({ keepAliveTimeout: 65_000 }, (request) => {
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

/**
 * The app bound to FOREMAN_ADDR; the HttpServer stays visible so callers can read the bound port.
 * The drain is built last so that at a stop it runs first, while the app still answers (ADR-0042).
 */
export const HttpLive = ServerDrainLive.pipe(
  Layer.provideMerge(HttpAppLive.pipe(withListeningLog)),
  Layer.provideMerge(NodeServerLive)
)
