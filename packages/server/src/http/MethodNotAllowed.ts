import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import { errorBody } from "./AuthMiddleware.js"
import { jsonContentType } from "./OllamaResponses.js"

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** foreman's own routes and the methods the HttpApi serves on each (HEAD rides along with GET). */
const served: ReadonlyArray<readonly [`/${string}`, ReadonlyArray<Method>]> = [
  ["/healthz", ["GET"]],
  ["/metrics", ["GET"]],
  ["/openapi.json", ["GET"]],
  ["/jobs", ["GET", "POST"]],
  ["/jobs/:id", ["GET", "DELETE"]],
  ["/jobs/:id/events", ["GET"]],
  ["/jobs/:id/artifacts/:name", ["GET"]]
]

/**
 * A known route with the wrong method is a 405 in foreman's shape, with `Allow`, as the native
 * routes answer in Ollama's; without this the catch-all would call it an unknown path.
 */
export const MethodNotAllowedLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    for (const [path, methods] of served) {
      const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : [])].join(", ")
      const refuse = Effect.succeed(
        HttpServerResponse.text(errorBody("foreman", "MethodNotAllowed", 405, `method not allowed; ${path} accepts ${allow}`), {
          status: 405,
          contentType: jsonContentType,
          headers: { allow }
        })
      )
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"] as const) {
        if (methods.includes(method)) continue
        if (method === "GET") yield* router.get(path, refuse)
        if (method === "POST") yield* router.post(path, refuse)
        if (method === "PUT") yield* router.put(path, refuse)
        if (method === "PATCH") yield* router.patch(path, refuse)
        if (method === "DELETE") yield* router.del(path, refuse)
      }
    }
  })
)
