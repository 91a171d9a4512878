import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber } from "effect"
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http"
import { type Agents, sendRequest } from "../../src/transport/NodeHttpRequest.js"
import { collectReadable, forEachChunk } from "../../src/transport/ReadableBody.js"
import { Agent as HttpsAgent } from "node:https"
import { PassThrough } from "node:stream"

/** A real server on a random loopback port, answering with `handler`; closed with the scope. */
const serving = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly agent: Agent; readonly agents: Agents; readonly server: Server }>((resume) => {
      const server = createServer(handler)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const agent = new Agent({ keepAlive: true })
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, agent, agents: { http: agent, https: new HttpsAgent() }, server }))
      })
    }),
    (running) =>
      Effect.sync(() => {
        running.agent.destroy()
        running.agents.https.destroy()
        running.server.closeAllConnections()
        running.server.close()
      })
  )

/** The raw response, for the helpers that take a node Readable. */
const get = (url: string, agent: Agent) =>
  Effect.async<IncomingMessage>((resume) => {
    request(url, { agent }, (res) => resume(Effect.succeed(res))).end()
  })

const fail = (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`

describe("ReadableBody", () => {
  it.scoped("hands every chunk over in order and ends with the body", () =>
    Effect.gen(function*() {
      const { agents, url } = yield* serving((_req, res) => {
        res.write("a\n")
        setTimeout(() => res.end("b\n"), 20)
      })
      const response = yield* sendRequest(agents, { method: "GET", url, headers: {}, body: undefined }, fail)
      const seen: Array<string> = []
      yield* response.forEachChunk((bytes) => seen.push(Buffer.from(bytes).toString()))
      expect(seen.join("")).toBe("a\nb\n")
    }))

  it.scoped("a body cut off mid-way fails, after the chunks that did arrive", () =>
    Effect.gen(function*() {
      const { agents, url } = yield* serving((_req, res) => {
        res.writeHead(200, { "content-type": "application/x-ndjson" })
        res.write("{\"part\":1}\n")
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const response = yield* sendRequest(agents, { method: "GET", url, headers: {}, body: undefined }, fail)
      const seen: Array<string> = []
      const result = yield* Effect.either(response.forEachChunk((bytes) => seen.push(Buffer.from(bytes).toString())))
      expect(seen).toEqual(["{\"part\":1}\n"])
      expect(Either.isLeft(result)).toBe(true)
    }))

  it.scoped("a request body whose sender goes away mid-upload fails the read instead of waiting forever", () =>
    Effect.gen(function*() {
      const reading = yield* Deferred.make<void>()
      const outcome = yield* Deferred.make<string>()
      const { url } = yield* serving((req) => {
        Deferred.unsafeDone(reading, Effect.void)
        Effect.runFork(collectReadable(req, 1_000_000, fail).pipe(
          Effect.match({ onFailure: (error) => error, onSuccess: () => "read to the end" }),
          Effect.flatMap((result) => Deferred.succeed(outcome, result))
        ))
      })
      const upload = request(url, { method: "POST", headers: { "content-length": "1000" } })
      upload.on("error", () => undefined)
      upload.write("only part of it")
      yield* Deferred.await(reading)
      upload.destroy()
      expect(yield* Deferred.await(outcome)).toMatch(/^failed: /)
    }))

  it.effect("a stream destroyed without an error (closed by someone else) fails the read too", () =>
    Effect.gen(function*() {
      const stream = new PassThrough()
      stream.write("x")
      setImmediate(() => stream.destroy())
      const result = yield* Effect.either(forEachChunk(stream, () => undefined, fail))
      expect(result).toEqual(Either.left("failed: the stream closed before its end"))
    }))

  it.scoped("interrupting the read closes the connection, so the far end stops sending", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void>()
      const { agents, url } = yield* serving((req, res) => {
        const timer = setInterval(() => res.write("tick\n"), 5)
        req.socket.once("close", () => {
          clearInterval(timer)
          Deferred.unsafeDone(closed, Effect.void)
        })
      })
      const response = yield* sendRequest(agents, { method: "GET", url, headers: {}, body: undefined }, fail)
      const firstChunk = yield* Deferred.make<void>()
      const reading = yield* Effect.fork(response.forEachChunk(() => Deferred.unsafeDone(firstChunk, Effect.void)))
      yield* Deferred.await(firstChunk)
      yield* Fiber.interrupt(reading)
      yield* Deferred.await(closed)
    }))

  it.scoped("collecting past the limit reads on to the end but keeps nothing, so the caller can still answer 413", () =>
    Effect.gen(function*() {
      const { url, agent } = yield* serving((_req, res) => res.end("x".repeat(10_000)))
      const over = yield* collectReadable(yield* get(url, agent), 1_000, fail)
      expect(over).toEqual({ bytes: undefined, size: 10_000 })
      const within = yield* collectReadable(yield* get(url, agent), 10_000, fail)
      expect(within.size).toBe(10_000)
      expect(Buffer.from(within.bytes ?? new Uint8Array()).toString()).toBe("x".repeat(10_000))
    }))
})
