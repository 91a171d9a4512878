import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Layer } from "effect"
import { Inventory } from "../inventory/Inventory.js"
import { jsonContentType, ollamaError } from "./OllamaResponses.js"
import { openAiError } from "./OpenAiResponses.js"
import { Passthrough } from "./Passthrough.js"
import { SyncGeneration } from "./SyncGeneration.js"

type Method = "GET" | "HEAD" | "POST" | "DELETE"

const methodNotAllowed = Effect.succeed(ollamaError(405, "method not allowed"))
const openAiMethodNotAllowed = Effect.succeed(openAiError(405, "method not allowed"))

// Ollama's newer generation routes. foreman does not queue them yet (ADR-0053), and passing them
// through would run generations beside the worker's on the one GPU: a clear 404 in the caller's
// own error shape instead of a bare "404 page not found" (a 5xx would be retried by the SDKs).
const alternatives = "use /v1/chat/completions or /api/chat, which foreman queues"
const notQueuedYet = (path: string) =>
  Effect.succeed(openAiError(404, `foreman does not serve ${path} yet; ${alternatives}`))
const anthropicNotQueuedYet = Effect.succeed(HttpServerResponse.text(
  JSON.stringify({
    type: "error",
    error: { type: "not_found_error", message: `foreman does not serve /v1/messages (Anthropic's API) yet; ${alternatives}` }
  }),
  { status: 404, contentType: jsonContentType }
))

/**
 * The native Ollama surface and its OpenAI-compatible /v1 twin, registered as raw routes beside
 * foreman's HttpApi. /v1 generations are queued like native ones; the rest passes through to the
 * target's own /v1 (ADR-0019).
 */
export const OllamaRoutesLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const inventory = yield* Inventory
    const generation = yield* SyncGeneration
    const passthrough = yield* Passthrough

    const cached = (pick: (s: { readonly tagsBody: string; readonly psBody: string }) => string) =>
      Effect.map(inventory.get, (s) => HttpServerResponse.text(pick(s), { contentType: jsonContentType }))
    const running = HttpServerResponse.text("Ollama is running", { contentType: "text/plain; charset=utf-8" })

    const routes: ReadonlyArray<readonly [`/${string}`, Partial<Record<Method, Parameters<typeof router.get>[1]>>]> = [
      ["/", { GET: Effect.succeed(running), HEAD: Effect.succeed(running) }],
      ["/api/chat", { POST: generation.handle("chat") }],
      ["/api/generate", { POST: generation.handle("generate") }],
      ["/api/tags", { GET: cached((s) => s.tagsBody), HEAD: cached((s) => s.tagsBody) }],
      ["/api/ps", { GET: cached((s) => s.psBody) }],
      ["/api/version", { GET: passthrough.forward(), HEAD: passthrough.forward() }],
      ["/api/show", { POST: passthrough.forward() }],
      // Embeddings skip the queue and run concurrently (ADR-0013).
      ["/api/embed", { POST: passthrough.forward({ refreshUnlessResident: true }) }],
      ["/api/embeddings", { POST: passthrough.forward({ refreshUnlessResident: true }) }],
      ["/api/pull", { POST: passthrough.forward({ refreshAfter: true }) }],
      ["/api/push", { POST: passthrough.forward() }],
      ["/api/create", { POST: passthrough.forward({ refreshAfter: true }) }],
      ["/api/copy", { POST: passthrough.forward({ refreshAfter: true }) }],
      ["/api/delete", { DELETE: passthrough.forward({ refreshAfter: true }) }],
      ["/api/blobs/:digest", { POST: passthrough.forward({ streamBody: true }), HEAD: passthrough.forward() }],
      ["/v1/chat/completions", { POST: generation.handle("chat", "openai") }],
      ["/v1/completions", { POST: generation.handle("generate", "openai") }],
      ["/v1/embeddings", { POST: passthrough.forward({ openAi: true, refreshUnlessResident: true }) }],
      ["/v1/models", { GET: passthrough.forward({ openAi: true }) }],
      ["/v1/models/:model", { GET: passthrough.forward({ openAi: true }) }],
      ["/v1/responses", { POST: notQueuedYet("/v1/responses") }],
      ["/v1/audio/transcriptions", { POST: notQueuedYet("/v1/audio/transcriptions") }],
      ["/v1/messages", { POST: anthropicNotQueuedYet }]
    ]

    for (const [path, handlers] of routes) {
      for (const method of ["GET", "HEAD", "POST", "DELETE"] as const) {
        const refuse = path.startsWith("/v1/") ? openAiMethodNotAllowed : methodNotAllowed
        const handler = handlers[method] ?? refuse
        if (method === "GET") yield* router.get(path, handler)
        if (method === "HEAD") yield* router.head(path, handler)
        if (method === "POST") yield* router.post(path, handler)
        if (method === "DELETE") yield* router.del(path, handler)
      }
      const refuse = path.startsWith("/v1/") ? openAiMethodNotAllowed : methodNotAllowed
      yield* router.put(path, refuse)
      yield* router.patch(path, refuse)
    }
    // Ollama's router answers unknown paths with a plain-text 404; static routes outrank this one.
    yield* router.all("*", Effect.succeed(HttpServerResponse.text("404 page not found", { status: 404, contentType: "text/plain" })))
  })
).pipe(Layer.provide(SyncGeneration.Default.pipe(Layer.provideMerge(Passthrough.Default))))
