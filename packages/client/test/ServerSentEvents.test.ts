import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { serverSentEvents } from "../src/ServerSentEvents.js"

const bytes = (...parts: ReadonlyArray<string>) => Stream.fromIterable(parts.map((part) => new TextEncoder().encode(part)))

const parse = (...parts: ReadonlyArray<string>) =>
  serverSentEvents(bytes(...parts)).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

describe("serverSentEvents", () => {
  it.effect("parses foreman's frames, skipping keep-alive comments", () =>
    Effect.gen(function*() {
      const events = yield* parse(`id: 1\nevent: state\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\nevent: state\ndata: {"a":2}\n\n`)
      expect(events).toEqual([
        { id: "1", event: "state", data: `{"a":1}` },
        { id: "2", event: "state", data: `{"a":2}` }
      ])
    }))

  it.effect("does not care where the chunks split (mid-line, mid-CRLF, mid-UTF-8)", () =>
    Effect.gen(function*() {
      const text = `event: state\r\ndata: {"x":"héllo"}\r\n\r\nevent: state\r\ndata: {"x":2}\r\n\r\n`
      const encoded = new TextEncoder().encode(text)
      for (let cut = 1; cut < encoded.length; cut++) {
        const split = Stream.make(encoded.slice(0, cut), encoded.slice(cut))
        const events = yield* serverSentEvents(split).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
        expect(events.map((e) => e.data), `cut at ${cut}`).toEqual([`{"x":"héllo"}`, `{"x":2}`])
      }
    }))

  it.effect("joins multi-line data, defaults the event name, ignores unknown fields and an unfinished event", () =>
    Effect.gen(function*() {
      const events = yield* parse("retry: 10\ndata: one\ndata:two\n\n", "data: never dispatched")
      expect(events).toEqual([{ id: undefined, event: "message", data: "one\ntwo" }])
    }))
})
