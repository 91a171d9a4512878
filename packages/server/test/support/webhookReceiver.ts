import type { JobEvent } from "@foreman/domain"
import { Effect } from "effect"
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer as createTlsServer } from "node:https"

export interface ReceivedEvent {
  readonly body: string
  readonly event: JobEvent
  readonly headers: IncomingHttpHeaders
}

/** A certificate and its key, for a receiver that speaks HTTPS. */
export interface TlsIdentity {
  readonly key: string
  readonly cert: string
}

/**
 * A real HTTP webhook receiver on loopback that records every delivery (200 unless told otherwise).
 * With `tls` it speaks HTTPS at `https://localhost:…` (the name the certificate is for).
 */
export const startReceiver = (answer: (event: JobEvent) => number = () => 200, tls?: TlsIdentity) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly received: Array<ReceivedEvent>; readonly close: () => void }>((resume) => {
      const received: Array<ReceivedEvent> = []
      const handle = (request: IncomingMessage, response: ServerResponse) => {
        let body = ""
        request.on("data", (chunk: Buffer) => (body += chunk.toString()))
        request.on("end", () => {
          const event = JSON.parse(body) as JobEvent
          received.push({ body, event, headers: request.headers })
          response.writeHead(answer(event)).end()
        })
      }
      const server = tls === undefined ? createServer(handle) : createTlsServer(tls, handle)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        const url = tls === undefined ? `http://127.0.0.1:${port}/hook` : `https://localhost:${port}/hook`
        resume(Effect.succeed({ url, received, close: () => server.close() }))
      })
    }),
    (receiver) => Effect.sync(() => receiver.close())
  )

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
