import type { JobApi, JobEndpoint } from "@foreman/domain"
import { Either } from "effect"
import { fieldOf, isObject } from "./GoFields.js"
import { requestTypeProblem } from "./GoRequestTypes.js"
import { isZeroKeepAlive, keepAliveProblem } from "./KeepAlive.js"
import { openAiChatProblem, openAiCompletionProblem } from "./OpenAiConversion.js"

export interface GenerationFields {
  readonly model: string
  readonly stream: boolean
  readonly hasKeepAlive: boolean
  /** What the request asks the model to be able to do, which Ollama checks before loading it. */
  readonly needs: ModelNeeds
}

/** The fields foreman reads from a generation's body: each must be spelled one way only. */
const readFields = [
  "model",
  "stream",
  "keep_alive",
  "messages",
  "prompt",
  "options",
  "top_logprobs",
  "think",
  "tools",
  "suffix",
  "reasoning",
  "reasoning_effort"
] as const

/**
 * Go's decoder assigns keys in the order the text has them, so `{"model":"a","Model":"b","model":"a"}`
 * is model "a" to Ollama; JSON.parse keeps a repeated key where it first appeared, losing that
 * order, and the model foreman queued (or passed through as a cloud one) could differ from the
 * one the target runs. Such a body is refused.
 */
const ambiguousField = (body: Readonly<Record<string, unknown>>): string | undefined => {
  const spellings = new Map<string, number>()
  for (const key of Object.keys(body)) {
    const folded = key.toLowerCase()
    spellings.set(folded, (spellings.get(folded) ?? 0) + 1)
  }
  return readFields.find((name) => (spellings.get(name) ?? 0) > 1)
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)

/**
 * A native chat with no messages or a generate with no prompt: Ollama only loads (or unloads) the
 * model. Each endpoint reads only its own field (ChatRequest has no prompt, GenerateRequest no
 * messages), so a stray one changes nothing.
 */
export const nothingToGenerate = (request: Readonly<Record<string, unknown>>, endpoint: JobEndpoint): boolean =>
  isEmpty(fieldOf(request, endpoint === "chat" ? "messages" : "prompt"))

/** A native request that only unloads the model: nothing to generate and `keep_alive` 0 (Ollama's expireRunner). */
export const onlyUnloads = (request: Readonly<Record<string, unknown>>, api: JobApi, endpoint: JobEndpoint): boolean =>
  api === "native" && nothingToGenerate(request, endpoint) && isZeroKeepAlive(fieldOf(request, "keep_alive"))

/** The capabilities a request needs, as ChatHandler and GenerateHandler derive them. */
export interface ModelNeeds {
  /** Everything but an unload, which Ollama answers before it looks at any capability. */
  readonly completion: boolean
  /** Tools given (chat). */
  readonly tools: boolean
  /** Thinking asked for: `think` true or a level (ThinkValue.Bool), or an OpenAI reasoning effort above none. */
  readonly thinking: boolean
  /** A `suffix` to fill in before (generate). */
  readonly insert: boolean
}

const nonEmptyArray = (value: unknown) => Array.isArray(value) && value.length > 0

/** api.ThinkValue.Bool: true, or one of the levels. */
const thinkingAskedFor = (think: unknown) => think === true || (typeof think === "string" && ["high", "medium", "low", "max"].includes(think))

/** openai.thinkFromReasoningEffort: `reasoning.effort` wins over `reasoning_effort`; "none" turns thinking off. */
const reasoningAskedFor = (body: Readonly<Record<string, unknown>>): boolean => {
  const reasoning = fieldOf(body, "reasoning")
  const effort = isObject(reasoning) ? fieldOf(reasoning, "effort") : fieldOf(body, "reasoning_effort")
  return typeof effort === "string" && effort !== "" && effort !== "none"
}

const unload: ModelNeeds = { completion: false, tools: false, thinking: false, insert: false }

const needsOf = (body: Readonly<Record<string, unknown>>, api: JobApi, endpoint: JobEndpoint): ModelNeeds => {
  if (onlyUnloads(body, api, endpoint)) return unload
  const suffix = fieldOf(body, "suffix")
  return {
    completion: true,
    tools: endpoint === "chat" && nonEmptyArray(fieldOf(body, "tools")),
    thinking: api === "native" ? thinkingAskedFor(fieldOf(body, "think")) : endpoint === "chat" && reasoningAskedFor(body),
    insert: endpoint === "generate" && typeof suffix === "string" && suffix !== ""
  }
}

