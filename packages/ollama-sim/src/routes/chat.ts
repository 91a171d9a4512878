import { Clock, Effect, Either } from "effect"
import { countWords } from "../generation/answer.js"
import { nativeWire, type ResponseShape, type ResponseWire, runGeneration } from "../generation/runGeneration.js"
import { parseName } from "../models/ModelName.js"
import { Residency } from "../models/Residency.js"
import { failIfInjected } from "../server/Faults.js"
import { arrayField, boolField, objectField, stringField } from "../wire/fields.js"
import { goTime } from "../wire/goTime.js"
import { badRequest, modelNotFound, modelRequired, type OllamaError, unsupported } from "../wire/OllamaError.js"
import { goKind, isJsonObject, jsonBody } from "../wire/RequestBody.js"
import { checkTopLogprobs, contextLengthOf, installedModel, keepAliveOf } from "./requestParts.js"

/** A message as the handler uses it: role lower-cased, content flattened to text. */
export interface Message {
  readonly role: string
  readonly content: string
}

const where = "ChatRequest"

const decodeMessage = (value: unknown): Either.Either<Message, OllamaError> => {
  if (!isJsonObject(value)) {
    return Either.left(
      badRequest(`json: cannot unmarshal ${goKind(value)} into Go struct field ${where}.messages of type api.Message`)
    )
  }
  return Either.all({
    role: stringField(value, `${where}.messages`, "role"),
    content: stringField(value, `${where}.messages`, "content")
  }).pipe(Either.map(({ content, role }) => ({ role: (role ?? "").toLowerCase(), content: content ?? "" })))
}

/** api.ChatResponse lines, in Go's field order. */
export const chatShape: ResponseShape = {
  piece: (model, createdAt, content) => ({
    model,
    created_at: goTime(createdAt),
    message: { role: "assistant", content },
    done: false
  }),
  done: (model, createdAt, content, reason, metrics) => ({
    model,
    created_at: goTime(createdAt),
    message: { role: "assistant", content },
    done: true,
    done_reason: reason,
    ...metrics
  }),
  error: (message) => ({ error: message })
}

/** A chat request as ChatHandler sees it, whichever endpoint decoded it. */
export interface ChatCall {
  readonly model: string
  readonly messages: ReadonlyArray<Message>
  readonly stream: boolean
  readonly keepAliveMs: number
  readonly contextLength: number
  /** Clock.currentTimeNanos when the request arrived. */
  readonly startedNs: bigint
}

/** ChatHandler after decoding: model checks, unload, load-only, generation. */
export const chatHandler = <Line>(call: ChatCall, shape: ResponseShape<Line>, wire: ResponseWire<Line>) =>
  Effect.gen(function*() {
    const { messages, model } = call
    if (parseName(model) === undefined) return yield* modelRequired
    const installed = yield* installedModel(model, modelNotFound)

    // Nothing to say and keep_alive 0: an unload request.
    if (messages.length === 0 && call.keepAliveMs === 0) {
      yield* Effect.flatMap(Residency, (residency) => residency.unload(installed))
      return wire.single(shape.done(model, yield* Clock.currentTimeMillis, "", "unload"))
    }
    if (installed.spec.kind !== "generate") return yield* unsupported(model, "chat")

    const lastUser = [...messages].reverse().find((message) => message.role === "user")
    return yield* runGeneration({
      model,
      installed,
      stream: call.stream,
      keepAliveMs: call.keepAliveMs,
      contextLength: call.contextLength,
      input: messages.length === 0 ? undefined : lastUser?.content ?? "",
      promptTokens: Math.max(1, messages.reduce((sum, message) => sum + countWords(message.content), 0)),
      startedNs: call.startedNs
    }, shape, wire)
  })

/** POST /api/chat */
export const chat = Effect.gen(function*() {
  const startedNs = yield* Clock.currentTimeNanos
  yield* failIfInjected
  const body = yield* jsonBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const messages = yield* Either.all(((yield* arrayField(body, where, "messages", "[]api.Message")) ?? []).map(decodeMessage))
  const stream = (yield* boolField(body, where, "stream")) ?? true
  const keepAliveMs = yield* keepAliveOf(body)
  yield* checkTopLogprobs(body)
  const options = yield* objectField(body, where, "options", "map[string]interface {}")
  return yield* chatHandler(
    { model, messages, stream, keepAliveMs, contextLength: contextLengthOf(options), startedNs },
    chatShape,
    nativeWire
  )
})
