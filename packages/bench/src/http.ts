import { Effect, Either } from "effect"
import * as Http from "node:http"
import { performance } from "node:perf_hooks"
import { BenchError, fromResult } from "./BenchError.js"

// The measuring client: node:http with a keep-alive agent, no Effect and no fetch (undici) in the
// timed path (`send`, `check`), so the client adds as little of its own time as it can. Timings are
// taken with performance.now() around one request: from just before it is written to its last byte.

export interface Reply {
  readonly status: number
  /** The body as text, only when asked for (`keepBody`); "" otherwise. */
  readonly body: string
  /** Request start to the last byte of the response. */
  readonly ms: number
  /** Request start to the first complete line ("\n") of the body; NaN when the body has none. */
  readonly firstLineMs: number
  /** How many "\n"-terminated lines the body had (NDJSON chunks). */
  readonly lines: number
}

export interface SendOptions {
  readonly body?: string
  readonly keepBody?: boolean
  readonly timeoutMs?: number
}

const newline = 10

const loopback = new Set(["127.0.0.1", "localhost", "[::1]"])

/** A base URL plus its own connection pool; loopback only (`HttpTarget.make`). */
export class HttpTarget {
  private readonly agent: Http.Agent

  private constructor(readonly url: string, private readonly host: string, private readonly port: number, sockets: number) {
    this.agent = new Http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
  }

  /** A target for `url`, with up to `sockets` keep-alive connections; close it when done. */
  static make(url: string, sockets = 1): Effect.Effect<HttpTarget, BenchError> {
    return Effect.try({ try: () => new URL(url), catch: () => new BenchError({ message: `not a URL: ${url}` }) }).pipe(
      Effect.filterOrFail(
        (parsed) => loopback.has(parsed.hostname),
        (parsed) => new BenchError({ message: `the bench only talks to loopback addresses, not ${parsed.hostname}` })
      ),
      Effect.map((parsed) => new HttpTarget(url, parsed.hostname, Number(parsed.port), sockets))
    )
  }

  send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const body = options.body
      const headers: Http.OutgoingHttpHeaders = body === undefined
        ? {}
        : { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
      const start = performance.now()
      let firstLineMs = Number.NaN
      let lines = 0
      const chunks: Array<Buffer> = []
      const request = Http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (response) => {
          response.on("data", (chunk: Buffer) => {
            let at = chunk.indexOf(newline)
            if (at >= 0 && Number.isNaN(firstLineMs)) firstLineMs = performance.now() - start
            while (at >= 0) {
              lines++
              at = chunk.indexOf(newline, at + 1)
            }
            if (options.keepBody === true) chunks.push(chunk)
          })
          response.once("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              body: options.keepBody === true ? Buffer.concat(chunks).toString("utf8") : "",
              ms: performance.now() - start,
              firstLineMs,
              lines
            }))
          response.once("error", reject)
        }
      )
      request.setTimeout(options.timeoutMs ?? 30_000, () =>
        request.destroy(new Error(`${method} ${this.url}${path}: no answer within ${options.timeoutMs ?? 30_000} ms`)))
      request.once("error", reject)
      request.end(body)
    })
  }

  /**
   * A request whose status must be `expected` (its body kept), for timed loops: the reply, or why
   * not as `Left(message)`. Rejects only when the request itself fails.
   */
  async check(method: string, path: string, expected: number, body?: string): Promise<Either.Either<Reply, string>> {
    const reply = await this.send(method, path, body === undefined ? { keepBody: true } : { body, keepBody: true })
    return reply.status === expected
      ? Either.right(reply)
      : Either.left(`${method} ${this.url}${path} answered ${reply.status}, expected ${expected}: ${reply.body.slice(0, 300)}`)
  }

  /** `check` as an Effect: a request whose status must be `expected`; its body is kept. */
  expect(method: string, path: string, expected: number, body?: string): Effect.Effect<Reply, BenchError> {
    return fromResult(() => this.check(method, path, expected, body))
  }

  close(): void {
    this.agent.destroy()
  }
}
