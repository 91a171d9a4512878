import { BadRequest, type JobEndpoint, ModelNotFound } from "@foreman/domain"
import { Duration, Effect, Option, Schema } from "effect"
import type { SubmitFields } from "../jobs/SubmitFields.js"
import type { ModelNeeds } from "../ollama/GenerationFields.js"
import { OllamaClient } from "../ollama/OllamaClient.js"
import { Inventory } from "./Inventory.js"
import { normalizeModel } from "./ModelName.js"

const ShowAnswer = Schema.parseJson(Schema.Struct({ capabilities: Schema.optional(Schema.Array(Schema.String)) }))
const decodeShowAnswer = Schema.decodeUnknown(ShowAnswer)

const showTimeout = Duration.seconds(5)

/** types/model Name.String() of a normalized name: Ollama's default host and namespace filled back in. */
const fullName = (normalized: string): string => {
  const parts = normalized.split("/").length
  return parts >= 3 ? normalized : parts === 2 ? `registry.ollama.ai/${normalized}` : `registry.ollama.ai/library/${normalized}`
}

/**
 * Refuses, before anything is queued, what Ollama refuses once it has looked at the model: a chat
 * or generate on a model that cannot complete text (an embedding model), tools on a model without
 * them, `think` on one that cannot think, a `suffix` on one that cannot fill in. Queued, such a job
 * would wait its turn and make the worker swap its model in, only to be refused (ADR-0054).
 * Capabilities come from the target's /api/show, asked once per model while its model list stays
 * the same. When they cannot be had (an older Ollama, the target away) the request goes on, and
 * the target decides when the job runs, as before.
 */
export class ModelCapabilities extends Effect.Service<ModelCapabilities>()("foreman/ModelCapabilities", {
  effect: Effect.gen(function*() {
    const ollama = yield* OllamaClient
    const inventory = yield* Inventory
    // Per model: the model list it was asked under, and the answer, shared by callers arriving together.
    const known = new Map<string, { readonly listing: string; readonly capabilities: Effect.Effect<Option.Option<ReadonlyArray<string>>> }>()

    const ask = (model: string) =>
      ollama.text({ method: "POST", path: "/api/show", body: JSON.stringify({ model }), timeout: showTimeout }).pipe(
        Effect.flatMap((answer) => decodeShowAnswer(answer.text)),
        Effect.map((answer) => Option.fromNullable(answer.capabilities)),
        Effect.orElseSucceed(() => Option.none<ReadonlyArray<string>>())
      )

    const capabilitiesOf = (model: string) =>
      Effect.gen(function*() {
        const { degraded, tagsBody } = yield* inventory.get
        if (degraded) return Option.none<ReadonlyArray<string>>()
        const entry = known.get(model)
        if (entry !== undefined && entry.listing === tagsBody) return yield* entry.capabilities
        const capabilities = yield* Effect.cached(ask(model))
        known.set(model, { listing: tagsBody, capabilities })
        const answer = yield* capabilities
        // Not known is not remembered: the next request asks again.
        if (Option.isNone(answer) && known.get(model)?.capabilities === capabilities) known.delete(model)
        return answer
      })

    /** Ollama's own words for why it would refuse this request on this model, if it would. */
    const refusal = Effect.fn("ModelCapabilities.refusal")(function*(model: string, endpoint: JobEndpoint, needs: ModelNeeds) {
      if (!needs.completion) return Option.none<string>()
      const name = normalizeModel(model)
      const capabilities = yield* capabilitiesOf(name)
      if (Option.isNone(capabilities)) return Option.none<string>()
      const has = (capability: string) => capabilities.value.includes(capability)
      // The order of ChatHandler and GenerateHandler: thinking first, then what scheduleRunner checks.
      if (needs.thinking && !has("thinking")) return Option.some(`${JSON.stringify(model)} does not support thinking`)
      if (!has("completion")) return Option.some(`${JSON.stringify(model)} does not support ${endpoint}`)
      // Tools are a chat's, a suffix a generate's: a request needs one at most.
      const extra = needs.tools ? "tools" : needs.insert ? "insert" : undefined
      return extra === undefined || has(extra) ? Option.none<string>() : Option.some(`${fullName(name)} does not support ${extra}`)
    })

    /** A job's checks that need the target's word (POST /jobs, JobAwaiter): its model is installed and can run it. */
    const admit = Effect.fn("ModelCapabilities.admit")(function*(fields: SubmitFields) {
      if (!(yield* inventory.ensureInstalled(fields.model))) {
        return yield* new ModelNotFound({ error: `model '${fields.model}' not found` })
      }
      const refused = yield* refusal(fields.model, fields.endpoint, fields.needs)
      if (Option.isSome(refused)) return yield* new BadRequest({ error: refused.value })
    })

    return { refusal, admit } as const
  })
}) {}
