import type { JobEvent } from "@foreman/domain"
import { Effect } from "effect"
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { createServer as createTlsServer } from "node:https"

export interface ReceivedEvent {
  /** The body exactly as it arrived (what the signatures cover). */
  readonly body: string
  readonly event: JobEvent
  readonly headers: IncomingHttpHeaders
  readonly at: number
  /** The sender's port: requests that share it came over one connection. */
  readonly port: number | undefined
}

/**
 * How to answer a request: a status, a redirect, never ("hang"), or a 200 whose body never ends
 * ("stall").
 */
export type Answer = number | { readonly status: number; readonly location?: string } | "hang" | "stall"

/** Chooses the answer for an event, the nth request (1-based) this receiver got. */
export type Answering = (event: JobEvent, n: number) => Answer

/** A certificate and its key, for a receiver that speaks HTTPS. */
export interface TlsIdentity {
  readonly key: string
  readonly cert: string
}

export interface Receiver {
  readonly url: string
  /** Every request so far, in arrival order (a retry repeats an event). */
  readonly received: ReadonlyArray<ReceivedEvent>
  /** Changes how the next requests are answered. */
  readonly answerWith: (answering: Answering) => Effect.Effect<void>
}

const respond = (response: ServerResponse, answer: Answer) => {
  if (answer === "hang") return
  if (answer === "stall") {
    response.writeHead(200, { "content-type": "text/plain" })
    response.write("half an answer")
    return
  }
  const { status, location } = typeof answer === "number" ? { status: answer, location: undefined } : answer
  response.writeHead(status, location === undefined ? {} : { location })
  response.end()
}

/**
 * A real HTTP webhook receiver on loopback that records every delivery (200 unless told otherwise);
 * closed, connections and all, with the scope. With `tls` it speaks HTTPS at `https://localhost:…`
 * (the name the certificate is for).
 */
export const startReceiver = (initial: Answering = () => 200, tls?: TlsIdentity) =>
  Effect.acquireRelease(
    Effect.async<{ readonly receiver: Receiver; readonly server: Server }>((resume) => {
      const received: Array<ReceivedEvent> = []
      let answering = initial
      const handle = (request: IncomingMessage, response: ServerResponse) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8")
          const event = JSON.parse(body) as JobEvent
          received.push({ body, event, headers: request.headers, at: Date.now(), port: request.socket.remotePort })
          respond(response, answering(event, received.length))
        })
      }
      const server = tls === undefined ? createServer(handle) : createTlsServer(tls, handle)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const url = tls === undefined ? `http://127.0.0.1:${port}/hook` : `https://localhost:${port}/hook`
        const receiver: Receiver = {
          url,
          received,
          answerWith: (next) => Effect.sync(() => {
            answering = next
          })
        }
        resume(Effect.succeed({ receiver, server }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ receiver }) => receiver))

/** Distinct events per job in the order they happened (event ids are monotonic ULIDs). */
export const eventsByJob = (received: ReadonlyArray<ReceivedEvent>) => {
  const byId = new Map<string, ReceivedEvent>()
  for (const r of received) byId.set(r.event.event_id, r)
  const byJob = new Map<string, Array<JobEvent>>()
  for (const r of [...byId.values()].sort((a, b) => a.event.event_id.localeCompare(b.event.event_id))) {
    byJob.set(r.event.job_id, [...(byJob.get(r.event.job_id) ?? []), r.event])
  }
  return byJob
}
