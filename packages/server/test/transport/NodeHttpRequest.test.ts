import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { createServer, type Server } from "node:http"
import type { Socket } from "node:net"
import { Readable } from "node:stream"
import { makeAgents, sendRequest } from "../../src/transport/NodeHttpRequest.js"

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
})
