import { Context, Effect } from "effect"
import { badRequest, missingBody, type OllamaError } from "./OllamaError.js"

/** The request body, read once before routing so it can be recorded and then decoded. */
export class RequestBody extends Context.Tag("@foreman/ollama-sim/RequestBody")<RequestBody, {
  readonly bytes: Uint8Array
  readonly text: string
}>() {}

export type JsonObject = Readonly<Record<string, unknown>>

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The JSON kind names encoding/json uses in its errors. */
export const goKind = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value === "object"
    ? "object"
    : typeof value === "boolean"
    ? "bool"
    : typeof value

const syntaxError = (text: string, cause: unknown): OllamaError => {
  const first = text.trimStart()[0] ?? ""
  if (!/[[{"\-0-9tfn]/.test(first)) return badRequest(`invalid character '${first}' looking for beginning of value`)
  const detail = cause instanceof Error ? cause.message : String(cause)
  return badRequest(/end of JSON input|Unterminated/i.test(detail) ? "unexpected EOF" : detail)
}

const parse = (text: string): Effect.Effect<unknown, OllamaError> =>
  Effect.try({ try: (): unknown => JSON.parse(text), catch: (cause) => syntaxError(text, cause) })

/**
 * Decodes the body like gin's ShouldBindJSON into the Go struct `goType`
 * ("api.ChatRequest"); an empty body fails with `empty` (the decoder's io.EOF).
 */
export const jsonBodyAs = (goType: string, empty: OllamaError): Effect.Effect<JsonObject, OllamaError, RequestBody> =>
  Effect.flatMap(RequestBody, ({ text }) => {
    if (text.trim() === "") return Effect.fail(empty)
    return Effect.flatMap(parse(text), (value): Effect.Effect<JsonObject, OllamaError> => {
      if (value === null) return Effect.succeed({})
      if (isJsonObject(value)) return Effect.succeed(value)
      return Effect.fail(badRequest(`json: cannot unmarshal ${goKind(value)} into Go value of type ${goType}`))
    })
  })

/** Decodes the body into an Ollama request struct; handlers answer io.EOF with "missing request body". */
export const jsonBody = (struct: string): Effect.Effect<JsonObject, OllamaError, RequestBody> =>
  jsonBodyAs(`api.${struct}`, missingBody)
