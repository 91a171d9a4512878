import { Effect, Either, Option } from "effect"
import { type InstalledModel, Inventory } from "../models/Inventory.js"
import { parseKeepAlive } from "../wire/goDuration.js"
import { badRequest, type OllamaError } from "../wire/OllamaError.js"
import type { JsonObject } from "../wire/RequestBody.js"

// Pieces of request handling shared by several endpoints.

/** Ollama's default num_ctx (OLLAMA_CONTEXT_LENGTH) in v0.12. */
const defaultContextLength = 4096

export const contextLengthOf = (options: JsonObject | undefined): number => {
  const numCtx = options?.["num_ctx"]
  return typeof numCtx === "number" && numCtx > 0 ? Math.floor(numCtx) : defaultContextLength
}

/** keep_alive in ms; a bad value fails the way decoding the request would. */
export const keepAliveOf = (body: JsonObject): Either.Either<number, OllamaError> =>
  Either.mapLeft(parseKeepAlive(body["keep_alive"]), badRequest)

/** ChatHandler and GenerateHandler refuse a top_logprobs outside 0–20 right after decoding. */
export const checkTopLogprobs = (body: JsonObject): Either.Either<void, OllamaError> => {
  const value = body["top_logprobs"]
  return typeof value === "number" && (value < 0 || value > 20)
    ? Either.left(badRequest("top_logprobs must be between 0 and 20"))
    : Either.void
}

/** The installed model, or the endpoint's own not-found error. */
export const installedModel = <E>(name: string, notFound: (name: string) => E): Effect.Effect<InstalledModel, E, Inventory> =>
  Effect.flatMap(Inventory, (inventory) =>
    Effect.flatMap(inventory.find(name), Option.match({
      onNone: () => Effect.fail(notFound(name)),
      onSome: Effect.succeed
    })))
