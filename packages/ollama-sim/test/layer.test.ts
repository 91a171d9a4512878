import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim } from "../src/index.js"
import { json, send } from "./support.js"

// The sim as a Layer, for suites that share one instance; real clock, since it does real I/O.
layer(OllamaSim.layer({ models: ["llama3.2:1b"], embedModels: [] }), { excludeTestServices: true })("OllamaSim.layer", (it) => {
  it.effect("serves from the provided sim", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim
      expect(yield* Effect.flatMap(send(sim, "/api/version"), json)).toEqual({ version: "0.12.6" })
    }))
})

describe("OllamaSim.start", () => {
  // node's listen() throws on such a port rather than emitting "error"; that was a defect and a stack trace.
  it.scopedLive("a port it cannot listen on fails with SimListenError, for every reason node refuses it", () =>
    Effect.gen(function*() {
      const taken = yield* OllamaSim.start()
      for (const port of [99999, -1, Number(new URL(taken.url).port)]) {
        const failure = yield* Effect.flip(OllamaSim.start({ port }))
        expect([port, failure._tag]).toEqual([port, "SimListenError"])
      }
    }))
})
