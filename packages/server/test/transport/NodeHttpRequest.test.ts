import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber } from "effect"
import { createServer, type Server } from "node:http"
import type { Socket } from "node:net"
import { Readable } from "node:stream"
import { describeNetworkError, isUntrustedCertificate, makeAgents, RequestTimedOut, sendRequest } from "../../src/transport/NodeHttpRequest.js"

/**
 * A keep-alive server that answers "ok" to the first request on each connection and resets the
 * connection when a second one arrives on it: what a peer that closed an idle socket looks like to
 * a client whose pooled socket did not yet know.
 */
const resettingServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly server: Server; readonly connections: () => number }>((resume) => {
    const served = new WeakMap<Socket, number>()
    let connections = 0
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1
      served.set(req.socket, count)
      req.resume()
      if (count > 1) req.socket.resetAndDestroy()
      else req.once("end", () => res.end("ok"))
    })
    server.on("connection", () => connections++)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/`, server, connections: () => connections }))
    })
  }),
  ({ server }) =>
    Effect.sync(() => {
      server.closeAllConnections()
      server.close()
    })
)

const fail = (error: unknown) => String(error)

/** Answers `/ok` at once; `/hang` never answers; `/stall` sends its head and part of a body, then nothing. */
const slowServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly server: Server; readonly connections: () => number; readonly paths: ReadonlyArray<string> }>((resume) => {
    let connections = 0
    const paths: Array<string> = []
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      paths.push(req.url ?? "")
      req.resume()
      if (req.url === "/ok") req.once("end", () => res.end("ok"))
      else if (req.url === "/stall") res.writeHead(200, { "content-length": "10" }).write("part")
    })
    server.on("connection", () => connections++)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server, connections: () => connections, paths }))
    })
  }),
  ({ server }) =>
    Effect.sync(() => {
      server.closeAllConnections()
      server.close()
    })
)

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length

const text = (response: { readonly forEachChunk: (f: (bytes: Uint8Array) => void) => Effect.Effect<void, string> }) =>
  Effect.suspend(() => {
    let body = ""
    return response.forEachChunk((bytes) => (body += Buffer.from(bytes).toString())).pipe(Effect.map(() => body))
  })

describe("sendRequest", () => {
  it.scoped("sends a request again on a fresh socket when its pooled socket was reset before any answer", () =>
    Effect.gen(function*() {
      const { connections, url } = yield* resettingServer
      const agents = yield* makeAgents({ keepAlive: true })
      const post = (body: string) => sendRequest(agents, { method: "POST", url, headers: {}, body }, fail)
      expect(yield* text(yield* post("one"))).toBe("ok")
      // The second goes out on the pooled socket, is reset, and succeeds on a new connection.
      expect(yield* text(yield* post("two"))).toBe("ok")
      expect(connections()).toBe(2)
    }))

  it.scoped("does not send a streamed body twice: the reset is the caller's error", () =>
    Effect.gen(function*() {
      const { connections, url } = yield* resettingServer
      const agents = yield* makeAgents({ keepAlive: true })
      expect(yield* text(yield* sendRequest(agents, { method: "POST", url, headers: {}, body: "one" }, fail))).toBe("ok")
      const streamed = yield* Effect.either(
        sendRequest(agents, { method: "POST", url, headers: {}, body: Readable.from([Buffer.from("two")]) }, fail)
      )
      expect(Either.isLeft(streamed) && streamed.left).toContain("ECONNRESET")
      expect(connections()).toBe(1)
    }))

  it.scoped("an https URL goes through the https pool (an http agent would be refused)", () =>
    Effect.gen(function*() {
      const agents = yield* makeAgents({ keepAlive: true })
      // Nothing listens on port 1: the request gets as far as connecting, so the agent was accepted.
      const refused = yield* Effect.either(sendRequest(agents, { method: "GET", url: "https://127.0.0.1:1/", headers: {}, body: undefined }, fail))
      expect(Either.isLeft(refused) && refused.left).toContain("ECONNREFUSED")
    }))

  it.scopedLive("a deadline fails the exchange with RequestTimedOut, before the answer or mid-body, and is stopped once the answer ends", () =>
    Effect.gen(function*() {
      const { connections, url } = yield* slowServer
      const agents = yield* makeAgents({ keepAlive: true })
      const timedOut = (error: unknown) => error instanceof RequestTimedOut ? `timed out after ${error.timeoutMillis} ms` : String(error)
      const get = (path: string) => sendRequest(agents, { method: "GET", url: `${url}${path}`, headers: {}, body: undefined, timeoutMillis: 200 }, timedOut)
      const textOf = (path: string) =>
        Effect.flatMap(get(path), (response) => {
          let body = ""
          return response.forEachChunk((bytes) => (body += Buffer.from(bytes).toString())).pipe(Effect.map(() => body))
        })
      // No answer at all: the request itself fails.
      expect(yield* Effect.flip(get("/hang"))).toBe("timed out after 200 ms")
      // A head and part of the body: the answer arrives, its body fails at the deadline.
      const stalled = yield* get("/stall")
      expect(stalled.status).toBe(200)
      expect(yield* Effect.flip(stalled.forEachChunk(() => {}))).toBe("timed out after 200 ms")
      // In time: no timer outlives the exchange, and the socket goes back to the pool unharmed.
      const before = timers()
      expect(yield* textOf("/ok")).toBe("ok")
      expect(timers()).toBe(before)
      yield* Effect.sleep(Duration.millis(300))
      expect(yield* textOf("/ok")).toBe("ok")
      expect(connections()).toBe(3)
    }))
})

describe("sendRequest on a kept-alive socket that foreman ends itself", () => {
  // Destroying a pooled socket makes node report ECONNRESET on a reused socket, which is what a
  // stale one looks like: the request was sent again, with no deadline and nobody reading it (a
  // cancelled generation ran on at the target; a webhook attempt hung past its 10 s).
  it.scopedLive("neither the deadline nor an interrupt sends the request again", () =>
    Effect.gen(function*() {
      const { paths, url } = yield* slowServer
      const agents = yield* makeAgents({ keepAlive: true })
      const send = (path: string, timeoutMillis?: number) =>
        sendRequest(agents, { method: "POST", url: `${url}${path}`, headers: {}, body: "{}", ...(timeoutMillis === undefined ? {} : { timeoutMillis }) }, (e) =>
          e instanceof RequestTimedOut ? "timed out" : String(e))
      const ok = Effect.flatMap(send("/ok"), text)
      // The deadline, on the socket the first exchange left in the pool.
      expect(yield* ok).toBe("ok")
      expect(yield* Effect.flip(send("/hang", 200))).toBe("timed out")
      // An interrupt (a cancelled job, a caller gone), likewise.
      expect(yield* ok).toBe("ok")
      const waiting = yield* Effect.fork(send("/hang"))
      yield* Effect.sleep(Duration.millis(200))
      yield* Fiber.interrupt(waiting)
      yield* Effect.sleep(Duration.millis(300))
      expect(paths).toEqual(["/ok", "/hang", "/ok", "/hang"])
    }))
})

describe("describeNetworkError", () => {
  const failure = (message: string, code: string) => Object.assign(new Error(message), { code })

  it("keeps a description on one line: OpenSSL's messages end in a newline that split log records and 502 bodies", () => {
    const tls = failure("804C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:350:\n", "EPROTO")
    expect(describeNetworkError(tls)).toBe("804C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:ssl3_record.c:350: (EPROTO)")
  })

  it("names NODE_EXTRA_CA_CERTS when the peer's certificate chains to no trusted CA, and only then", () => {
    const untrusted = describeNetworkError(failure("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"))
    expect(untrusted).toBe("self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT); trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem")
    expect(isUntrustedCertificate(untrusted)).toBe(true)
    for (const other of [failure("certificate has expired", "CERT_HAS_EXPIRED"), failure("connect ECONNREFUSED 127.0.0.1:9", "ECONNREFUSED")]) {
      expect(isUntrustedCertificate(describeNetworkError(other))).toBe(false)
    }
  })
})
