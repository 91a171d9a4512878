import type * as Headers from "@effect/platform/Headers"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Duration, Effect, Option, Redacted, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { ConnectionError, ollamaErrorText, UpstreamHttpError } from "./OllamaErrors.js"
import { describeNetworkError, type IncomingResponse, makeAgents, sendRequest } from "../transport/NodeHttpRequest.js"

export interface RawRequest {
  readonly method: "GET" | "HEAD" | "POST" | "DELETE" | "PUT"
  readonly path: string
  readonly body?: string | Uint8Array | Stream.Stream<Uint8Array, unknown> | undefined
  readonly contentType?: string | undefined
  readonly contentLength?: number | undefined
  readonly timeout?: Duration.DurationInput | undefined
}

/** Status, headers and the body as it arrives. */
export type StreamedResponse = IncomingResponse<ConnectionError>

const unreachable = (error: unknown) => new ConnectionError({ message: `target unreachable: ${describeNetworkError(error)}` })

export interface TextResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
}

const probeTimeout = Duration.seconds(5)

/**
 * Talks to the one Ollama target. The bearer token is attached here and nowhere else; errors carry
 * our own messages, never the request, so the token cannot leak through them.
 */
export class OllamaClient extends Effect.Service<OllamaClient>()("foreman/OllamaClient", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const agents = yield* makeAgents({ keepAlive: true })
    const authorization = Option.match(config.ollamaToken, {
      onNone: () => ({}),
      onSome: (token) => ({ authorization: `Bearer ${Redacted.value(token)}` })
    })

    const send = (request: RawRequest): Effect.Effect<StreamedResponse, ConnectionError> =>
      Effect.gen(function*() {
        const body = request.body
        const readable = body === undefined || typeof body === "string" || body instanceof Uint8Array
          ? body
          : yield* NodeStream.toReadable(body)
        const length = typeof body === "string" ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : request.contentLength
        const headers: Record<string, string> = {
          ...authorization,
          ...(body === undefined ? {} : { "content-type": request.contentType ?? "application/json" }),
          ...(length === undefined ? {} : { "content-length": String(length) })
        }
        const sent = sendRequest(agents, { method: request.method, url: `${config.ollamaUrl}${request.path}`, headers, body: readable }, unreachable)
        return yield* request.timeout === undefined ? sent : sent.pipe(
          Effect.timeoutFail({
            duration: request.timeout,
            onTimeout: () => new ConnectionError({ message: `target did not answer within ${Duration.format(request.timeout ?? 0)}` })
          })
        )
      })

    const readText = (response: StreamedResponse) =>
      response.body.pipe(Stream.decodeText(), Stream.mkString)

    /** Any request, its body streamed back untouched whatever the status (passthrough routes). */
    const raw = Effect.fn("OllamaClient.raw")(function*(request: RawRequest) {
      return yield* send(request)
    })

    /** A request whose non-2xx answer is an UpstreamHttpError carrying Ollama's error text. */
    const streaming = Effect.fn("OllamaClient.streaming")(function*(request: RawRequest) {
      const response = yield* send(request)
      if (response.status >= 300) {
        const text = yield* readText(response)
        return yield* new UpstreamHttpError({ status: response.status, error: ollamaErrorText(text) })
      }
      return response
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
