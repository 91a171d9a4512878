import type { JobEndpoint } from "@foreman/domain"
import { Either } from "effect"
import { cloudModelNotQueued, isCloudModel } from "../inventory/ModelName.js"
import { type GenerationFields, generationFields, parseRequestBody } from "../ollama/GenerationFields.js"
import { readWebhookUrl } from "../webhooks/WebhookUrl.js"

export interface SubmitFields extends GenerationFields {
  readonly endpoint: JobEndpoint
  readonly webhookUrl: string | null
}

/**
 * A job's submission: a native payload plus foreman's own `endpoint` and `state_webhook_url`. Those
 * two stay in the body sent to the target, which ignores fields it does not know, so the caller's
 * bytes still travel untouched. The one set of checks for POST /jobs and an embedding program's
 * `JobAwaiter.submitAndAwait`, so a refused request queues nothing either way.
 */
export const submitFields = (body: Readonly<Record<string, unknown>>): Either.Either<SubmitFields, string> => {
  const { endpoint, state_webhook_url } = body
  if (endpoint !== undefined && endpoint !== null && endpoint !== "chat" && endpoint !== "generate") {
    return Either.left(`endpoint must be "chat" or "generate"`)
  }
  const jobEndpoint: JobEndpoint = endpoint === "generate" ? "generate" : "chat"
  return Either.flatMap(generationFields(body, "native", jobEndpoint), (fields): Either.Either<SubmitFields, string> => {
    // A job names its model, whichever endpoint it runs on.
    if (fields.model.trim() === "") return Either.left("model is required")
    if (isCloudModel(fields.model)) return Either.left(cloudModelNotQueued(fields.model))
    return Either.map(readWebhookUrl(state_webhook_url), (webhookUrl) => ({ ...fields, endpoint: jobEndpoint, webhookUrl }))
  })
}

/** POST /jobs's body: `submitFields` of the JSON object it must be. */
export const readSubmitFields = (text: string): Either.Either<SubmitFields, string> => Either.flatMap(parseRequestBody(text), submitFields)
