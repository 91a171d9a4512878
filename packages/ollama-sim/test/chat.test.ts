import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim } from "../src/index.js"
import { field, json, keys, lines, post, text } from "./support.js"

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "llama3.2:1b",
  messages: [{ role: "system", content: "be brief" }, { role: "user", content }],
  ...extra
})

describe("POST /api/chat", () => {
  it.scopedLive("streams one NDJSON line per word, then a done line with metrics", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/api/chat", chatBody("hello there"))
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/x-ndjson")
      const all = lines(yield* text(response))
      const pieces = all.slice(0, -1)
      expect(pieces.map((line) => field(field(line, "message"), "content"))).toEqual([
        "llama3.2:1b",
        " answers:",
        " hello",
        " there"
      ])
      for (const line of pieces) {
        expect(keys(line)).toEqual(["model", "created_at", "message", "done"])
        expect(line).toMatchObject({ model: "llama3.2:1b", message: { role: "assistant" }, done: false })
      }
      const done = all.at(-1)
      expect(keys(done)).toEqual([
        "model",
        "created_at",
        "message",
        "done",
        "done_reason",
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration"
      ])
      expect(done).toMatchObject({
        model: "llama3.2:1b",
        message: { role: "assistant", content: "" },
        done: true,
        done_reason: "stop",
        prompt_eval_count: 4,
        eval_count: 4
      })
      expect(String(field(done, "created_at"))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    }))

  it.scopedLive("answers stream:false with one JSON object holding the whole answer", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/api/chat", chatBody("hi <you> & me", { stream: false }))
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const body = yield* text(response)
      // Go's encoder escapes <, > and &.
      expect(body).toContain(`"content":"llama3.2:1b answers: hi \\u003cyou\\u003e \\u0026 me"`)
      expect(JSON.parse(body)).toMatchObject({
        message: { role: "assistant", content: "llama3.2:1b answers: hi <you> & me" },
        done: true,
        done_reason: "stop",
        eval_count: 6
      })
    }))

  it.scopedLive("emits exactly `tokens` chunks when configured", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 25 })
      const all = lines(yield* Effect.flatMap(post(sim, "/api/chat", chatBody("one two")), text))
      expect(all).toHaveLength(26)
      expect(all.at(-1)).toMatchObject({ done: true, eval_count: 25 })
      expect(field(field(all[4], "message"), "content")).toBe("llama3.2:1b")
    }))

  it.scopedLive("loads the model for an empty messages list (done_reason load), unloads with keep_alive 0", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const loaded = yield* post(sim, "/api/chat", { model: "qwen3:8b", messages: [] })
      expect(loaded.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const body = yield* json(loaded)
      expect(keys(body)).toEqual(["model", "created_at", "message", "done", "done_reason"])
      expect(body).toMatchObject({ model: "qwen3:8b", message: { role: "assistant", content: "" }, done: true, done_reason: "load" })
      expect((yield* sim.stats).resident).toBe("qwen3:8b")

      const unloaded = yield* Effect.flatMap(post(sim, "/api/chat", { model: "qwen3:8b", keep_alive: 0 }), json)
      expect(unloaded).toMatchObject({ done: true, done_reason: "unload" })
      expect((yield* sim.stats).resident).toBeNull()
    }))

  it.scopedLive("answers Ollama's errors", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const missing = yield* post(sim, "/api/chat", { messages: [] })
      expect(missing.status).toBe(400)
      expect(yield* text(missing)).toBe(`{"error":"model is required"}`)

      const unknown = yield* post(sim, "/api/chat", chatBody("x", { model: "nope:1b" }))
      expect(unknown.status).toBe(404)
      expect(yield* text(unknown)).toBe(`{"error":"model 'nope:1b' not found"}`)

      const broken = yield* post(sim, "/api/chat", "{not json")
      expect(broken.status).toBe(400)
      expect(field(yield* json(broken), "error")).toBeTypeOf("string")

      const empty = yield* post(sim, "/api/chat", "")
      expect(yield* text(empty)).toBe(`{"error":"missing request body"}`)

      const badStream = yield* post(sim, "/api/chat", chatBody("x", { stream: "yes" }))
      expect(yield* text(badStream)).toBe(
        `{"error":"json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"}`
      )

      const embedModel = yield* post(sim, "/api/chat", chatBody("x", { model: "nomic-embed-text" }))
      expect(yield* text(embedModel)).toBe(`{"error":"\\"nomic-embed-text\\" does not support chat"}`)
    }))

  it.scopedLive("failNext(2) fails two generations with the given status, then succeeds", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* sim.failNext(2, 503, "busy")
      const first = yield* post(sim, "/api/chat", chatBody("a", { stream: false }))
      const second = yield* post(sim, "/api/generate", { model: "llama3.2:1b", prompt: "b", stream: false })
      const third = yield* post(sim, "/api/chat", chatBody("c", { stream: false }))
      expect([first.status, second.status, third.status]).toEqual([503, 503, 200])
      expect(yield* text(first)).toBe(`{"error":"busy"}`)
      expect(field(field(yield* json(third), "message"), "content")).toBe("llama3.2:1b answers: c")
    }))
})

describe("POST /api/generate", () => {
  it.scopedLive("streams response pieces and ends with context and metrics", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const all = lines(yield* Effect.flatMap(post(sim, "/api/generate", { model: "gemma3:4b", prompt: "why sky" }), text))
      expect(all.slice(0, -1).map((line) => field(line, "response")).join("")).toBe("gemma3:4b answers: why sky")
      const done = all.at(-1)
      expect(keys(done).slice(0, 6)).toEqual([
        "model",
        "created_at",
        "response",
        "done",
        "done_reason",
        "context"
      ])
      expect(done).toMatchObject({ response: "", done: true, done_reason: "stop", prompt_eval_count: 2, eval_count: 4 })
      expect(field(done, "context")).toHaveLength(6)
    }))

  it.scopedLive("answers stream:false, load-only prompts and unknown models like Ollama", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const whole = yield* Effect.flatMap(post(sim, "/api/generate", { model: "gemma3:4b", prompt: "hi", stream: false }), json)
      expect(whole).toMatchObject({ response: "gemma3:4b answers: hi", done: true })

      const load = yield* Effect.flatMap(post(sim, "/api/generate", { model: "gemma3:4b" }), json)
      expect(load).toMatchObject({ response: "", done: true, done_reason: "load" })

      const missing = yield* post(sim, "/api/generate", { prompt: "x" })
      expect(missing.status).toBe(404)
      expect(yield* text(missing)).toBe(`{"error":"model '' not found"}`)
    }))
})
