import { Data } from "effect"

/** The target could not be reached or dropped the connection: the target's fault, retry-eligible. */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{ readonly message: string }> {}

/** The target answered with a non-2xx status: Ollama's verdict on the request, not retried. */
export class UpstreamHttpError extends Data.TaggedError("UpstreamHttpError")<{
  readonly status: number
  readonly error: string
}> {
  override get message() {
    return `target answered ${this.status}: ${this.error}`
  }
}

/** Ollama's error bodies are {"error": "…"} (or OpenAI's nested form); anything else is kept as text. */
export const ollamaErrorText = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error = parsed.error
      if (typeof error === "string") return error
      // The OpenAI-compatible surface nests it: {"error": {"message": "…"}}.
      if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
        return error.message
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim() === "" ? "empty response" : body.trim().slice(0, 2000)
}
