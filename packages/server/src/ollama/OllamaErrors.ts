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

/** Ollama's error bodies are {"error": "…"}; anything else is kept as text. */
export const ollamaErrorText = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "string") {
      return parsed.error
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim() === "" ? "empty response" : body.trim().slice(0, 2000)
}
