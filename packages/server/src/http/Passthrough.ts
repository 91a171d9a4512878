import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Either, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Inventory } from "../inventory/Inventory.js"
import { parseRequestBody } from "../ollama/GenerationFields.js"
import { fieldOf } from "../ollama/GoFields.js"
import { isZeroKeepAlive } from "../ollama/KeepAlive.js"
import { OllamaClient, type RawRequest } from "../ollama/OllamaClient.js"
import { ollamaError } from "./OllamaResponses.js"
import { openAiError } from "./OpenAiResponses.js"
import { readBody } from "./RequestBody.js"

export interface PassthroughOptions {
  /** Re-poll the inventory once the target's answer is over (pull, delete, copy, create …). */
  readonly refreshAfter?: boolean
  /**
   * Re-poll it when the body's `model` is not among the resident ones: the target loads a model
   * to answer (embeddings), and `/api/ps` is to list it once the caller has the answer.
   */
  readonly refreshUnlessResident?: boolean
  /** Stream the request body instead of buffering it under FOREMAN_MAX_BODY (blob uploads). */
  readonly streamBody?: boolean
  /** Answer foreman's own errors (target unreachable, body too large) in the OpenAI shape. */
  readonly openAi?: boolean
  /** The request's body, when the route has read it already (a generation for a cloud model). */
  readonly body?: Uint8Array
}

const forwardedHeaders = ["content-type", "content-length", "content-encoding", "etag", "location"] as const

/** `.` or `..` however spelled (`%2e` is a dot to every URL parser on the way to the target). */
const isDotSegment = (segment: string) => /^(?:\.|%2e){1,2}$/i.test(segment)

/**
 * Whether the target would see another path than the one the router matched. URL parsers resolve
 * dot segments, read `\` as `/` and drop tabs and newlines, so `/api/blobs/..\..\api\generate`
 * would reach the target as `/api/generate`: a generation outside the queue. A path parameter is
 * never meant to hold any of these.
 */
const reshapedOnTheWay = (rawPath: string, resolvedPath: string) => {
  const segments = rawPath.split("/")
  return rawPath.includes("\\") || segments.some(isDotSegment) || resolvedPath.split("/").length !== segments.length
}

const methodOf = (method: string): RawRequest["method"] | undefined =>
  method === "GET" || method === "HEAD" || method === "POST" || method === "DELETE" || method === "PUT" ? method : undefined

/**
 * Requests foreman does not queue go to the target as they came, and its answer comes back as it
 * goes: status, content type and bytes, streamed where Ollama streams.
 */
export class Passthrough extends Effect.Service<Passthrough>()("foreman/Passthrough", {
  effect: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const ollama = yield* OllamaClient
    const inventory = yield* Inventory

    /**
     * The model an embedding request loads, when the last poll did not list it as loaded: what
     * `/api/ps` must be refreshed for once the answer is in. None for a body naming no model, and
     * for an unload-after (a zero keep_alive), which leaves nothing loaded to show.
     */
    const loadedBy = (body: Uint8Array) => {
      const request = Either.getOrElse(parseRequestBody(new TextDecoder().decode(body)), () => ({}))
      const model = fieldOf(request, "model")
      return typeof model !== "string" || isZeroKeepAlive(fieldOf(request, "keep_alive"))
        ? Effect.succeed(false)
        : Effect.map(inventory.isResident(model), (resident) => !resident)
    }

    const forward = (options: PassthroughOptions = {}) => {
      const error = options.openAi === true ? openAiError : ollamaError
      return Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const method = methodOf(request.method)
        if (method === undefined) return error(405, "method not allowed")
        const url = new URL(request.url, "http://foreman")
        if (reshapedOnTheWay(request.url.split("?")[0] ?? "", url.pathname)) {
          return error(400, "a path segment may not be \".\" or \"..\" or hold a \"\\\"")
        }
        const hasBody = method === "POST" || method === "PUT" || method === "DELETE"
        const contentLength = Number(request.headers["content-length"] ?? Number.NaN)
        const body = !hasBody
          ? undefined
          : options.body !== undefined
          ? options.body
          : options.streamBody === true
          ? request.stream
          : yield* readBody(request, config.maxBody)
        const upstream = yield* ollama.raw({
          method,
          path: `${url.pathname}${url.search}`,
          body,
          contentType: request.headers["content-type"] ?? "application/json",
          contentLength: Number.isFinite(contentLength) ? contentLength : undefined
        })
        const headers: Record<string, string> = {}
        for (const name of forwardedHeaders) {
          const value = upstream.headers[name]
          if (value !== undefined && name !== "content-type" && name !== "content-length") headers[name] = value
        }
        const refreshAfter = options.refreshAfter === true ||
          (options.refreshUnlessResident === true && body instanceof Uint8Array && (yield* loadedBy(body)))
        // After an embedding, concurrent ones share one poll (as installed-model misses do).
        const after = !refreshAfter ? Effect.void : options.refreshAfter === true ? Effect.asVoid(inventory.refresh) : inventory.refreshShared
        const contentType = upstream.headers["content-type"]
        const length = Number(upstream.headers["content-length"] ?? Number.NaN)
        // No body to relay: answer the target's headers as they were, with no type or length made up.
        if (method === "HEAD" || length === 0) {
          yield* after
          const described = {
            ...headers,
            ...(contentType === undefined ? {} : { "content-type": contentType }),
            ...(Number.isFinite(length) ? { "content-length": String(length) } : {})
          }
          return HttpServerResponse.empty({ status: upstream.status, headers: described })
        }
        // A client may act on a one-piece answer (delete, copy, pull without streaming) the moment
        // it arrives, so refresh the inventory before answering, not after.
        if (refreshAfter && !(contentType ?? "").includes("ndjson")) {
          const bytes = yield* upstream.body.pipe(Stream.runCollect, Effect.map((chunks) => Buffer.concat([...chunks])))
          yield* after
          return HttpServerResponse.uint8Array(bytes, { status: upstream.status, headers, ...(contentType === undefined ? {} : { contentType }) })
        }
        return HttpServerResponse.stream(
          upstream.body.pipe(Stream.ensuring(after)),
          {
            status: upstream.status,
            headers,
            ...(contentType === undefined ? {} : { contentType }),
            ...(Number.isFinite(length) ? { contentLength: length } : {})
          }
        )
      }).pipe(
        Effect.catchTags({
          ConnectionError: (e) => Effect.succeed(error(502, e.message)),
          BodyTooLarge: (e) => Effect.succeed(error(413, e.message)),
          BodyUnreadable: (e) => Effect.succeed(error(400, e.message))
        }),
        Effect.withSpan("Passthrough.forward")
      )
    }

    return { forward } as const
  })
}) {}
