import * as Headers from "@effect/platform/Headers"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, type Scope, Stream } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import type { Readable } from "node:stream"
import { forEachChunk } from "./ReadableBody.js"

export interface OutgoingRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | Readable | undefined
  /**
   * Aborts the request, and the answer's body, when it fires: a deadline for hot paths, where
   * `Effect.timeoutFail` would fork two fibers per request to race a sleep.
   */
  readonly signal?: AbortSignal
}

export interface IncomingResponse<E> {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: Stream.Stream<Uint8Array, E>
  /** The body without a Stream, for hot paths: each chunk handed to `onChunk` as it arrives. */
  readonly forEachChunk: (onChunk: (bytes: Uint8Array) => void) => Effect.Effect<void, E>
}

/** One connection pool per scheme: node refuses an http Agent for an https URL (ERR_INVALID_PROTOCOL). */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Https.Agent
}

/** Both pools, destroyed (with their idle sockets) when the scope closes. */
export const makeAgents = (options: Http.AgentOptions): Effect.Effect<Agents, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => ({ http: new Http.Agent(options), https: new Https.Agent(options) })),
    (agents) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  )

/** A network error in our own words: its message and code, never the request (it may carry secrets). */
export const describeNetworkError = (error: unknown): string => {
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? ` (${error.code})` : ""
  return `${error instanceof Error ? error.message : String(error)}${code}`
}

const replayable = (body: OutgoingRequest["body"]): body is string | Uint8Array | undefined =>
  body === undefined || typeof body === "string" || body instanceof Uint8Array

/**
 * A pooled keep-alive socket the peer closed while it sat idle: the request fails at once, before
 * any answer, and node's documentation advises sending it again on a fresh socket.
 */
const isStaleSocket = (req: Http.ClientRequest, error: unknown): boolean =>
  req.reusedSocket && error instanceof Error && "code" in error && (error.code === "ECONNRESET" || error.code === "EPIPE")

/**
 * One HTTP request over node:http(s) through the pool for its scheme. foreman's outgoing traffic (every job's
 * generation, the passthrough routes, webhook deliveries) goes through here rather than the
 * platform's HttpClient, which cost ≈2.4 ms of CPU more per request than node:http itself,
 * measured side by side (ADR-0022). Interrupting the request, or its body stream, destroys the
 * socket, so a cancelled generation stops at the target too. Node does not follow redirects. A
 * request with a body in hand is sent once more if its pooled socket turns out to be stale.
 */
export const sendRequest = <E>(
  agents: Agents,
  request: OutgoingRequest,
  onError: (error: unknown) => E
): Effect.Effect<IncomingResponse<E>, E> =>
  Effect.async<Http.IncomingMessage, E>((resume) => {
    let current: Http.ClientRequest | undefined
    const send = (retried: boolean) => {
      let req: Http.ClientRequest
      try {
        const url = new URL(request.url)
        const options = { method: request.method, headers: request.headers, signal: request.signal }
        req = url.protocol === "https:"
          ? Https.request(url, { ...options, agent: agents.https })
          : Http.request(url, { ...options, agent: agents.http })
      } catch (error) {
        // An invalid URL (ERR_INVALID_URL), protocol (ERR_INVALID_PROTOCOL) or header value: node
        // refuses before anything is sent.
        resume(Effect.fail(onError(error)))
        return
      }
      current = req
      let answered = false
      req.once("response", (res) => {
        answered = true
        resume(Effect.succeed(res))
      })
      // `on`, not `once`: an unheard second error event would take the daemon down.
      req.on("error", (error) => {
        if (!retried && !answered && isStaleSocket(req, error) && replayable(request.body)) send(true)
        else resume(Effect.fail(onError(error)))
      })
      const body = request.body
      if (replayable(body)) {
        req.end(body)
      } else {
        body.on("error", (error) => req.destroy(error))
        body.pipe(req)
      }
    }
    send(false)
    return Effect.sync(() => current?.destroy())
  }).pipe(
    Effect.map((res): IncomingResponse<E> => {
      // A HEAD answer has no body to read: release the socket now.
      if (request.method === "HEAD") res.resume()
      return {
        status: res.statusCode ?? 502,
        headers: Headers.fromInput(res.headers),
        body: NodeStream.fromReadable<E>(() => res, onError),
        forEachChunk: (onChunk) => forEachChunk(res, onChunk, onError)
      }
    })
  )
