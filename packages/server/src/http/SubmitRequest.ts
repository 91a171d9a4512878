import type { JobEndpoint } from "@foreman/domain"
import { Either } from "effect"
import { type GenerationFields, readGenerationFields } from "../ollama/GenerationFields.js"

export interface SubmitFields extends GenerationFields {
  readonly endpoint: JobEndpoint
  readonly webhookUrl: string | null
}

const isHttpUrl = (value: string) => {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
}

/**
 * POST /jobs: a native payload plus foreman's own `endpoint` and `state_webhook_url`. Those two
 * stay in the body sent to the target, which ignores fields it does not know, so the caller's
 * bytes still travel untouched.
 */
export const readSubmitFields = (text: string): Either.Either<SubmitFields, string> =>
  Either.flatMap(readGenerationFields(text), (fields) => {
    const body: Record<string, unknown> = JSON.parse(text)
    const { endpoint, state_webhook_url } = body
    if (endpoint !== undefined && endpoint !== null && endpoint !== "chat" && endpoint !== "generate") {
      return Either.left(`endpoint must be "chat" or "generate"`)
    }
    if (state_webhook_url !== undefined && state_webhook_url !== null) {
      if (typeof state_webhook_url !== "string" || !isHttpUrl(state_webhook_url)) {
        return Either.left("state_webhook_url must be an absolute http(s) URL")
      }
    }
    return Either.right({
      ...fields,
      endpoint: endpoint === "generate" ? "generate" : "chat",
      webhookUrl: typeof state_webhook_url === "string" ? state_webhook_url : null
    })
  })
