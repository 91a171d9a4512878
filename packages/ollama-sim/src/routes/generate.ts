import { Clock, Effect } from "effect"
import { countWords } from "../generation/answer.js"
import { nativeWire, type ResponseShape, type ResponseWire, runGeneration } from "../generation/runGeneration.js"
import { parseName } from "../models/ModelName.js"
import { Residency } from "../models/Residency.js"
import { failIfInjected } from "../server/Faults.js"
import { arrayField, boolField, objectField, stringField } from "../wire/fields.js"
import { goTime } from "../wire/goTime.js"
import { badRequest, modelNotFound, unsupported } from "../wire/OllamaError.js"
import { jsonBody } from "../wire/RequestBody.js"
import { checkTopLogprobs, contextLengthOf, installedModel, keepAliveOf } from "./requestParts.js"

const where = "GenerateRequest"

// The deprecated "context" of a done line: token ids of prompt and answer.
const contextTokens = (count: number): ReadonlyArray<number> => Array.from({ length: count }, (_, i) => 128000 + i)

/** api.GenerateResponse lines, in Go's field order; raw requests get no context. */
const generateShape = (raw: boolean): ResponseShape => ({
  piece: (model, createdAt, response) => ({ model, created_at: goTime(createdAt), response, done: false }),
  done: (model, createdAt, response, reason, metrics) => ({
    model,
    created_at: goTime(createdAt),
    response,
    done: true,
    done_reason: reason,
    ...(metrics !== undefined && !raw ? { context: contextTokens(metrics.prompt_eval_count + metrics.eval_count) } : {}),
    ...metrics
  }),
  error: (message) => ({ error: message })
})

/** A generate request as GenerateHandler sees it, whichever endpoint decoded it. */
export interface GenerateCall {
  readonly model: string
  readonly prompt: string
  /** The system prompt, counted into the prompt tokens. */
  readonly system: string
  /** raw with a template, system or context: refused after the unload check. */
  readonly rawConflict: boolean
  readonly stream: boolean
  readonly keepAliveMs: number
  readonly contextLength: number
  /** Clock.currentTimeNanos when the request arrived. */
  readonly startedNs: bigint
}

/** GenerateHandler after decoding: model checks, unload, load-only, generation. */
export const generateHandler = <Line>(call: GenerateCall, shape: ResponseShape<Line>, wire: ResponseWire<Line>) =>
  Effect.gen(function*() {
    const { model, prompt } = call
    // Unlike chat, generate answers a missing or invalid model with 404.
    if (parseName(model) === undefined) return yield* modelNotFound(model)
    const installed = yield* installedModel(model, modelNotFound)

    if (prompt === "" && call.keepAliveMs === 0) {
      yield* Effect.flatMap(Residency, (residency) => residency.unload(installed))
      return wire.single(shape.done(model, yield* Clock.currentTimeMillis, "", "unload"))
    }
    if (call.rawConflict) return yield* badRequest("raw mode does not support template, system, or context")
    if (installed.spec.kind !== "generate") return yield* unsupported(model, "generate")

    return yield* runGeneration({
      model,
      installed,
      stream: call.stream,
      keepAliveMs: call.keepAliveMs,
      contextLength: call.contextLength,
      input: prompt === "" ? undefined : prompt,
      promptTokens: Math.max(1, countWords(`${call.system} ${prompt}`)),
      startedNs: call.startedNs
    }, shape, wire)
  })

/** POST /api/generate */
export const generate = Effect.gen(function*() {
  const startedNs = yield* Clock.currentTimeNanos
  yield* failIfInjected
  const body = yield* jsonBody(where)
  const model = (yield* stringField(body, where, "model")) ?? ""
  const prompt = (yield* stringField(body, where, "prompt")) ?? ""
  const system = (yield* stringField(body, where, "system")) ?? ""
  const template = (yield* stringField(body, where, "template")) ?? ""
  const context = yield* arrayField(body, where, "context", "[]int")
  const raw = (yield* boolField(body, where, "raw")) ?? false
  const stream = (yield* boolField(body, where, "stream")) ?? true
  const keepAliveMs = yield* keepAliveOf(body)
  yield* checkTopLogprobs(body)
  const options = yield* objectField(body, where, "options", "map[string]interface {}")
  const rawConflict = raw && (template !== "" || system !== "" || (context !== undefined && context.length > 0))
  return yield* generateHandler(
    { model, prompt, system, rawConflict, stream, keepAliveMs, contextLength: contextLengthOf(options), startedNs },
    generateShape(raw),
    nativeWire
  )
})
