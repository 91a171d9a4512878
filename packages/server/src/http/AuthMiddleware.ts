import { HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Option, Redacted } from "effect"
import { jsonContentType } from "./OllamaResponses.js"

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Compares digests so neither the length nor the content of the token leaks through timing. */
export const tokenMatches = (expected: Redacted.Redacted, header: string | undefined): boolean => {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? ""
  return timingSafeEqual(digest(presented), digest(Redacted.value(expected)))
}

/** Native (Ollama-compatible) paths answer errors as Ollama does; foreman's own routes as `_tag` + `error`. */
export const isNativePath = (path: string) => path === "/" || path.startsWith("/api/") || path === "/api"

const unauthorized = (path: string) =>
  HttpServerResponse.text(
    JSON.stringify(
      isNativePath(path)
        ? { error: "unauthorized: missing or wrong bearer token" }
        : { _tag: "Unauthorized", error: "missing or wrong bearer token" }
    ),
    { status: 401, contentType: jsonContentType, headers: { "www-authenticate": "Bearer" } }
  )

/** FOREMAN_TOKEN, when set, guards every route but /healthz. */
export const authMiddleware = (token: Option.Option<Redacted.Redacted>) =>
  HttpMiddleware.make((app) =>
    Option.match(token, {
      onNone: () => app,
      onSome: (expected) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const path = new URL(request.url, "http://foreman").pathname
          return path === "/healthz" || tokenMatches(expected, request.headers["authorization"]) ? app : Effect.succeed(unauthorized(path))
        })
    })
  )
