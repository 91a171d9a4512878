import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Cause, Effect, Exit, Metric } from "effect"
import { ForemanMetrics } from "../metrics/ForemanMetrics.js"

const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/

const knownRoutes = new Set([
  "/", "/healthz", "/metrics", "/openapi.json", "/jobs",
  "/api/chat", "/api/generate", "/api/tags", "/api/ps", "/api/version", "/api/show", "/api/embed", "/api/embeddings",
  "/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete",
  "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/models"
])

/** The route pattern of a path, so job ids and digests do not explode the label's cardinality. */
export const routeLabel = (path: string): string => {
  if (knownRoutes.has(path)) return path
  const parts = path.split("/")
  if (parts[1] === "jobs" && parts[2] !== undefined && ulid.test(parts[2])) {
    if (parts.length === 3) return "/jobs/:id"
    if (parts.length === 4 && parts[3] === "events") return "/jobs/:id/events"
    if (parts.length === 5 && parts[3] === "artifacts") return "/jobs/:id/artifacts/:name"
  }
  if (path.startsWith("/api/blobs/") && parts.length === 4) return "/api/blobs/:digest"
  if (path.startsWith("/v1/models/") && parts.length === 4) return "/v1/models/:model"
  return "other"
}

// Tagging builds and hashes a new metric key, per request: keep one counter per label set (route
// labels are a fixed set, so this stays small).
const counters = new Map<string, typeof ForemanMetrics.httpRequests>()

const counterFor = (route: string, method: string, status: number) => {
  const key = `${route} ${method} ${status}`
  const known = counters.get(key)
  if (known !== undefined) return known
  const counter = ForemanMetrics.httpRequests.pipe(
    Metric.tagged("route", route),
    Metric.tagged("method", method),
    Metric.tagged("status", String(status))
  )
  counters.set(key, counter)
  return counter
}

/**
 * Counts every request by route, method and status, a caller that went away first included, as
 * 499 (the status the platform logs for it): a sync chat whose caller hung up was not counted.
 */
export const metricsMiddleware = HttpMiddleware.make((app) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.onExit(app, (exit) => {
      const status = Exit.isSuccess(exit) ? exit.value.status : Cause.isInterruptedOnly(exit.cause) ? 499 : 500
      return Metric.update(counterFor(routeLabel(new URL(request.url, "http://foreman").pathname), request.method, status), 1)
    }))
)
