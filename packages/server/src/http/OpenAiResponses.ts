import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { jsonContentType } from "./OllamaResponses.js"

export const eventStreamContentType = "text/event-stream"

// Ollama's OpenAI layer names error types by status; foreman follows it for the errors it makes.
const errorType = (status: number) =>
  status === 400 || status === 413
    ? "invalid_request_error"
    : status === 401
    ? "authentication_error"
    : status === 404
    ? "not_found_error"
    : "api_error"

export const openAiErrorBody = (status: number, message: string, code: string | null = null) =>
  JSON.stringify({ error: { message, type: errorType(status), param: null, code } })

/** The OpenAI error shape: `{"error": {"message", "type", "param", "code"}}`. */
export const openAiError = (status: number, message: string, headers?: Record<string, string>, code: string | null = null) =>
  HttpServerResponse.text(openAiErrorBody(status, message, code), { status, contentType: jsonContentType, headers })

/** An error after the first byte of an SSE answer: one more `data:` event. */
export const openAiErrorEvent = (message: string) => new TextEncoder().encode(`data: ${openAiErrorBody(500, message)}\n\n`)
