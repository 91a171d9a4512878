import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Clock, Effect, Either, Random } from "effect"
import { Inventory } from "../models/Inventory.js"
import { failIfInjected } from "../server/Faults.js"
import { defaultKeepAliveMs } from "../wire/goDuration.js"
import {
  abortResponse,
  chatWire,
  completeWire,
  handlerErrorResponse,
  nativeLines,
  toEmbeddingList,
  toListCompletion,
  toRetrievedModel
} from "../wire/openai.js"
import { modelNotFound, type OllamaError } from "../wire/OllamaError.js"
import { encoded } from "../wire/responses.js"
import { chatHandler } from "./chat.js"
import { embedHandler } from "./embed.js"
import { generateHandler } from "./generate.js"
import { decodeChatCompletion, decodeCompletion, decodeEmbedding } from "./openaiRequest.js"
import { contextLengthOf, installedModel } from "./requestParts.js"

// Ollama's OpenAI-compatible endpoints (server/routes.go, v0.12.6): each is a
// middleware that decodes the OpenAI request, then the native handler, whose
// lines the middleware's writer rewrites. A /v1 generation is therefore a
// generation like any /api/chat one: same residency, counters and faults.

/** The native handler's errors, rewritten by the middleware's writer. */
const native = <R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, OllamaError, R>) =>
  Effect.catchTag(handler, "OllamaError", (error) => Effect.succeed(handlerErrorResponse(error)))

/** Middleware then handler; the middleware's refusals are its own 400s. */
const v1 = <A, R1, R2>(
  decode: Effect.Effect<A, OllamaError, R1>,
  handle: (request: A) => Effect.Effect<HttpServerResponse.HttpServerResponse, OllamaError, R2>
) =>
  Effect.flatMap(
    Effect.either(decode),
    Either.match({
      onLeft: (error) => Effect.succeed(abortResponse(error)),
      onRight: (request) => native(handle(request))
    })
  )

// The middlewares forward neither keep_alive nor num_ctx: the defaults apply.
const defaults = { keepAliveMs: defaultKeepAliveMs, contextLength: contextLengthOf(undefined) } as const

/** rand.Intn(999), as the middlewares number their answers. */
const answerId = (prefix: string) => Effect.map(Random.nextIntBetween(0, 999), (n) => `${prefix}-${n}`)

/** POST /v1/chat/completions: ChatMiddleware + ChatHandler. */
export const chatCompletions = v1(decodeChatCompletion, (request) =>
  Effect.gen(function*() {
    const startedNs = yield* Clock.currentTimeNanos
    const id = yield* answerId("chatcmpl")
    yield* failIfInjected
    return yield* chatHandler(
      { model: request.model, messages: request.messages, stream: request.stream, ...defaults, startedNs },
      nativeLines,
      chatWire(id, request.stream, request.streamOptions)
    )
  }))

/** POST /v1/completions: CompletionsMiddleware + GenerateHandler. */
export const completions = v1(decodeCompletion, (request) =>
  Effect.gen(function*() {
    const startedNs = yield* Clock.currentTimeNanos
    const id = yield* answerId("cmpl")
    yield* failIfInjected
    return yield* generateHandler(
      {
        model: request.model,
        prompt: request.prompt,
        system: "",
        rawConflict: false,
        stream: request.stream,
        ...defaults,
        startedNs
      },
      nativeLines,
      completeWire(id, request.stream, request.streamOptions)
    )
  }))

/** POST /v1/embeddings: EmbeddingsMiddleware + EmbedHandler. */
export const embeddings = v1(decodeEmbedding, (request) =>
  Effect.gen(function*() {
    const startedNs = yield* Clock.currentTimeNanos
    const embedded = yield* embedHandler({
      model: request.model,
      input: request.input,
      dimensions: request.dimensions,
      ...defaults,
      startedNs
    })
    return encoded(toEmbeddingList(request.model, embedded.embeddings, embedded.metrics?.prompt_eval_count ?? 0))
  }))

/** GET /v1/models: ListMiddleware + ListHandler. */
export const listModels = Effect.map(
  Effect.flatMap(Inventory, (inventory) => inventory.list),
  (models) => encoded(toListCompletion(models))
)

/** GET /v1/models/:model: RetrieveMiddleware + ShowHandler. */
export const retrieveModel = Effect.flatMap(HttpRouter.params, (params) => {
  const name = params["model"] ?? ""
  return native(Effect.map(installedModel(name, modelNotFound), (model) => encoded(toRetrievedModel(name, model))))
})
