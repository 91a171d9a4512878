import * as HttpRouter from "@effect/platform/HttpRouter"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import { Effect } from "effect"
import { text } from "../wire/responses.js"

const methods: ReadonlyArray<HttpMethod> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

// gin with HandleMethodNotAllowed: a known path with the wrong method is a
// plain-text 405, and HEAD is only served where Ollama registers it.
const methodNotAllowed = Effect.succeed(text("405 method not allowed", 405, "text/plain"))

/** Routes for every method of `path`: the given handlers, 405 for the rest. */
export const endpoint = <E, R>(
  path: HttpRouter.PathInput,
  handlers: Partial<Record<HttpMethod, HttpRouter.Route.Handler<E, R>>>
) => methods.map((method) => HttpRouter.makeRoute(method, path, handlers[method] ?? methodNotAllowed))
