import { Effect, Option, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { OllamaClient } from "../ollama/OllamaClient.js"
import { Inventory } from "./Inventory.js"

/**
 * Keeps FOREMAN_EMBED_MODEL resident (keep_alive -1): loaded at start and again every time the
 * target comes back, since a target that slept has forgotten it.
 */
export class EmbedWarmer extends Effect.Service<EmbedWarmer>()("foreman/EmbedWarmer", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const ollama = yield* OllamaClient
    const inventory = yield* Inventory

    const warm = (model: string) =>
      ollama.text({ method: "POST", path: "/api/embed", body: JSON.stringify({ model, input: [], keep_alive: -1 }) }).pipe(
        Effect.tap(() => Effect.logInfo("embedding model warmed")),
        Effect.tapError((error) => Effect.logWarning("could not warm the embedding model").pipe(Effect.annotateLogs("error", error.message))),
        Effect.ignore,
        Effect.annotateLogs("model", model)
      )

    if (Option.isSome(config.embedModel)) {
      const model = config.embedModel.value
      // `changes` starts with the current state, so the first healthy state warms it too.
      yield* inventory.changes.pipe(
        Stream.map((s) => s.degraded),
        Stream.changes,
        Stream.filter((degraded) => !degraded),
        Stream.runForEach(() => warm(model)),
        Effect.forkScoped
      )
    }
    return {} as const
  })
}) {}
