import { Effect, Ref } from "effect"
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"

export interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly at: number
  /** The sender's port: requests that share it came over one connection. */
  readonly port: number | undefined
}

/**
 * How to answer the nth request (1-based): a status, a redirect, never ("hang"), or a 200 whose
 * body never ends ("stall").
 */
export type Answer = { readonly status: number; readonly location?: string } | "hang" | "stall"

export interface Receiver {
  readonly url: string
  readonly received: Effect.Effect<ReadonlyArray<Received>>
  /** Changes how the next requests are answered. */
  readonly answerWith: (answer: (n: number) => Answer) => Effect.Effect<void>
}

const respond = (res: ServerResponse, answer: Answer) => {
  if (answer === "hang") return
  if (answer === "stall") {
    res.writeHead(200, { "content-type": "text/plain" })
    res.write("half an answer")
    return
  }
  res.writeHead(answer.status, answer.location === undefined ? {} : { location: answer.location })
  res.end()
}

/** A real webhook receiver on 127.0.0.1 (random port) that records every request; closed with the scope. */
export const startReceiver = (initial: (n: number) => Answer = () => ({ status: 200 })) =>
  Effect.gen(function*() {
    const received = yield* Ref.make<ReadonlyArray<Received>>([])
    const answer = yield* Ref.make(initial)
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof createServer>>((resume) => {
        const server = createServer((req, res) => {
          const chunks: Array<Buffer> = []
          req.on("data", (chunk: Buffer) => chunks.push(chunk))
          req.on("end", () => {
            const entry = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now(), port: req.socket.remotePort }
            const all = Effect.runSync(Ref.updateAndGet(received, (list) => [...list, entry]))
            respond(res, Effect.runSync(Ref.get(answer))(all.length))
          })
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return {
      url: `http://127.0.0.1:${port}/hook`,
      received: Ref.get(received),
      answerWith: (next) => Ref.set(answer, next)
    } satisfies Receiver
  })
