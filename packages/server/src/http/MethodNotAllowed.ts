import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import { errorBody } from "./AuthMiddleware.js"
import { jsonContentType } from "./OllamaResponses.js"

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * foreman's own routes and the methods each serves. HEAD is a GET without its body; an event
 * stream has no end to give a HEAD, so it has none.
 */
const served: ReadonlyArray<readonly [`/${string}`, ReadonlyArray<Method>]> = [
  ["/healthz", ["GET", "HEAD"]],
  ["/metrics", ["GET", "HEAD"]],
  ["/openapi.json", ["GET", "HEAD"]],
  ["/jobs", ["GET", "POST", "HEAD"]],
  ["/jobs/:id", ["GET", "DELETE", "HEAD"]],
  ["/jobs/:id/events", ["GET"]],
  ["/jobs/:id/artifacts/:name", ["GET", "HEAD"]]
]

const headPaths = served.filter(([, methods]) => methods.includes("HEAD")).map(([path]) =>
  new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}(?:\\?|$)`)
)

/**
 * Whether a HEAD request for `url` is one of foreman's own routes that serve it. The HttpApi knows
 * only GET, so the node server hands such a request on as a GET; node itself leaves the body of
 * an answer to a HEAD unsent (`http/HttpLive.ts`).
 */
export const servesHeadAsGet = (url: string): boolean => headPaths.some((path) => path.test(url))

/**
 * A known route with the wrong method is a 405 in foreman's shape, with `Allow`, as the native
 * routes answer in Ollama's; without this the catch-all would call it an unknown path.
 */
export const MethodNotAllowedLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    for (const [path, methods] of served) {
      const allow = methods.join(", ")
      const refuse = Effect.succeed(
        HttpServerResponse.text(errorBody("foreman", "MethodNotAllowed", 405, `method not allowed; ${path} accepts ${allow}`), {
          status: 405,
          contentType: jsonContentType,
          headers: { allow }
        })
      )
      for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const) {
        if (methods.includes(method)) continue
        if (method === "GET") yield* router.get(path, refuse)
        if (method === "HEAD") yield* router.head(path, refuse)
        if (method === "POST") yield* router.post(path, refuse)
        if (method === "PUT") yield* router.put(path, refuse)
        if (method === "PATCH") yield* router.patch(path, refuse)
        if (method === "DELETE") yield* router.del(path, refuse)
      }
    }
  })
)
