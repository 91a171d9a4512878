import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect, Option } from "effect"
import { adminRouter } from "../routes/adminRouter.js"
import { ollamaRouter } from "../routes/ollamaRouter.js"
import { SimConfig } from "../SimOptions.js"
import { Recorder } from "../state/Recorder.js"
import { Stats } from "../state/Stats.js"
import { RequestBody } from "../wire/RequestBody.js"
import { errorJson, text } from "../wire/responses.js"
import { Faults } from "./Faults.js"

const adminPrefix = "/_sim/"
// @effect/platform sets no body limit of its own.
const maxBodyBytes = 64 * 1024 * 1024
const decoder = new TextDecoder()

const pathOf = (url: string): string => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

// The client sees ECONNRESET; the response below never reaches the wire.
const resetConnection = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.sync(() => NodeHttpServerRequest.toIncomingMessage(request).socket.resetAndDestroy()).pipe(
    Effect.as(HttpServerResponse.empty())
  )

const authorized = (request: HttpServerRequest.HttpServerRequest, token: string | undefined): boolean =>
  token === undefined || request.headers["authorization"] === `Bearer ${token}`

/**
 * Every request: connection faults first, then the body is read once, recorded
 * and counted, the bearer token checked, and the request routed. /_sim/* skips
 * faults, recording and auth so it can always steer the sim.
 */
export const simApp = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const path = pathOf(request.url)
  const admin = path.startsWith(adminPrefix)
  if (!admin && (yield* Effect.flatMap(Faults, (faults) => faults.resetting))) {
    return yield* resetConnection(request)
  }

  const bytes = new Uint8Array(yield* request.arrayBuffer)
  const body = { bytes, text: decoder.decode(bytes) }
  if (admin) return yield* Effect.provideService(adminRouter, RequestBody, body)

  const recorder = yield* Recorder
  yield* recorder.record({ method: request.method, path, url: request.url, headers: { ...request.headers }, body: body.text })
  yield* Effect.flatMap(Stats, (stats) => stats.countCall(request.method, path))
  const config = yield* SimConfig
  if (!authorized(request, config.requireToken)) return errorJson(401, "unauthorized")
  return yield* Effect.provideService(ollamaRouter, RequestBody, body)
}).pipe(
  Effect.catchTags({
    OllamaError: (error) => Effect.succeed(errorJson(error.status, error.message)),
    // gin's NoRoute answer.
    RouteNotFound: () => Effect.succeed(text("404 page not found", 404, "text/plain"))
  }),
  HttpIncomingMessage.withMaxBodySize(Option.some(maxBodyBytes))
)
