import { Effect, Either } from "effect"
import type { StreamOptions } from "../wire/openai.js"
import { arrayField, boolField, numberField, objectField, stringField } from "../wire/fields.js"
import { badRequest, type OllamaError } from "../wire/OllamaError.js"
import { goKind, isJsonObject, type JsonObject, jsonBodyAs, type RequestBody } from "../wire/RequestBody.js"
import type { Message } from "./chat.js"

// Decoding of the OpenAI request structs (openai/openai.go, v0.12.6) the way
// the /v1 middleware does it: gin's ShouldBindJSON, then FromChatRequest /
// FromCompleteRequest. Every failure here is the middleware's own 400.

/** ShouldBindJSON into openai.<struct>: an empty body is the decoder's bare io.EOF. */
export const openaiBody = (struct: string): Effect.Effect<JsonObject, OllamaError, RequestBody> =>
  jsonBodyAs(`openai.${struct}`, badRequest("EOF"))

/** fmt's %T of a JSON value decoded into `any`. */
export const goTypeName = (value: unknown): string =>
  value === undefined || value === null
    ? "<nil>"
    : typeof value === "string"
    ? "string"
    : typeof value === "number"
    ? "float64"
    : typeof value === "boolean"
    ? "bool"
    : Array.isArray(value)
    ? "[]interface {}"
    : "map[string]interface {}"

/** The `stream_options` pointer; absent means no usage chunk. */
export const streamOptionsOf = (body: JsonObject, where: string): Either.Either<StreamOptions, OllamaError> =>
  Either.flatMap(objectField(body, where, "stream_options", "openai.StreamOptions"), (options) =>
    options === undefined
      ? Either.right({ includeUsage: false })
      : Either.map(
        boolField(options, "StreamOptions.stream_options", "include_usage"),
        (includeUsage) => ({ includeUsage: includeUsage ?? false })
      ))

/** Type checks of number fields the middleware binds but the sim ignores. */
const numbers = (
  body: JsonObject,
  where: string,
  fields: ReadonlyArray<readonly [string, "int" | "float32" | "float64"]>
): Either.Either<void, OllamaError> =>
  Either.map(Either.all(fields.map(([field, goType]) => numberField(body, where, field, goType))), () => undefined)

// --- /v1/chat/completions ---------------------------------------------------

/** An openai.Message as bound, before FromChatRequest flattens it. */
interface BoundMessage {
  readonly role: string
  readonly content: unknown
  /** Each tool call's function.arguments; undefined when tool_calls is absent (a nil slice). */
  readonly toolArguments: ReadonlyArray<string> | undefined
}

const messageWhere = "Message.messages"
const toolCallWhere = "ToolCall.messages.tool_calls"
// reflect's name for ToolCall.Function, an anonymous struct.
const functionType = `struct { Name string "json:\\"name\\""; Arguments string "json:\\"arguments\\"" }`

const mismatch = (value: unknown, field: string, goType: string) =>
  Either.left(badRequest(`json: cannot unmarshal ${goKind(value)} into Go struct field ${field} of type ${goType}`))

const bindToolCall = (value: unknown): Either.Either<string, OllamaError> => {
  if (value === null) return Either.right("")
  if (!isJsonObject(value)) return mismatch(value, "Message.messages.tool_calls", "openai.ToolCall")
  return Either.gen(function*() {
    yield* stringField(value, toolCallWhere, "id")
    yield* numberField(value, toolCallWhere, "index", "int")
    yield* stringField(value, toolCallWhere, "type")
    const fn = value["function"]
    if (fn === undefined || fn === null) return ""
    if (!isJsonObject(fn)) return yield* mismatch(fn, `${toolCallWhere}.function`, functionType)
    // The anonymous struct has no name, so Go prints an empty one.
    yield* stringField(fn, ".messages.tool_calls.function", "name")
    return (yield* stringField(fn, ".messages.tool_calls.function", "arguments")) ?? ""
  })
}

const bindMessage = (value: unknown): Either.Either<BoundMessage, OllamaError> => {
  if (value === null) return Either.right({ role: "", content: undefined, toolArguments: undefined })
  if (!isJsonObject(value)) return mismatch(value, "ChatCompletionRequest.messages", "openai.Message")
  return Either.gen(function*() {
    const role = (yield* stringField(value, messageWhere, "role")) ?? ""
    yield* stringField(value, messageWhere, "reasoning")
    yield* stringField(value, messageWhere, "name")
    yield* stringField(value, messageWhere, "tool_call_id")
    const toolCalls = yield* arrayField(value, messageWhere, "tool_calls", "[]openai.ToolCall")
    const toolArguments = toolCalls === undefined ? undefined : yield* Either.all(toolCalls.map(bindToolCall))
    return { role, content: value["content"], toolArguments }
  })
}

const invalidFormat = badRequest("invalid message format")

/** Tool-call arguments must unmarshal into api.ToolCallFunctionArguments, a map. */
const checkToolArguments = (all: ReadonlyArray<string> | undefined): Either.Either<void, OllamaError> => {
  const valid = (text: string) => {
    const parsed = Either.try((): unknown => JSON.parse(text))
    return Either.isRight(parsed) && (parsed.right === null || isJsonObject(parsed.right))
  }
  return (all ?? []).every(valid) ? Either.void : Either.left(badRequest("invalid tool call arguments"))
}

const imageTypes = ["jpeg", "jpg", "png", "webp"]
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** An image_url part: a data URL of a known image type with valid base64, else an error. */
const checkImage = (part: JsonObject): Either.Either<void, OllamaError> => {
  const field = part["image_url"]
  const url = isJsonObject(field) ? field["url"] : field
  if (typeof url !== "string") return Either.left(invalidFormat)
  const prefix = ["data:;base64,", ...imageTypes.map((type) => `data:image/${type};base64,`)]
    .find((candidate) => url.startsWith(candidate))
  if (prefix === undefined) return Either.left(badRequest("invalid image input"))
  return base64Pattern.test(url.slice(prefix.length).replace(/[\r\n]/g, "")) ? Either.void : Either.left(invalidFormat)
}

