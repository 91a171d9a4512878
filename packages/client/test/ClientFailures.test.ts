import { describe, expect, it } from "@effect/vitest"
import type { SubmitJob } from "@foreman/domain"
import { Clock, type Duration, Effect, Stream } from "effect"
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http"
import { startForeman } from "../../server/test/support/foreman.js"
import { silentServer } from "../../server/test/support/silentServer.js"
import { ForemanClient } from "../src/ForemanClient.js"

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const chat = (content: string): SubmitJob => ({ model: "llama3.2:1b", messages: [{ role: "user", content }] })
const ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

const withClient = <A, E>(url: string, f: (client: ForemanClient) => Effect.Effect<A, E>, requestTimeout?: Duration.DurationInput) =>
  Effect.flatMap(ForemanClient, f).pipe(Effect.provide(ForemanClient.layer({ url, requestTimeout })))

// Test servers keep to a block of loopback ports of their own, away from anything else running.
const listen = (handler: Handler) =>
  Effect.async<ReturnType<typeof createServer>, Error>((resume) => {
    const server = createServer(handler)
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen(45000 + Math.floor(Math.random() * 1000), "127.0.0.1", () => resume(Effect.succeed(server)))
  }).pipe(Effect.retry({ times: 20 }))

/** A tiny HTTP server on loopback for the length of the scope; its connections are cut on release. */
const tinyServer = (handler: Handler) =>
  Effect.acquireRelease(Effect.orDie(listen(handler)), (server) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })).pipe(Effect.map((server) => {
      const address = server.address()
      return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    }))

/** Answers every request the same way, counting them. */
const answering = (status: number, contentType: string, body: string) => {
  const seen: Array<string> = []
  const handler: Handler = (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    res.writeHead(status, { "content-type": contentType }).end(body)
  }
  return { seen, handler }
}

/**
 * A proxy to foreman that freezes the job's event streams: it answers their headers, passes a few
 * heartbeats, then nothing at all while keeping the connection open. Everything else goes through.
 */
const freezingProxy = (target: string, heartbeats: number): Handler => (req, res) => {
  if (req.url?.endsWith("/events") === true) {
    res.writeHead(200, { "content-type": "text/event-stream" }).flushHeaders()
    let sent = 0
    const timer = setInterval(() => (sent++ < heartbeats ? res.write(": keep-alive\n\n") : clearInterval(timer)), 100)
    res.once("close", () => clearInterval(timer))
    return
  }
  const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  req.pipe(upstream)
}

