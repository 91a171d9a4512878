import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import { originMatcher } from "../config/AllowedOrigins.js"

// The request headers Ollama lets a browser send: its own, and the `openai` SDK's.
const allowedHeaders = [
  "Authorization",
  "Content-Type",
  "User-Agent",
  "Accept",
  "X-Requested-With",
  "OpenAI-Beta",
  "x-stainless-arch",
  "x-stainless-async",
  "x-stainless-custom-poll-interval",
  "x-stainless-helper-method",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-poll-helper",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
  // foreman's own: SSE resumption.
  "Last-Event-ID"
]

/**
 * CORS as Ollama answers it, for browser clients. It sits outside the token check, since a
 * preflight never carries the token, and applies only to requests with an `Origin`: every other
 * request (scripts, SDKs, curl) pays nothing for it. Origins not allowed get 403.
 */
export const corsMiddleware = (origins: ReadonlyArray<string>) => {
  const allowed = originMatcher(origins)
  const cors = HttpMiddleware.cors({
    allowedOrigins: allowed,
    allowedHeaders,
    // Which job a sync answer was: a page may read it only if told so.
    exposedHeaders: ["x-foreman-job-id"],
    maxAge: 43_200
  })
  // As gin-contrib/cors does for Ollama: a page from an origin not allowed is refused outright, so
  // a "simple" cross-site POST (text/plain, no preflight) cannot run a job or pull a model.
  const refused = Effect.succeed(HttpServerResponse.empty({ status: 403 }))
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> => {
    const withCors = cors(app)
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const origin = request.headers["origin"]
      return origin === undefined ? app : allowed(origin) ? withCors : refused
    })
  }
}
