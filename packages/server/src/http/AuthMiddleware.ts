import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { createHash, timingSafeEqual } from "node:crypto"
import { Effect, Option, Redacted } from "effect"
import { jsonContentType } from "./OllamaResponses.js"
import { openAiErrorBody } from "./OpenAiResponses.js"

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Compares digests so neither the length nor the content of the token leaks through timing. */
export const tokenMatches = (expected: Redacted.Redacted, header: string | undefined): boolean => {
  const presented = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? ""
  return timingSafeEqual(digest(presented), digest(Redacted.value(expected)))
}

/**
 * Each route family answers errors in its own shape: Ollama's `{"error"}` on the native surface,
 * OpenAI's `{"error": {"message", …}}` under /v1, and `{"_tag", "error"}` on foreman's own routes.
 */
export type RouteFamily = "native" | "openai" | "foreman"

export const routeFamily = (path: string): RouteFamily =>
  path === "/" || path === "/api" || path.startsWith("/api/")
    ? "native"
    : path === "/v1" || path.startsWith("/v1/")
    ? "openai"
    : "foreman"

export const errorBody = (family: RouteFamily, tag: string, status: number, message: string): string =>
  family === "native"
    ? JSON.stringify({ error: message })
    : family === "openai"
    ? openAiErrorBody(status, message)
    : JSON.stringify({ _tag: tag, error: message })

const unauthorized = (path: string) =>
  HttpServerResponse.text(errorBody(routeFamily(path), "Unauthorized", 401, "unauthorized: missing or wrong bearer token"), {
    status: 401,
    contentType: jsonContentType,
    headers: { "www-authenticate": "Bearer" }
  })

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