/** One content part as FromChatRequest reads it: text becomes a message, an image an empty one. */
const fromPart = (role: string) => (part: unknown): Either.Either<Message, OllamaError> => {
  if (!isJsonObject(part)) return Either.left(invalidFormat)
  switch (part["type"]) {
    case "text": {
      const text = part["text"]
      return typeof text === "string" ? Either.right({ role, content: text }) : Either.left(invalidFormat)
    }
    case "image_url":
      return Either.map(checkImage(part), (): Message => ({ role, content: "" }))
    default:
      return Either.left(invalidFormat)
  }
}

/** openai.FromChatRequest's message conversion. */
const fromMessage = (message: BoundMessage): Either.Either<ReadonlyArray<Message>, OllamaError> => {
  const role = message.role.toLowerCase()
  const { content, toolArguments } = message
  if (typeof content === "string") return Either.map(checkToolArguments(toolArguments), () => [{ role, content }])
  if (Array.isArray(content)) {
    const items: ReadonlyArray<unknown> = content
    return Either.flatMap(Either.all(items.map(fromPart(role))), (parts) =>
      parts.length > 0 && toolArguments !== undefined && toolArguments.length > 0
        ? Either.map(checkToolArguments(toolArguments), () => parts)
        : Either.right(parts))
  }
  // Content may only be left out next to tool calls.
  if (toolArguments === undefined) return Either.left(badRequest(`invalid message content type: ${goTypeName(content)}`))
  return Either.map(checkToolArguments(toolArguments), () => [{ role, content: "" }])
}

const efforts = ["high", "medium", "low", "none"]

export interface ChatCompletionRequest {
  readonly model: string
  readonly messages: ReadonlyArray<Message>
  readonly stream: boolean
  readonly streamOptions: StreamOptions
}

/** ChatMiddleware's decoding: bind, "[] is too short", FromChatRequest. */
export const decodeChatCompletion = Effect.gen(function*() {
  const where = "ChatCompletionRequest"
  const body = yield* openaiBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const bound = yield* Either.all(((yield* arrayField(body, where, "messages", "[]openai.Message")) ?? []).map(bindMessage))
  const stream = (yield* boolField(body, where, "stream")) ?? false
  const streamOptions = yield* streamOptionsOf(body, where)
  yield* numbers(body, where, [
    ["max_tokens", "int"],
    ["seed", "int"],
    ["temperature", "float64"],
    ["frequency_penalty", "float64"],
    ["presence_penalty", "float64"],
    ["top_p", "float64"]
  ])
  const reasoning = yield* objectField(body, where, "reasoning", "openai.Reasoning")
  const reasoningEffort = yield* stringField(body, where, "reasoning_effort")
  const effort = reasoning !== undefined
    ? (yield* stringField(reasoning, "Reasoning.reasoning", "effort")) ?? ""
    : reasoningEffort ?? ""

  if (bound.length === 0) return yield* badRequest("[] is too short - 'messages'")
  const messages = (yield* Either.all(bound.map(fromMessage))).flat()
  if (effort !== "" && !efforts.includes(effort)) {
    return yield* badRequest(`invalid reasoning value: '${effort}' (must be "high", "medium", "low", or "none")`)
  }
  return { model, messages, stream, streamOptions } satisfies ChatCompletionRequest
})

// --- /v1/completions --------------------------------------------------------

export interface CompletionRequest {
  readonly model: string
  readonly prompt: string
  readonly stream: boolean
  readonly streamOptions: StreamOptions
}

/** CompletionsMiddleware's decoding: bind, then FromCompleteRequest's check of `stop`. */
export const decodeCompletion = Effect.gen(function*() {
  const where = "CompletionRequest"
  const body = yield* openaiBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const prompt = (yield* stringField(body, where, "prompt")) ?? ""
  const stream = (yield* boolField(body, where, "stream")) ?? false
  const streamOptions = yield* streamOptionsOf(body, where)
  yield* stringField(body, where, "suffix")
  yield* numbers(body, where, [
    ["frequency_penalty", "float32"],
    ["max_tokens", "int"],
    ["presence_penalty", "float32"],
    ["seed", "int"],
    ["temperature", "float32"],
    ["top_p", "float32"]
  ])
  const stop = body["stop"]
  const stops: ReadonlyArray<unknown> = Array.isArray(stop) ? stop : []
  const bad = stops.findIndex((item) => typeof item !== "string")
  if (bad >= 0) return yield* badRequest(`invalid type for 'stop' field: ${goTypeName(stops[bad])}`)
  return { model, prompt, stream, streamOptions } satisfies CompletionRequest
})

// --- /v1/embeddings ---------------------------------------------------------

export interface EmbeddingRequest {
  readonly model: string
  readonly input: unknown
  readonly dimensions: number | undefined
}

const invalidInput = badRequest("invalid input")

/** EmbeddingsMiddleware's decoding: "" embeds one empty text; no input or [] is refused. */
export const decodeEmbedding = Effect.gen(function*() {
  const where = "EmbedRequest"
  const body = yield* openaiBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const dimensions = yield* numberField(body, where, "dimensions", "int")
  const raw = body["input"]
  const input = raw === "" ? [""] : raw
  if (input === undefined || input === null) return yield* invalidInput
  if (Array.isArray(input) && input.length === 0) return yield* invalidInput
  return { model, input, dimensions } satisfies EmbeddingRequest
})
