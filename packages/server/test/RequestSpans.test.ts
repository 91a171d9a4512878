import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { OllamaSim } from "@foreman/ollama-sim"
import { postJson, startForeman, text } from "./support/foreman.js"
import { recordingTracer } from "./support/recordingTracer.js"

describe("spans per request", () => {
  // ADR-0037: foreman exports no traces, so the platform's server span (URL parsed and printed,
  // every header redacted into an attribute) is skipped; foreman's own spans stay.
  it.live("a request opens foreman's own spans and no platform server span", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      // The sim runs in this process too: started outside the recording, its server spans are not counted.
      const sim = yield* OllamaSim.start({})
      const foreman = yield* startForeman({ target: sim }).pipe(Effect.withTracer(tracer))
      const chat = yield* postJson(`${foreman.url}/api/chat`, {
        model: "llama3.2:1b",
        stream: false,
        messages: [{ role: "user", content: "hi" }]
      })
      expect(chat.status).toBe(200)
      yield* text(chat)
      const tags = yield* Effect.promise(() => fetch(`${foreman.url}/api/tags`))
      expect(tags.status).toBe(200)
      yield* text(tags)

      const names = spans.map((span) => span.name)
      expect(names).toContain("SyncGeneration.handle")
      expect(Option.fromNullable(spans.find((span) => span.kind === "server"))).toEqual(Option.none())
      expect(names.filter((name) => name.startsWith("http.server"))).toEqual([])
    }).pipe(Effect.scoped))
})
