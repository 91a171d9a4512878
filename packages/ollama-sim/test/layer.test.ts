import { expect, layer } from "@effect/vitest"
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
