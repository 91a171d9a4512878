import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { postJson, type RunningForeman, startForeman, text } from "../support/foreman.js"

const user = (content: string) => [{ role: "user", content }]

interface Answer {
  readonly status: number
  readonly body: { readonly done_reason?: string; readonly error?: string }
}

const post = (url: string, body: unknown) =>
  postJson(url, body).pipe(
    Effect.flatMap((response) => Effect.map(text(response), (raw): Answer => ({ status: response.status, body: JSON.parse(raw) })))
  )

/** What the sim was sent to load or generate with, oldest first (polls and capability lookups are neither). */
const sent = (foreman: RunningForeman) =>
  Effect.map(foreman.sim.requests, (requests) =>
    requests.filter((r) => r.method === "POST" && r.path !== "/api/show").map((r) => ({ path: r.path, body: JSON.parse(r.body) as Record<string, unknown> })))

const psNames = (url: string) =>
  Effect.promise(async () => {
    const ps = await (await fetch(`${url}/api/ps`)).json() as { models: Array<{ name: string; context_length: number }> }
    return ps.models
  })

// The worker loads a job's model before the job runs (drain-by-model). That load must be the one
// the job would cause itself: the same endpoint, the same options, and none at all for an unload.
describe("the worker's model load", () => {
  it.live("a caller's unload (`ollama stop`) loads nothing, evicts nothing, and /api/ps shows it at once", () =>
    Effect.gen(function*() {
      // A poll far off: what /api/ps shows after the unload comes from foreman noticing it.
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", "qwen3:8b"] }, env: { FOREMAN_POLL_INTERVAL: "1h" } })
      expect((yield* post(`${foreman.url}/api/chat`, { model: "qwen3:8b", stream: false, messages: user("a") })).status).toBe(200)

      // Not resident: Ollama answers at once and loads nothing.
      const other = yield* post(`${foreman.url}/api/generate`, { model: "llama3.2:1b", keep_alive: 0 })
      expect(other).toEqual({ status: 200, body: expect.objectContaining({ done: true, done_reason: "unload" }) })
      expect((yield* foreman.sim.stats).swaps).toBe(1)
      expect((yield* psNames(foreman.sim.url)).map((m) => m.name)).toEqual(["qwen3:8b"])
      expect((yield* sent(foreman)).filter((r) => r.body.model === "llama3.2:1b")).toEqual([
        { path: "/api/generate", body: { model: "llama3.2:1b", keep_alive: 0 } }
      ])

      // Resident: unloaded, and foreman's own /api/ps and worker both know.
      const own = yield* post(`${foreman.url}/api/chat`, { model: "qwen3:8b", messages: [], keep_alive: "0s" })
      expect(own).toEqual({ status: 200, body: expect.objectContaining({ done_reason: "unload" }) })
      expect(yield* psNames(foreman.url)).toEqual([])
      yield* foreman.sim.resetStats
      expect((yield* post(`${foreman.url}/api/chat`, { model: "qwen3:8b", stream: false, messages: user("b") })).status).toBe(200)
      const [load, chat] = yield* sent(foreman)
      expect(load).toEqual({ path: "/api/chat", body: { model: "qwen3:8b", messages: [] } })
      expect(chat?.body).toMatchObject({ messages: user("b") })
      expect((yield* foreman.sim.stats).swaps).toBe(1)
    }).pipe(Effect.scoped))

  // Ollama refuses these while decoding the request, before scheduleRunner: nothing loads there, so
  // nothing may load here either (the worker used to swap models first, then relay the 400).
  it.live("a keep_alive or top_logprobs Ollama refuses is its 400 at once: nothing queued, nothing loaded, nothing evicted", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", "qwen3:8b"] } })
      expect((yield* post(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: user("a") })).status).toBe(200)
      yield* foreman.sim.resetStats
      for (const [path, body] of [
        ["/api/chat", { model: "qwen3:8b", stream: false, keep_alive: "", messages: user("b") }],
        ["/api/generate", { model: "qwen3:8b", stream: false, keep_alive: "10 minutes", prompt: "c" }],
        ["/api/chat", { model: "qwen3:8b", keep_alive: true, messages: [] }],
        ["/api/chat", { model: "qwen3:8b", stream: false, top_logprobs: 21, messages: user("d") }],
        ["/jobs", { model: "qwen3:8b", stream: false, keep_alive: "5", messages: user("e") }]
      ] as const) {
        const refused = yield* post(`${foreman.url}${path}`, body)
        // The target's own answer to the same request, for the words.
        const direct = yield* post(`${foreman.sim.url}${path === "/jobs" ? "/api/chat" : path}`, body)
        expect([path, refused.status, refused.body.error]).toEqual([path, 400, direct.body.error])
      }
      expect((yield* foreman.sim.stats).swaps).toBe(0)
      expect((yield* psNames(foreman.sim.url)).map((m) => m.name)).toEqual(["llama3.2:1b"])
      const jobs = yield* Effect.promise(() => fetch(`${foreman.url}/jobs`).then((r) => r.json() as Promise<{ jobs: ReadonlyArray<unknown> }>))
      expect(jobs.jobs).toHaveLength(1)
    }).pipe(Effect.scoped))

  // Embeddings go straight to the target, which loads the model to answer them.
  it.live("an embedding that loads its model shows in /api/ps at once; one whose model is resident polls nothing", () =>
    Effect.gen(function*() {
      // Loads take 300 ms, so embeddings that arrive together are answered together.
      const foreman = yield* startForeman({
        sim: { models: ["llama3.2:1b"], embedModels: ["nomic-embed-text:latest"], loadDelayMs: 300 },
        env: { FOREMAN_POLL_INTERVAL: "1h" }
      })
      const polls = Effect.map(foreman.sim.requests, (requests) => requests.filter((r) => r.path === "/api/ps").length)
      for (const [path, body] of [
        ["/api/embed", { model: "nomic-embed-text", input: "a" }],
        ["/api/embeddings", { model: "nomic-embed-text", prompt: "b" }],
        ["/v1/embeddings", { model: "nomic-embed-text", input: "c" }]
      ] as const) {
        expect(yield* psNames(foreman.url)).toEqual([])
        expect([path, (yield* post(`${foreman.url}${path}`, body)).status]).toEqual([path, 200])
        expect([path, (yield* psNames(foreman.url)).map((m) => m.name)]).toEqual([path, ["nomic-embed-text:latest"]])
        if (path !== "/v1/embeddings") yield* post(`${foreman.url}/api/generate`, { model: "nomic-embed-text", keep_alive: 0 })
      }
      const before = yield* polls
      expect((yield* post(`${foreman.url}/api/embed`, { model: "nomic-embed-text", input: "d" })).status).toBe(200)
      expect(yield* polls).toBe(before)
      // Ten at once, the model not loaded: they share a poll or two, not one each. An embedding that
      // unloads after itself leaves nothing to show, and polls nothing.
      yield* post(`${foreman.url}/api/generate`, { model: "nomic-embed-text", keep_alive: 0 })
      const unloaded = yield* polls
      expect((yield* post(`${foreman.url}/api/embed`, { model: "nomic-embed-text", input: "e", keep_alive: 0 })).status).toBe(200)
      expect(yield* polls).toBe(unloaded)
      const burst = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => `f${i}`), (input) =>
        post(`${foreman.url}/api/embed`, { model: "nomic-embed-text", input }), { concurrency: "unbounded" })
      expect(burst.map((answer) => answer.status)).toEqual(Array(10).fill(200))
      expect((yield* polls) - unloaded).toBeLessThanOrEqual(2)
      expect((yield* psNames(foreman.url)).map((m) => m.name)).toEqual(["nomic-embed-text:latest"])
    }).pipe(Effect.scoped))

  it.live("the load carries the job's options, so the model is loaded once, with the context the job asks for", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", "qwen3:8b"] }, env: { FOREMAN_KEEP_ALIVE: "10m" } })
      const options = { num_ctx: 8192, temperature: 0 }
      const chat = yield* post(`${foreman.url}/api/chat`, { model: "qwen3:8b", stream: false, options, messages: user("long") })
      const generate = yield* post(`${foreman.url}/api/generate`, { model: "llama3.2:1b", stream: false, options, prompt: "long" })
      expect([chat.status, generate.status]).toEqual([200, 200])

      const loads = (yield* sent(foreman)).filter(({ body }) => body.prompt === undefined && !(Array.isArray(body.messages) && body.messages.length > 0))
      expect(loads).toEqual([
        { path: "/api/chat", body: { model: "qwen3:8b", messages: [], options, keep_alive: "10m" } },
        { path: "/api/generate", body: { model: "llama3.2:1b", options, keep_alive: "10m" } }
      ])
      // A load without the options would be followed by a second one for the job itself.
      expect((yield* foreman.sim.stats).swaps).toBe(2)
      expect((yield* psNames(foreman.sim.url)).map((m) => [m.name, m.context_length])).toEqual([["llama3.2:1b", 8192]])
    }).pipe(Effect.scoped))

  // routes.go answers both with c.JSON, streamed or not.
  it.live("a load or unload is answered as one JSON object, as Ollama does, even with streaming on", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b"] } })
      for (const body of [{ model: "llama3.2:1b" }, { model: "llama3.2:1b", messages: [] }, { model: "llama3.2:1b", prompt: "", keep_alive: 0 }]) {
        const path = "messages" in body ? "/api/chat" : "/api/generate"
        const [viaForeman, direct] = yield* Effect.forEach([foreman.url, foreman.sim.url], (base) =>
          Effect.promise(async () => {
            const response = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) })
            return { type: response.headers.get("content-type"), answer: JSON.parse(await response.text()) as Record<string, unknown> }
          }))
        expect(viaForeman?.type, JSON.stringify(body)).toBe(direct?.type)
        expect(viaForeman?.type).toContain("application/json")
        expect(viaForeman?.answer.done_reason).toBe(direct?.answer.done_reason)
      }
    }).pipe(Effect.scoped))

  it.live("a chat with a model that cannot chat fails with Ollama's own chat error, naming the model as the caller did", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b"], embedModels: ["nomic-embed-text"] } })
      const answer = yield* post(`${foreman.url}/api/chat`, { model: "nomic-embed-text", stream: false, messages: user("hi") })
      expect(answer).toEqual({ status: 400, body: { error: `"nomic-embed-text" does not support chat` } })
    }).pipe(Effect.scoped))
})
