import { describe, expect, it } from "@effect/vitest"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect } from "effect"
import { createServer, request as httpRequest } from "node:http"
import { listJobs } from "../support/jobList.js"
import { postJson, type RunningForeman, startForeman, text } from "../support/foreman.js"

// The sim's catalog: llama3.2:1b completes and calls tools, qwen3:8b also thinks, gemma3:4b sees
// but has no tools, nomic-embed-text only embeds.
const models = ["llama3.2:1b", "qwen3:8b", "gemma3:4b"]
const hi = [{ role: "user", content: "hi" }]
const tools = [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: {} } } }]

const answer = (response: Response) => Effect.map(text(response), (body) => ({ status: response.status, body: JSON.parse(body) as unknown }))

/** What reached the target besides its model lists and capability lookups: loads and generations. */
const generations = (foreman: RunningForeman) =>
  Effect.map(foreman.sim.requests, (requests) => requests.filter((r) => r.method === "POST" && r.path !== "/api/show").length)

const shows = (foreman: RunningForeman) =>
  Effect.map(foreman.sim.requests, (requests) => requests.filter((r) => r.path === "/api/show").map((r) => JSON.parse(r.body) as unknown))

/** An older Ollama in front of `target`: its /api/show answers without `capabilities`. */
const withoutCapabilities = (target: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer((incoming, outgoing) => {
        if (incoming.url === "/api/show") {
          incoming.resume()
          outgoing.writeHead(200, { "content-type": "application/json" }).end(`{"license":"","modelfile":"","parameters":""}`)
          return
        }
        const upstream = httpRequest(`${target}${incoming.url ?? "/"}`, { method: incoming.method, headers: incoming.headers }, (reply) => {
          outgoing.writeHead(reply.statusCode ?? 502, reply.headers)
          reply.pipe(outgoing)
        })
        incoming.pipe(upstream)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, close: () => server.close() }))
      })
    }),
    (hop) => Effect.sync(() => hop.close())
  )

describe("what the model cannot do is refused before the queue (ADR-0054)", () => {
  it.live("in Ollama's words on every route family; nothing queued, nothing loaded", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models, embedModels: ["nomic-embed-text:latest"] } })
      const native: ReadonlyArray<readonly [string, unknown, string]> = [
        ["/api/chat", { model: "llama3.2:1b", messages: hi, think: true }, `"llama3.2:1b" does not support thinking`],
        ["/api/generate", { model: "llama3.2:1b", prompt: "hi", think: "high" }, `"llama3.2:1b" does not support thinking`],
        ["/api/chat", { model: "gemma3:4b", messages: hi, tools }, "registry.ollama.ai/library/gemma3:4b does not support tools"],
        ["/api/generate", { model: "gemma3:4b", prompt: "def f(", suffix: "return x" }, "registry.ollama.ai/library/gemma3:4b does not support insert"],
        ["/api/chat", { model: "nomic-embed-text", messages: hi }, `"nomic-embed-text" does not support chat`],
        ["/api/generate", { model: "nomic-embed-text", prompt: "hi" }, `"nomic-embed-text" does not support generate`],
        // Thinking is checked first, as ChatHandler does.
        ["/api/chat", { model: "nomic-embed-text", messages: hi, think: true }, `"nomic-embed-text" does not support thinking`]
      ]
      for (const [path, body, message] of native) {
        expect([path, yield* answer(yield* postJson(`${foreman.url}${path}`, body))]).toEqual([path, { status: 400, body: { error: message } }])
      }
      const openAi = yield* answer(yield* postJson(`${foreman.url}/v1/chat/completions`, { model: "gemma3:4b", messages: hi, reasoning_effort: "high" }))
      expect(openAi).toEqual({
        status: 400,
        body: { error: { message: `"gemma3:4b" does not support thinking`, type: "invalid_request_error", param: null, code: null } }
      })
      const job = yield* answer(yield* postJson(`${foreman.url}/jobs`, { model: "gemma3:4b", messages: hi, tools }))
      expect(job).toEqual({ status: 400, body: { _tag: "BadRequest", error: "registry.ollama.ai/library/gemma3:4b does not support tools" } })
      expect((yield* listJobs(foreman.url)).jobs).toEqual([])
      expect(yield* generations(foreman)).toBe(0)

      // What the model can do goes through.
      expect((yield* postJson(`${foreman.url}/api/chat`, { model: "qwen3:8b", stream: false, messages: hi, think: true, tools })).status).toBe(200)
      expect((yield* postJson(`${foreman.url}/api/generate`, { model: "gemma3:4b", stream: false, prompt: "hi", think: false })).status).toBe(200)
      // An unload is answered before Ollama looks at capabilities, an embedding model's too.
      expect((yield* postJson(`${foreman.url}/api/generate`, { model: "nomic-embed-text", keep_alive: 0 })).status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("asks /api/show once per model while the model list stays the same, and again after it changes", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models } })
      const refused = Effect.gen(function*() {
        const answers = yield* Effect.forEach(
          Array.from({ length: 8 }, () => ({ model: "gemma3:4b", messages: hi, tools })),
          (body) => Effect.flatMap(postJson(`${foreman.url}/api/chat`, body), (response) => Effect.succeed(response.status)),
          { concurrency: "unbounded" }
        )
        expect(answers).toEqual(Array(8).fill(400))
      })
      yield* refused
      yield* refused
      expect(yield* shows(foreman)).toEqual([{ model: "gemma3:4b" }])

      // A model pulled since: the next poll lists it, and capabilities are asked afresh.
      yield* foreman.sim.setModels([...models, "fresh:1b"])
      yield* Effect.flatMap(postJson(`${foreman.url}/api/chat`, { model: "fresh:1b", stream: false, messages: hi }), (r) => Effect.succeed(expect(r.status).toBe(200)))
      yield* refused
      expect(yield* shows(foreman)).toEqual([{ model: "gemma3:4b" }, { model: "fresh:1b" }, { model: "gemma3:4b" }])
    }).pipe(Effect.scoped))

  it.live("a target that does not say what a model can do (an older Ollama) gets the request, as before", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ models })
      const older = yield* withoutCapabilities(sim.url)
      const foreman = yield* startForeman({ target: sim, env: { FOREMAN_OLLAMA_URL: older.url } })
      // The sim itself does not refuse tools, so the job runs.
      const chat = yield* postJson(`${foreman.url}/api/chat`, { model: "gemma3:4b", stream: false, messages: hi, tools })
      expect(chat.status).toBe(200)
      expect(yield* generations(foreman)).toBeGreaterThan(0)
    }).pipe(Effect.scoped))
})
