import * as Headers from "@effect/platform/Headers"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Data, Effect, type Scope, Stream } from "effect"
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
   * A deadline from sending to the answer's last byte: past it the request (or the answer's body)
   * fails with `RequestTimedOut`, its socket destroyed. For hot paths: `Effect.timeoutFail` would fork
   * two fibers per request to race a sleep, and an `AbortSignal` costs node:http ≈60 µs of CPU per
   * request in listeners (ADR-0032).
   */
  readonly timeoutMillis?: number
}

/** What a request's `onError` receives when its `timeoutMillis` ran out, whatever else then failed. */
export class RequestTimedOut extends Data.TaggedError("RequestTimedOut")<{ readonly timeoutMillis: number }> {}

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
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined
  // OpenSSL's messages carry a newline, which would split a log record (and a 502 body) in two.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim()
  const hint = code !== undefined && untrustedCertificateCodes.has(code) ? `; ${trustHint}` : ""
  return `${message}${code === undefined ? "" : ` (${code})`}${hint}`
}

/** What Node says when a peer's certificate chains to no CA it trusts (a private CA, a self-signed one). */
const untrustedCertificateCodes = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT"
])
const trustHint = "trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem"

/** Whether a description by `describeNetworkError` is of a certificate Node does not trust. */
export const isUntrustedCertificate = (description: string): boolean => description.endsWith(trustHint)

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
 * request with a body in hand is sent once more if its pooled socket turns out to be stale, never
 * after foreman ended it itself.
 */
export const sendRequest = <E>(
  agents: Agents,
  request: OutgoingRequest,
  onError: (error: unknown) => E
): Effect.Effect<IncomingResponse<E>, E> =>
  Effect.suspend(() => {
    const { timeoutMillis } = request
    // One timer for the whole exchange, stopped when the answer ends or closes. When it fires the
    // request, and with it the answer, is destroyed, and whatever error that causes is reported as
    // the timeout.
    let timer: ReturnType<typeof setTimeout> | undefined
    let expired = false
    // Set when foreman itself ends the exchange (the deadline, or the caller interrupting): the
    // reset that destroying a pooled socket causes then looks like a stale socket, and replaying it
    // would run the request again, unwatched (a second generation, a webhook attempt with no deadline).
    let abandoned = false
    const stopTimer = () => clearTimeout(timer)
    const fail = timeoutMillis === undefined
      ? onError
      : (error: unknown) => onError(expired ? new RequestTimedOut({ timeoutMillis }) : error)
    const exchange = Effect.async<Http.IncomingMessage, E>((resume) => {
      let current: Http.ClientRequest | undefined
      const send = (retried: boolean) => {
        let req: Http.ClientRequest
        try {
          const url = new URL(request.url)
          const options = { method: request.method, headers: request.headers }
          req = url.protocol === "https:"
            ? Https.request(url, { ...options, agent: agents.https })
            : Http.request(url, { ...options, agent: agents.http })
        } catch (error) {
          // An invalid URL (ERR_INVALID_URL), protocol (ERR_INVALID_PROTOCOL) or header value: node
          // refuses before anything is sent.
          stopTimer()
          resume(Effect.fail(fail(error)))
          return
        }
        current = req
        let answered = false
        req.once("response", (res) => {
          answered = true
          if (timer !== undefined) {
            res.once("end", stopTimer)
            res.once("close", stopTimer)
          }
          resume(Effect.succeed(res))
        })
        // `on`, not `once`: an unheard second error event would take the daemon down.
        req.on("error", (error) => {
          if (!retried && !answered && !abandoned && isStaleSocket(req, error) && replayable(request.body)) return send(true)
          stopTimer()
          resume(Effect.fail(fail(error)))
        })
        const body = request.body
        if (replayable(body)) {
          req.end(body)
        } else {
          body.on("error", (error) => req.destroy(error))
          body.pipe(req)
        }
      }
      if (timeoutMillis !== undefined) {
        timer = setTimeout(() => {
          expired = true
          abandoned = true
          current?.destroy()
        }, timeoutMillis)
      }
      send(false)
      return Effect.sync(() => {
        abandoned = true
        stopTimer()
        current?.destroy()
      })
    })
    return Effect.map(exchange, (res): IncomingResponse<E> => {
      // A HEAD answer has no body to read: release the socket now.
      if (request.method === "HEAD") res.resume()
      return {
        status: res.statusCode ?? 502,
        headers: Headers.fromInput(res.headers),
        body: NodeStream.fromReadable<E>(() => res, fail),
        forEachChunk: (onChunk) => forEachChunk(res, onChunk, fail)
      }
    })
  })
