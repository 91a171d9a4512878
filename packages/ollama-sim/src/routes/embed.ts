import { Clock, Effect } from "effect"
import { countWords } from "../generation/answer.js"
import { embeddingOf } from "../generation/embedding.js"
import { parseName } from "../models/ModelName.js"
import { Residency } from "../models/Residency.js"
import { objectField, stringField } from "../wire/fields.js"
import { badRequest, modelNotPulled, modelRequired } from "../wire/OllamaError.js"
import { jsonBody } from "../wire/RequestBody.js"
import { json } from "../wire/responses.js"
import { contextLengthOf, installedModel, keepAliveOf } from "./requestParts.js"

// Embeddings run concurrently with everything: no generation accounting here.

const invalidInput = badRequest("invalid input type")

const inputsOf = (input: unknown): Effect.Effect<ReadonlyArray<string>, typeof invalidInput> => {
  if (input === undefined || input === null) return Effect.succeed([])
  if (typeof input === "string") return Effect.succeed(input === "" ? [] : [input])
  if (Array.isArray(input)) {
    const texts = input.filter((item): item is string => typeof item === "string")
    return texts.length === input.length ? Effect.succeed(texts) : Effect.fail(invalidInput)
  }
  return Effect.fail(invalidInput)
}

/** Loads the model for the request's scope; returns the load time in ns. */
const holdModel = (model: string, keepAliveMs: number, contextLength: number) =>
  Effect.gen(function*() {
    if (parseName(model) === undefined) return yield* modelRequired
    const installed = yield* installedModel(model, modelNotPulled)
    const residency = yield* Residency
    return yield* residency.hold(installed, keepAliveMs, contextLength)
  })

/** An embed request as EmbedHandler sees it, whichever endpoint decoded it. */
export interface EmbedCall {
  readonly model: string
  /** The request's input, still undecoded: a string or an array of strings. */
  readonly input: unknown
  readonly keepAliveMs: number
  readonly contextLength: number
  readonly dimensions: number | undefined
  /** Clock.currentTimeNanos when the request arrived. */
  readonly startedNs: bigint
}

/** api.EmbedResponse's values; no metrics when there was nothing to embed. */
export interface Embedded {
  readonly model: string
  readonly embeddings: ReadonlyArray<ReadonlyArray<number>>
  readonly metrics?: {
    readonly total_duration: number
    readonly load_duration: number
    readonly prompt_eval_count: number
  }
}

/** EmbedHandler after decoding: input check, model load, one vector per input. */
export const embedHandler = (call: EmbedCall) =>
  Effect.gen(function*() {
    const inputs = yield* inputsOf(call.input)
    const loadNs = yield* holdModel(call.model, call.keepAliveMs, call.contextLength)
    if (inputs.length === 0) return { model: call.model, embeddings: [] } satisfies Embedded
    const doneNs = yield* Clock.currentTimeNanos
    return {
      model: call.model,
      embeddings: inputs.map((text) => embeddingOf(text, call.dimensions)),
      metrics: {
        total_duration: Math.max(1, Number(doneNs - call.startedNs)),
        load_duration: Math.max(1, loadNs),
        prompt_eval_count: inputs.reduce((sum, text) => sum + Math.max(1, countWords(text)), 0)
      }
    } satisfies Embedded
  })

/** POST /api/embed */
export const embed = Effect.gen(function*() {
  const startedNs = yield* Clock.currentTimeNanos
  const where = "EmbedRequest"
  const body = yield* jsonBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const keepAliveMs = yield* keepAliveOf(body)
  const options = yield* objectField(body, where, "options", "map[string]interface {}")
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : undefined
  const embedded: Embedded = yield* embedHandler({
    model,
    input: body["input"],
    keepAliveMs,
    contextLength: contextLengthOf(options),
    dimensions,
    startedNs
  })
  return json({ model: embedded.model, embeddings: embedded.embeddings, ...embedded.metrics })
})

/** POST /api/embeddings (the older, single-prompt endpoint) */
export const embeddings = Effect.gen(function*() {
  const where = "EmbeddingRequest"
  const body = yield* jsonBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const prompt = (yield* stringField(body, where, "prompt")) ?? ""
  const keepAliveMs = yield* keepAliveOf(body)
  const options = yield* objectField(body, where, "options", "map[string]interface {}")

  yield* holdModel(model, keepAliveMs, contextLengthOf(options))
  return json({ embedding: prompt === "" ? [] : embeddingOf(prompt) })
})
