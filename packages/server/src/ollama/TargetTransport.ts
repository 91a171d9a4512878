import { Headers } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Effect, Stream } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import type { Readable } from "node:stream"
import { ConnectionError } from "./OllamaErrors.js"

export interface TargetRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | Readable | undefined
}

export interface TargetResponse {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Stream.Stream<Uint8Array, ConnectionError>
}

const describe = (error: unknown): string => {
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? ` (${error.code})` : ""
  return `target unreachable: ${error instanceof Error ? error.message : String(error)}${code}`
}

const toConnectionError = (error: unknown) => new ConnectionError({ message: describe(error) })

/**
 * One request to the target over node:http with a keep-alive agent. Every job is one of these, and
 * the platform's HttpClient cost ≈2.4 ms of CPU more per request than node:http itself (measured
 * side by side against the sim), a third of a job's CPU: the transport is written out here, the
 * rest of OllamaClient stays as it was. Interrupting the request, or the body stream, destroys the
 * socket, so a cancelled generation stops at the target too.
 */
export const sendToTarget = (agent: Http.Agent, request: TargetRequest): Effect.Effect<TargetResponse, ConnectionError> =>
  Effect.async<Http.IncomingMessage, ConnectionError>((resume) => {
    const module = request.url.protocol === "https:" ? Https : Http
    const req = module.request(request.url, { method: request.method, headers: request.headers, agent })
    req.once("response", (res) => resume(Effect.succeed(res)))
    // `on`, not `once`: an unheard second error event would take the daemon down.
    req.on("error", (error) => resume(Effect.fail(toConnectionError(error))))
    const body = request.body
    if (body === undefined || typeof body === "string" || body instanceof Uint8Array) {
      req.end(body)
    } else {
      body.on("error", (error) => req.destroy(error))
      body.pipe(req)
    }
    return Effect.sync(() => req.destroy())
  }).pipe(
    Effect.map((res): TargetResponse => {
      // A HEAD answer has no body to read: release the socket now.
      if (request.method === "HEAD") res.resume()
      return {
        status: res.statusCode ?? 502,
        headers: Headers.fromInput(res.headers),
        body: NodeStream.fromReadable<ConnectionError>(() => res, toConnectionError)
      }
    })
  )
