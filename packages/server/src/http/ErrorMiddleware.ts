import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Cause, Effect, Option } from "effect"
import { errorBody, routeFamily } from "./AuthMiddleware.js"
import { jsonContentType } from "./OllamaResponses.js"

/**
 * The last line of defence: an unknown route is Ollama's plain 404, and anything a handler did not
 * turn into a response becomes a 500 in the route family's shape, logged, never a dead daemon.
 */
export const errorMiddleware = HttpMiddleware.make((app) =>
  Effect.catchAllCause(app, (cause) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = new URL(request.url, "http://foreman").pathname
      if (Option.exists(Cause.failureOption(cause), (error) => error instanceof HttpServerError.RouteNotFound)) {
        return HttpServerResponse.text("404 page not found", { status: 404, contentType: "text/plain" })
      }
      // A caller that hung up interrupts its request (the platform answers 499): nothing to report.
      if (Cause.isInterrupted(cause)) return yield* Effect.failCause(cause)
      // The platform's own answers can travel as failures or defects: pass them on.
      const carried: unknown = Option.getOrUndefined(Option.orElse(Cause.failureOption(cause), () => Cause.dieOption(cause)))
      if (HttpServerResponse.isServerResponse(carried)) return carried
      yield* Effect.logError("request failed", cause).pipe(Effect.annotateLogs({ method: request.method, path }))
      return HttpServerResponse.text(errorBody(routeFamily(path), "InternalError", 500, "internal error"), {
        status: 500,
        contentType: jsonContentType
      })
    })
  )
)
