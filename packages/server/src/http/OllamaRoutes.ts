import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { Inventory } from "../inventory/Inventory.js"
import { jsonContentType } from "./OllamaResponses.js"
import { SyncGeneration } from "./SyncGeneration.js"

/** The native Ollama surface, registered as raw routes beside foreman's HttpApi. */
export const OllamaRoutesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const inventory = yield* Inventory
    const generation = yield* SyncGeneration

    const cached = (pick: (s: { readonly tagsBody: string; readonly psBody: string }) => string) =>
      Effect.map(inventory.get, (s) => HttpServerResponse.text(pick(s), { contentType: jsonContentType }))

    yield* router.post("/api/chat", generation.handle("chat"))
    yield* router.post("/api/generate", generation.handle("generate"))
    yield* router.get("/api/tags", cached((s) => s.tagsBody))
    yield* router.head("/api/tags", cached((s) => s.tagsBody))
    yield* router.get("/api/ps", cached((s) => s.psBody))
  })
).pipe(Layer.provide([SyncGeneration.Default]))
