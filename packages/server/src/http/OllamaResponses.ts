import * as HttpServerResponse from "@effect/platform/HttpServerResponse"

export const jsonContentType = "application/json; charset=utf-8"
export const ndjsonContentType = "application/x-ndjson"

/** Ollama's error shape: `{"error": "…"}` with its status code. */
export const ollamaError = (status: number, error: string, headers?: Record<string, string>) =>
  HttpServerResponse.text(JSON.stringify({ error }), { status, contentType: jsonContentType, headers })

export const ollamaJson = (body: string, headers?: Record<string, string>) =>
  HttpServerResponse.text(body, { status: 200, contentType: jsonContentType, headers })

export const errorLine = (error: string) => new TextEncoder().encode(`${JSON.stringify({ error })}\n`)
