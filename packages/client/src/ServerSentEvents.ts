import { Option, Stream } from "effect"

/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  readonly id: string | undefined
  readonly event: string
  readonly data: string
}

interface Pending {
  readonly id: string | undefined
  readonly event: string | undefined
  readonly data: ReadonlyArray<string>
}

const empty: Pending = { id: undefined, event: undefined, data: [] }

/** Feeds one line to the parser; a blank line dispatches the event gathered so far (WHATWG rules). */
const step = (pending: Pending, line: string): readonly [Pending, Option.Option<ServerSentEvent>] => {
  if (line === "") {
    return pending.data.length === 0
      ? [empty, Option.none()]
      : [empty, Option.some({ id: pending.id, event: pending.event ?? "message", data: pending.data.join("\n") })]
  }
  // Comments (foreman's `: keep-alive`) only keep the connection warm.
  if (line.startsWith(":")) return [pending, Option.none()]
  const colon = line.indexOf(":")
  const field = colon === -1 ? line : line.slice(0, colon)
  const raw = colon === -1 ? "" : line.slice(colon + 1)
  const value = raw.startsWith(" ") ? raw.slice(1) : raw
  switch (field) {
    case "data":
      return [{ ...pending, data: [...pending.data, value] }, Option.none()]
    case "event":
      return [{ ...pending, event: value }, Option.none()]
    case "id":
      return [{ ...pending, id: value }, Option.none()]
    default:
      // `retry` and unknown fields: nothing foreman sends means anything to us.
      return [pending, Option.none()]
  }
}

/**
 * Parses a `text/event-stream` body as it arrives: events are emitted as soon as their blank line
 * does, whatever the chunking of the bytes (split lines, `\r\n`, several events in one chunk).
 */
export const serverSentEvents = <E, R>(body: Stream.Stream<Uint8Array, E, R>): Stream.Stream<ServerSentEvent, E, R> =>
  body.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.mapAccum(empty, step),
    Stream.filterMap((event) => event)
  )
