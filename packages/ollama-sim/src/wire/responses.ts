import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Stream } from "effect"
import { goJson } from "./goJson.js"

// gin's c.JSON content type; the NDJSON one is set by Ollama's streamResponse.
const jsonContentType = "application/json; charset=utf-8"
const ndjsonContentType = "application/x-ndjson"
const encoder = new TextEncoder()

export const json = (body: unknown, status = 200, contentType = jsonContentType) =>
  HttpServerResponse.text(goJson(body), { status, contentType })

export const errorJson = (status: number, message: string) => json({ error: message }, status)

/** No body, with the Content-Length: 0 Go sends (node would otherwise go chunked). */
export const empty = (status: number) => HttpServerResponse.empty({ status, headers: { "content-length": "0" } })

/** A 200 with no body, as Ollama answers delete and copy. */
export const emptyOk = empty(200)

export const text = (body: string, status = 200, contentType = "text/plain; charset=utf-8") =>
  HttpServerResponse.text(body, { status, contentType })

/** One JSON object per line, flushed as produced. */
export const ndjson = <E>(lines: Stream.Stream<unknown, E>) =>
  HttpServerResponse.stream(
    Stream.map(lines, (line) => encoder.encode(`${goJson(line)}\n`)),
    { contentType: ndjsonContentType }
  )

/** json.NewEncoder(w).Encode, as Ollama's /v1 writers answer: bare application/json and a trailing newline. */
export const encoded = (body: unknown, status = 200) =>
  HttpServerResponse.text(`${goJson(body)}\n`, { status, contentType: "application/json" })

/** Server-sent events as the /v1 writers frame them: one "data: <payload>\n\n" per event, flushed as produced. */
export const eventStream = <E>(events: Stream.Stream<string, E>) =>
  HttpServerResponse.stream(
    Stream.map(events, (data) => encoder.encode(`data: ${data}\n\n`)),
    { contentType: "text/event-stream" }
  )
