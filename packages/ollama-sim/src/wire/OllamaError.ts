import { Data } from "effect"

/** An Ollama API error: answered as `{"error": message}` with `status`. */
export class OllamaError extends Data.TaggedError("OllamaError")<{
  readonly status: number
  readonly message: string
}> {}

// Go's %q; JSON string quoting matches it for every ordinary name.
const quote = (text: string): string => JSON.stringify(text)

// Texts below are server/routes.go's (v0.12.6), quote style included.
export const badRequest = (message: string) => new OllamaError({ status: 400, message })
export const missingBody = badRequest("missing request body")
export const modelRequired = badRequest("model is required")
export const invalidModelName = badRequest("invalid model name")

/** Chat, generate, show and delete: note the single quotes. */
export const modelNotFound = (model: string) => new OllamaError({ status: 404, message: `model '${model}' not found` })

/** Embed and embeddings fail in the scheduler, which words it differently. */
export const modelNotPulled = (model: string) =>
  new OllamaError({ status: 404, message: `model ${quote(model)} not found, try pulling it first` })

export const copySourceNotFound = (model: string) =>
  new OllamaError({ status: 404, message: `model ${quote(model)} not found` })

export const unsupported = (model: string, what: "chat" | "generate") =>
  badRequest(`${quote(model)} does not support ${what}`)

export const invalidName = (field: "name" | "source" | "destination", value: string) =>
  badRequest(`${field} ${quote(value)} is invalid`)
