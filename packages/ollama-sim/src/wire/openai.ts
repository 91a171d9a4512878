import { Stream } from "effect"
import type { ResponseShape, ResponseWire } from "../generation/runGeneration.js"
import type { InstalledModel } from "../models/Inventory.js"
import { parseName } from "../models/ModelName.js"
import { goJson } from "./goJson.js"
import type { OllamaError } from "./OllamaError.js"
import { encoded, eventStream, json } from "./responses.js"

// Ollama's OpenAI compatibility layer (openai/openai.go and middleware/openai.go,
// v0.12.6): the /v1 middleware decodes the OpenAI request, runs the native
// handler, and rewrites each line the handler writes. Objects below are built
// in the Go structs' field order, so the bytes match.

/** The values of a native api.ChatResponse / api.GenerateResponse line the /v1 writers read back. */
export interface NativeLine {
  readonly model: string
  /** Epoch ms. */
  readonly createdAt: number
  readonly content: string
  readonly done: boolean
  /** "" until the done line. */
  readonly doneReason: string
  readonly promptEvalCount: number
  readonly evalCount: number
}

/** Native lines as values, for the /v1 wires to convert. */
export const nativeLines: ResponseShape<NativeLine> = {
  piece: (model, createdAt, content) => ({
    model,
    createdAt,
    content,
    done: false,
    doneReason: "",
    promptEvalCount: 0,
    evalCount: 0
  }),
  done: (model, createdAt, content, reason, metrics) => ({
    model,
    createdAt,
    content,
    done: true,
    doneReason: reason,
    promptEvalCount: metrics?.prompt_eval_count ?? 0,
    evalCount: metrics?.eval_count ?? 0
  })
}

const fingerprint = "fp_ollama"

/** time.Time.Unix(): whole seconds. */
const unix = (epochMs: number): number => Math.floor(epochMs / 1000)

/** A *string finish_reason: null until the done line. */
const finishReason = (reason: string): string | null => (reason === "" ? null : reason)

/** openai.NewError: the type follows the status code it is given. */
export const errorBody = (status: number, message: string) => ({
  error: {
    message,
    type: status === 400 ? "invalid_request_error" : status === 404 ? "not_found_error" : "api_error",
    param: null,
    code: null
  }
})

/** The middleware's own refusals (c.AbortWithStatusJSON before the handler runs): gin's c.JSON. */
export const abortResponse = (error: OllamaError) => json(errorBody(error.status, error.message), error.status)

/**
 * A native handler's {"error": …} as BaseWriter.writeError rewrites it: the
 * handler's status, but always NewError(500, …)'s "api_error", encoder-written.
 */
export const handlerErrorResponse = (error: OllamaError) => encoded(errorBody(500, error.message), error.status)

/** openai.Usage */
const usageOf = (line: NativeLine) => ({
  prompt_tokens: line.promptEvalCount,
  completion_tokens: line.evalCount,
  total_tokens: line.promptEvalCount + line.evalCount
})

const zeroUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

/** openai.ToChatCompletion */
const toChatCompletion = (id: string, line: NativeLine) => ({
  id,
  object: "chat.completion",
  created: unix(line.createdAt),
  model: line.model,
  system_fingerprint: fingerprint,
  choices: [{
    index: 0,
    message: { role: "assistant", content: line.content },
    finish_reason: finishReason(line.doneReason)
  }],
  usage: usageOf(line)
})

/** openai.ToChunk: every delta names the role. */
const toChunk = (id: string, line: NativeLine) => ({
  id,
  object: "chat.completion.chunk",
  created: unix(line.createdAt),
  model: line.model,
  system_fingerprint: fingerprint,
  choices: [{
    index: 0,
    delta: { role: "assistant", content: line.content },
    finish_reason: finishReason(line.doneReason)
  }]
})

/** openai.ToCompletion */
const toCompletion = (id: string, line: NativeLine) => ({
  id,
  object: "text_completion",
  created: unix(line.createdAt),
  model: line.model,
  system_fingerprint: fingerprint,
  choices: [{ text: line.content, index: 0, finish_reason: finishReason(line.doneReason) }],
  usage: usageOf(line)
})

/** openai.ToCompleteChunk; note CompletionChunk puts choices before model. */
const toCompleteChunk = (id: string, line: NativeLine) => ({
  id,
  object: "text_completion",
  created: unix(line.createdAt),
  choices: [{ text: line.content, index: 0, finish_reason: finishReason(line.doneReason) }],
  model: line.model,
  system_fingerprint: fingerprint
})

/** stream_options.include_usage */
export interface StreamOptions {
  readonly includeUsage: boolean
}

/** The events one native line becomes: its chunk, and after the done line the usage chunk and [DONE]. */
const eventsOf = (
  chunk: object,
  line: NativeLine,
  usageChunk: () => object,
  options: StreamOptions
): ReadonlyArray<string> =>
  line.done
    ? [goJson(chunk), ...(options.includeUsage ? [goJson(usageChunk())] : []), "[DONE]"]
    : [goJson(chunk)]

const sseWire = (
  stream: boolean,
  events: (line: NativeLine) => ReadonlyArray<string>,
  whole: (line: NativeLine) => object
): ResponseWire<NativeLine> => ({
  // The writer keys off the request's stream flag, so a load-only answer streams too.
  single: (line) => (stream ? eventStream(Stream.fromIterable(events(line))) : encoded(whole(line))),
  stream: (lines) => eventStream(Stream.mapConcat(lines, events))
})

/** middleware.ChatWriter; the usage chunk is the done chunk with no choices. */
export const chatWire = (id: string, stream: boolean, options: StreamOptions): ResponseWire<NativeLine> =>
  sseWire(
    stream,
    (line) => {
      const chunk = toChunk(id, line)
      return eventsOf(chunk, line, () => ({ ...chunk, choices: [], usage: usageOf(line) }), options)
    },
    (line) => toChatCompletion(id, line)
  )

/** middleware.CompleteWriter: with include_usage every chunk carries a zero usage. */
export const completeWire = (id: string, stream: boolean, options: StreamOptions): ResponseWire<NativeLine> =>
  sseWire(
    stream,
    (line) => {
      const chunk = toCompleteChunk(id, line)
      return eventsOf(
        options.includeUsage ? { ...chunk, usage: zeroUsage } : chunk,
        line,
        () => ({ ...chunk, choices: [], usage: usageOf(line) }),
        options
      )
    },
    (line) => toCompletion(id, line)
  )

/** openai.Model; owned_by is the name's namespace ("library" for official models). */
const toModel = (id: string, modifiedAt: number) => ({
  id,
  object: "model",
  created: unix(modifiedAt),
  owned_by: parseName(id)?.namespace ?? ""
})

/** openai.ToListCompletion: an empty list leaves data a nil slice, so null. */
export const toListCompletion = (models: ReadonlyArray<InstalledModel>) => ({
  object: "list",
  data: models.length === 0 ? null : models.map((model) => toModel(model.name, model.modifiedAt))
})

/** openai.ToModel: the id is the name as requested. */
export const toRetrievedModel = (requested: string, model: InstalledModel) => toModel(requested, model.modifiedAt)

/** openai.ToEmbeddingList */
export const toEmbeddingList = (
  model: string,
  embeddings: ReadonlyArray<ReadonlyArray<number>>,
  promptEvalCount: number
) => ({
  object: "list",
  data: embeddings.length === 0
    ? null
    : embeddings.map((embedding, index) => ({ object: "embedding", embedding, index })),
  model,
  usage: { prompt_tokens: promptEvalCount, total_tokens: promptEvalCount }
})