/** ChatHandler's and GenerateHandler's own range check. */
const topLogprobsProblem = (value: unknown): string | undefined =>
  typeof value === "number" && (value < 0 || value > 20) ? "top_logprobs must be between 0 and 20" : undefined

/** The request body as a JSON object, or why it is not one. */
export const parseRequestBody = (text: string): Either.Either<Record<string, unknown>, string> => {
  if (text.trim() === "") return Either.left("missing request body")
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  return isObject(parsed) ? Either.right(parsed) : Either.left("request body must be a JSON object")
}

/**
 * Whether the answer streams: Ollama streams unless told not to, the OpenAI API only when asked.
 * A native load or unload (nothing to generate) is answered as one JSON object whatever `stream` says.
 */
const streams = (body: Readonly<Record<string, unknown>>, api: JobApi, endpoint: JobEndpoint): boolean => {
  const stream = fieldOf(body, "stream")
  return api === "native" ? stream !== false && !nothingToGenerate(body, endpoint) : stream === true
}

/**
 * Checks the body as Ollama does before it schedules anything, and reads only the fields foreman
 * acts on. A body Ollama would refuse is refused here with its words, before it is queued: later,
 * it would wait its turn and cost the target a model load first. The body itself travels to the
 * target as the caller's bytes, so unknown fields, `format` schemas and 20-digit integers survive.
 */
export const generationFields = (
  body: Readonly<Record<string, unknown>>,
  api: JobApi,
  endpoint: JobEndpoint
): Either.Either<GenerationFields, string> => {
  const ambiguous = ambiguousField(body)
  if (ambiguous !== undefined) return Either.left(`"${ambiguous}" is given more than once, in different cases; give it once`)
  const typeProblem = requestTypeProblem(body, api, endpoint)
  if (typeProblem !== undefined) return Either.left(typeProblem)
  // ChatMiddleware's own checks and its conversion's, before the model is looked at.
  if (api === "openai") {
    if (endpoint === "chat" && isEmpty(fieldOf(body, "messages"))) return Either.left("[] is too short - 'messages'")
    const conversion = endpoint === "chat" ? openAiChatProblem(body) : openAiCompletionProblem(body)
    if (conversion !== undefined) return Either.left(conversion)
  }
  const [given, keepAlive] = [fieldOf(body, "model"), fieldOf(body, "keep_alive")]
  // Go decodes a missing or null model as "". ChatHandler trims it and refuses it as required;
  // GenerateHandler looks it up and answers 404 `model '' not found`, which the inventory does here.
  const model = typeof given === "string" ? given : ""
  if (endpoint === "chat" && model.trim() === "") return Either.left("model is required")
  if (api === "native") {
    const problem = keepAliveProblem(keepAlive) ?? topLogprobsProblem(fieldOf(body, "top_logprobs"))
    if (problem !== undefined) return Either.left(problem)
  }
  return Either.right({
    model,
    stream: streams(body, api, endpoint),
    hasKeepAlive: keepAlive !== undefined && keepAlive !== null,
    needs: needsOf(body, api, endpoint)
  })
}

/** `parseRequestBody`, then `generationFields`. */
export const readGenerationFields = (text: string, api: JobApi, endpoint: JobEndpoint): Either.Either<GenerationFields, string> =>
  Either.flatMap(parseRequestBody(text), (body) => generationFields(body, api, endpoint))

/** Whether a stored job's answer streams: its body was checked when it was queued. */
export const readStreams = (text: string, api: JobApi, endpoint: JobEndpoint): boolean =>
  Either.getOrElse(Either.map(parseRequestBody(text), (body) => streams(body, api, endpoint)), () => false)

/**
 * Adds `keep_alive` as the last field of the caller's JSON object without re-serialising it. Last,
 * because a caller's `"keep_alive": null` counts as setting none, and with a repeated key Go's
 * decoder (like JSON.parse) keeps the last value. The object is never empty: it has a model.
 */
export const withKeepAlive = (text: string, keepAlive: string | number): string => {
  const brace = text.lastIndexOf("}")
  return `${text.slice(0, brace)},"keep_alive":${JSON.stringify(keepAlive)}${text.slice(brace)}`
}
