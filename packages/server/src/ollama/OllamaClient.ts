import { Headers, HttpBody, HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Option, Redacted, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { ConnectionError, ollamaErrorText, UpstreamHttpError } from "./OllamaErrors.js"

export interface RawRequest {
  readonly method: "GET" | "HEAD" | "POST" | "DELETE" | "PUT"
  readonly path: string
  readonly body?: string | Uint8Array | Stream.Stream<Uint8Array, unknown> | undefined
  readonly contentType?: string | undefined
  readonly contentLength?: number | undefined
  readonly timeout?: Duration.DurationInput | undefined
}

export interface StreamedResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Stream.Stream<Uint8Array, ConnectionError>
}

export interface TextResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
}

const describe = (error: HttpClientError): string => {
  const cause = "cause" in error && error.cause instanceof Error ? error.cause : undefined
  const code = cause !== undefined && "code" in cause && typeof cause.code === "string" ? ` (${cause.code})` : ""
  return `target unreachable: ${cause?.message ?? error.reason}${code}`
}

const toConnectionError = (error: HttpClientError) => new ConnectionError({ message: describe(error) })

const probeTimeout = Duration.seconds(5)

/**
 * Talks to the one Ollama target. The bearer token is attached here and nowhere else; errors carry
 * our own messages, never the request, so the token cannot leak through them.
 */
export class OllamaClient extends Effect.Service<OllamaClient>()("foreman/OllamaClient", {
  dependencies: [NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true })))],
  effect: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const http = yield* HttpClient.HttpClient
    const token = Option.map(config.ollamaToken, Redacted.value)

    const build = (request: RawRequest) => {
      const base = HttpClientRequest.make(request.method)(`${config.ollamaUrl}${request.path}`)
      const authed = Option.match(token, {
        onNone: () => base,
        onSome: (value) => HttpClientRequest.bearerToken(base, value)
      })
      const contentType = request.contentType ?? "application/json"
      const body = request.body
      if (body === undefined) return authed
      if (typeof body === "string") return HttpClientRequest.setBody(authed, HttpBody.text(body, contentType))
      if (body instanceof Uint8Array) return HttpClientRequest.setBody(authed, HttpBody.uint8Array(body, contentType))
      return HttpClientRequest.setBody(authed, HttpBody.stream(body, contentType, request.contentLength))
    }

    const send = (request: RawRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, ConnectionError> => {
      const sent = http.execute(build(request)).pipe(Effect.mapError(toConnectionError))
      return request.timeout === undefined ? sent : sent.pipe(
        Effect.timeoutFail({
          duration: request.timeout,
          onTimeout: () => new ConnectionError({ message: `target did not answer within ${Duration.format(request.timeout ?? 0)}` })
        })
      )
    }

    const readText = (response: HttpClientResponse.HttpClientResponse) =>
      response.text.pipe(Effect.mapError(toConnectionError))

    const streamed = (response: HttpClientResponse.HttpClientResponse): StreamedResponse => ({
      status: response.status,
      headers: response.headers,
      body: response.stream.pipe(Stream.mapError(toConnectionError))
    })

    /** Any request, its body streamed back untouched whatever the status (passthrough routes). */
    const raw = Effect.fn("OllamaClient.raw")(function*(request: RawRequest) {
      return streamed(yield* send(request))
    })

    /** A request whose non-2xx answer is an UpstreamHttpError carrying Ollama's error text. */
    const streaming = Effect.fn("OllamaClient.streaming")(function*(request: RawRequest) {
      const response = yield* send(request)
      if (response.status >= 300) {
        const text = yield* readText(response)
        return yield* new UpstreamHttpError({ status: response.status, error: ollamaErrorText(text) })
      }
      return streamed(response)
    })

    /** A whole-body request (tags, ps, show, loads). */
    const text = Effect.fn("OllamaClient.text")(function*(request: RawRequest) {
      const response = yield* send(request)
      const body = yield* readText(response)
      if (response.status >= 300) {
        return yield* new UpstreamHttpError({ status: response.status, error: ollamaErrorText(body) })
      }
      return { status: response.status, headers: response.headers, text: body } satisfies TextResponse
    })

    /** Cheap liveness check used while the worker holds for an unreachable target. */
    const probe = text({ method: "GET", path: "/api/version", timeout: probeTimeout }).pipe(Effect.asVoid)

    return { raw, streaming, text, probe, probeTimeout } as const
  })
}) {}
