import { Either } from "effect"

export interface GenerationFields {
  readonly model: string
  readonly stream: boolean
  readonly hasKeepAlive: boolean
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Reads only the fields foreman acts on. The body itself travels to the target as the caller's
 * bytes, so unknown fields, `format` schemas and 20-digit integers survive untouched.
 */
export const readGenerationFields = (text: string, streamDefault = true): Either.Either<GenerationFields, string> => {
  if (text.trim() === "") return Either.left("missing request body")
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!isObject(parsed)) return Either.left("request body must be a JSON object")
  const { model, stream, keep_alive } = parsed
  if (model === undefined || model === null || model === "") return Either.left("model is required")
  if (typeof model !== "string") return Either.left("model must be a string")
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") return Either.left("stream must be a boolean")
  return Either.right({
    model,
    stream: typeof stream === "boolean" ? stream : streamDefault,
    hasKeepAlive: keep_alive !== undefined && keep_alive !== null
  })
}

/** Adds `keep_alive` as the first field of the caller's JSON object without re-serialising it. */
export const withKeepAlive = (text: string, keepAlive: string | number): string => {
  const brace = text.indexOf("{")
  return `${text.slice(0, brace + 1)}"keep_alive":${JSON.stringify(keepAlive)},${text.slice(brace + 1)}`
}