describe("ForemanClient when the answers are not foreman's", () => {
  // Without a limit each call waited out undici's 300 s headers timeout.
  it.live("a daemon that takes the connection and never answers is unreachable after requestTimeout", () =>
    Effect.gen(function*() {
      const { url } = yield* silentServer
      const start = yield* Clock.currentTimeMillis
      const failures = yield* withClient(url, (client) =>
        Effect.all([
          Effect.flip(client.health),
          Effect.flip(client.submit(chat("anyone?"))),
          Effect.flip(client.list()),
          Effect.flip(client.get(ulid)),
          Effect.flip(client.cancel(ulid)),
          Effect.flip(client.ps),
          Effect.flip(client.tags)
        ], { concurrency: "unbounded" }), "300 millis").pipe(Effect.timeout("10 seconds"))
      expect(failures.map((failure) => [failure._tag, failure.message])).toEqual(
        Array(7).fill(["DaemonUnreachable", `cannot reach foreman at ${url}: no answer within 300ms`])
      )
      expect((yield* Clock.currentTimeMillis) - start).toBeLessThan(5000)
    }).pipe(Effect.scoped))

  it.live("an event stream gone silent behind a frozen proxy counts as cut short: wait falls back to polling", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const proxy = yield* tinyServer(freezingProxy(foreman.url, 6))
      yield* withClient(proxy, (client) =>
        Effect.gen(function*() {
          const id = yield* client.submit(chat("through a frozen proxy"))
          // Heartbeats alone keep the stream open past the idle time (6 × 100 ms); silence then ends it.
          const start = yield* Clock.currentTimeMillis
          const stalled = yield* Effect.flip(Stream.runDrain(client.events(id, { idleTimeout: "500 millis" }))).pipe(
            Effect.timeout("5 seconds")
          )
          expect([stalled._tag, stalled.message]).toEqual(["DaemonError", "the event stream passed nothing, not even a heartbeat, for 500ms"])
          expect((yield* Clock.currentTimeMillis) - start).toBeGreaterThanOrEqual(1000)

          const job = yield* client.wait(id, { idleTimeout: "500 millis", pollInterval: "20 millis" }).pipe(Effect.timeout("5 seconds"))
          expect(job).toMatchObject({ id, state: "done" })
        }))
    }).pipe(Effect.scoped))

  it.live("Ollama's 404 page and a proxy's HTML page are shown as HTTP status and body, not a schema dump", () =>
    Effect.gen(function*() {
      // FOREMAN_URL pointing at Ollama itself: Go's plain-text 404 on every foreman route.
      const ollama = yield* tinyServer(answering(404, "text/plain", "404 page not found").handler)
      const failures = yield* withClient(ollama, (client) =>
        Effect.all([
          Effect.flip(client.get(ulid)),
          Effect.flip(client.cancel(ulid)),
          Effect.flip(client.submit(chat("lost"))),
          Effect.flip(client.wait(ulid)),
          Effect.flip(client.list())
        ]))
      expect(failures.map((failure) => [failure._tag, failure.message])).toEqual(
        Array(5).fill(["DaemonError", "HTTP 404: 404 page not found"])
      )

      const portal = yield* tinyServer(answering(200, "text/html", "  <html>sign in to the wifi</html>\n").handler)
      const signIn = yield* withClient(portal, (client) => Effect.flip(client.get(ulid)))
      expect(signIn.message).toBe("HTTP 200: <html>sign in to the wifi</html>")
      expect(signIn.message).not.toMatch(/Encoded side|transformation|Expected/)
    }).pipe(Effect.scoped))

  // `python3 -m http.server` at FOREMAN_URL: the whole 13-line page went to stderr.
  it.live("a longer answer is one line: a page by its type and size, other text collapsed and cut at 120 characters", () =>
    Effect.gen(function*() {
      const page = `<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n<p>Error code: 404</p>\n</body>\n</html>\n`
      const pythonServer = yield* tinyServer(answering(404, "text/html;charset=utf-8", page).handler)
      const notFound = yield* withClient(pythonServer, (client) => Effect.flip(client.health))
      expect(notFound.message).toBe(
        `HTTP 404: the answer was not foreman's JSON but a page (text/html, ${page.length} bytes): is FOREMAN_URL foreman's address?`
      )

      const proxy = yield* tinyServer(answering(502, "text/plain", "Bad gateway:\n   upstream   refused\n").handler)
      expect((yield* withClient(proxy, (client) => Effect.flip(client.list()))).message).toBe("HTTP 502: Bad gateway: upstream refused")

      const chatty = yield* tinyServer(answering(500, "text/plain", `${"word ".repeat(60)}\nand more`).handler)
      const long = yield* withClient(chatty, (client) => Effect.flip(client.get(ulid)))
      expect(long.message).toBe(`HTTP 500: ${"word ".repeat(60).slice(0, 119)}…`)
    }).pipe(Effect.scoped))

  it.live("malformed job ids and payloads are refused as BadRequest before anything is sent", () =>
    Effect.gen(function*() {
      const server = answering(404, "text/plain", "404 page not found")
      const url = yield* tinyServer(server.handler)
      yield* withClient(url, (client) =>
        Effect.gen(function*() {
          for (const id of ["", "a/b", "a?b=1", `${ulid}/events`]) {
            const refusals = yield* Effect.all([
              Effect.flip(client.get(id)),
              Effect.flip(client.cancel(id)),
              Effect.flip(client.wait(id)),
              Effect.flip(Stream.runDrain(client.events(id)))
            ])
            for (const refused of refusals) {
              expect([refused._tag, refused.message]).toEqual(["BadRequest", `"${id}" is not a job id (a 26-character ULID)`])
            }
          }
          // What a JavaScript caller can pass despite the types.
          const noModel = chat("no model")
          Reflect.deleteProperty(noModel, "model")
          const embed = chat("embed")
          Reflect.set(embed, "endpoint", "embed")
          const refusals = yield* Effect.all([Effect.flip(client.submit(noModel)), Effect.flip(client.submit(embed))])
          expect(refusals.map((refused) => [refused._tag, refused.message])).toEqual([
            ["BadRequest", "model is required"],
            ["BadRequest", `endpoint must be "chat" or "generate", got "embed"`]
          ])
          expect(server.seen).toEqual([])
          // ULIDs are case-insensitive: a lower-cased id is sent as is.
          yield* Effect.flip(client.get(ulid.toLowerCase()))
          expect(server.seen).toEqual([`GET /jobs/${ulid.toLowerCase()}`])
        }))
    }).pipe(Effect.scoped))
})
