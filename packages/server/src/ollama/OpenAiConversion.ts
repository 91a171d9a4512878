import { fieldOf, isObject } from "./GoFields.js"
import { base64Problem } from "./GoRequestTypes.js"

/**
 * What Ollama's OpenAI layer refuses while it converts a decoded /v1 request into a native one
 * (openai.FromChatRequest, FromCompleteRequest), before anything is scheduled: checked before
 * queueing, for the reason in ADR-0052. In its words.
 */

/** Go's `%T` of a value decoded into `any`. */
const goDynamicType = (value: unknown): string =>
  value === null || value === undefined
    ? "<nil>"
    : Array.isArray(value)
    ? "[]interface {}"
    : typeof value === "object"
    ? "map[string]interface {}"
    : typeof value === "number"
    ? "float64"
    : typeof value === "boolean"
    ? "bool"
    : "string"

const imageUrlProblem = (url: string): string | undefined => {
  if (url.startsWith("http://") || url.startsWith("https://")) {
    return "image URLs are not currently supported, please use base64 encoded data instead"
  }
  const data = /^data:(?:image\/(?:jpeg|jpg|png|webp))?;base64,/.exec(url)
  return data === null || base64Problem(url.slice(data[0].length)) !== undefined ? "invalid image input" : undefined
}

const contentPartProblem = (part: unknown): string | undefined => {
  if (!isObject(part)) return "invalid message format"
  switch (part.type) {
    case "text":
      return typeof part.text === "string" ? undefined : "invalid message format"
    case "image_url": {
      const image = part.image_url
      const url = isObject(image) ? image.url : image
      return typeof url === "string" ? imageUrlProblem(url) : "invalid message format"
    }
    case "input_audio": {
      if (!isObject(part.input_audio)) return "invalid input_audio format"
      const data = part.input_audio.data
      if (typeof data !== "string") return "invalid input_audio format: missing data"
      const at = base64Problem(data)
      return at === undefined ? undefined : `invalid input_audio base64 data: illegal base64 data at input byte ${at}`
    }
    default:
      return "invalid message format"
  }
}

/** Each call's `arguments` must be a JSON object (or null), as Ollama unmarshals it into one. */
const toolCallsProblem = (calls: unknown): string | undefined => {
  if (!Array.isArray(calls)) return undefined
  for (const call of calls) {
    const fn = isObject(call) ? fieldOf(call, "function") : undefined
    const args = isObject(fn) ? fieldOf(fn, "arguments") : undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(typeof args === "string" ? args : "")
    } catch {
      return "invalid tool call arguments"
    }
    if (parsed !== null && !isObject(parsed)) return "invalid tool call arguments"
  }
  return undefined
}

const messageProblem = (message: unknown): string | undefined => {
  if (!isObject(message)) return undefined
  const content = fieldOf(message, "content")
  const calls = fieldOf(message, "tool_calls")
  if (typeof content === "string") return toolCallsProblem(calls)
  if (Array.isArray(content)) {
    for (const part of content) {
      const problem = contentPartProblem(part)
      if (problem !== undefined) return problem
    }
    return toolCallsProblem(calls)
  }
  // Content may be left out only beside tool calls.
  return calls === undefined || calls === null ? `invalid message content type: ${goDynamicType(content)}` : toolCallsProblem(calls)
}

const efforts = ["", "none", "minimal", "low", "medium", "high", "max", "xhigh", "ultra"]

const reasoningProblem = (body: Readonly<Record<string, unknown>>): string | undefined => {
  const reasoning = fieldOf(body, "reasoning")
  const effortOf = isObject(reasoning) ? fieldOf(reasoning, "effort") : fieldOf(body, "reasoning_effort")
  const effort = typeof effortOf === "string" ? effortOf : ""
  return efforts.includes(effort)
    ? undefined
    : `invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`
}

/** Why FromChatRequest refuses this (already decoded) /v1 chat body, or undefined. */
export const openAiChatProblem = (body: Readonly<Record<string, unknown>>): string | undefined => {
  const messages = fieldOf(body, "messages")
  for (const message of Array.isArray(messages) ? messages : []) {
    const problem = messageProblem(message)
    if (problem !== undefined) return problem
  }
  return reasoningProblem(body)
}

/** Why FromCompleteRequest refuses this (already decoded) /v1 completion body, or undefined. */
export const openAiCompletionProblem = (body: Readonly<Record<string, unknown>>): string | undefined => {
  const stop = fieldOf(body, "stop")
  const bad = Array.isArray(stop) ? stop.findIndex((entry) => typeof entry !== "string") : -1
  return Array.isArray(stop) && bad >= 0 ? `invalid type for 'stop' field: ${goDynamicType(stop[bad])}` : undefined
}
