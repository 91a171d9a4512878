import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim, type SimHandle } from "../src/index.js"
import { eventually, field, items, json, keys, post, send, text } from "./support.js"

// Ollama v0.12.6's OpenAI compatibility layer (openai/openai.go, middleware/openai.go).

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "llama3.2:1b",
  messages: [{ role: "system", content: "be brief" }, { role: "user", content }],
  ...extra
})

/** The payloads of a text/event-stream body, checking its "data: …\n\n" framing. */
const events = (body: string): ReadonlyArray<string> => {
  expect(body.endsWith("\n\n")).toBe(true)
  return body.slice(0, -2).split("\n\n").map((event) => {
    expect(event.startsWith("data: ")).toBe(true)
    return event.slice("data: ".length)
  })
}

/** The JSON events before the closing [DONE]. */
const chunks = (body: string): ReadonlyArray<unknown> => {
  const all = events(body)
  expect(all.at(-1)).toBe("[DONE]")
  expect(all.filter((event) => event === "[DONE]")).toHaveLength(1)
  return all.slice(0, -1).map((event): unknown => JSON.parse(event))
}

const choice = (value: unknown): unknown => items(field(value, "choices"))[0]

const openaiError = (message: string, type: string) =>
  JSON.stringify({ error: { message, type, param: null, code: null } })

const nowSeconds = () => Math.floor(Date.now() / 1000)

const v1Chat = (sim: SimHandle, model: string, extra: Record<string, unknown> = {}, init?: RequestInit) =>
  post(sim, "/v1/chat/completions", { model, messages: [{ role: "user", content: "go" }], ...extra }, init)

describe("POST /v1/chat/completions", () => {
  it.scopedLive("answers a chat.completion object when stream is left out", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const before = nowSeconds()
      const response = yield* post(sim, "/v1/chat/completions", chatBody("hello <there>"))
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json")
      const body = yield* text(response)
      // json.NewEncoder: a trailing newline, and <, > escaped.
      expect(body.endsWith("}\n")).toBe(true)
      expect(body).toContain(`"content":"llama3.2:1b answers: hello \\u003cthere\\u003e"`)
      const completion: unknown = JSON.parse(body)
      expect(keys(completion)).toEqual(["id", "object", "created", "model", "system_fingerprint", "choices", "usage"])
      expect(String(field(completion, "id"))).toMatch(/^chatcmpl-\d{1,3}$/)
      expect(completion).toMatchObject({
        object: "chat.completion",
        model: "llama3.2:1b",
        system_fingerprint: "fp_ollama",
        usage: { prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 }
      })
      expect(keys(choice(completion))).toEqual(["index", "message", "finish_reason"])
      expect(field(completion, "choices")).toEqual([{
        index: 0,
        message: { role: "assistant", content: "llama3.2:1b answers: hello <there>" },
        finish_reason: "stop"
      }])
      expect(Number(field(completion, "created"))).toBeGreaterThanOrEqual(before)
      expect(Number(field(completion, "created"))).toBeLessThanOrEqual(nowSeconds())
    }))

  it.scopedLive("streams chat.completion.chunk events, a stop chunk, then data: [DONE]", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/v1/chat/completions", chatBody("hello there", { stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("text/event-stream")
      const all = chunks(yield* text(response))
      expect(all).toHaveLength(5)
      const ids = new Set(all.map((chunk) => field(chunk, "id")))
      expect(ids.size).toBe(1)
      expect(String([...ids][0])).toMatch(/^chatcmpl-\d{1,3}$/)
      for (const chunk of all) {
        expect(keys(chunk)).toEqual(["id", "object", "created", "model", "system_fingerprint", "choices"])
        expect(chunk).toMatchObject({ object: "chat.completion.chunk", model: "llama3.2:1b", system_fingerprint: "fp_ollama" })
        expect(keys(choice(chunk))).toEqual(["index", "delta", "finish_reason"])
      }
      expect(all.slice(0, -1).map(choice)).toEqual(
        ["llama3.2:1b", " answers:", " hello", " there"].map((content) => ({
          index: 0,
          delta: { role: "assistant", content },
          finish_reason: null
        }))
      )
      expect(choice(all.at(-1))).toEqual({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "stop" })
    }))

  it.scopedLive("adds a usage chunk with no choices before [DONE] when include_usage is set", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 3 })
      const body = yield* Effect.flatMap(
        post(sim, "/v1/chat/completions", chatBody("hi", { stream: true, stream_options: { include_usage: true } })),
        text
      )
      const all = chunks(body)
      expect(all).toHaveLength(5)
      const usage = all.at(-1)
      expect(keys(usage)).toEqual(["id", "object", "created", "model", "system_fingerprint", "choices", "usage"])
      expect(usage).toMatchObject({
        object: "chat.completion.chunk",
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 }
      })
      expect(field(choice(all.at(-2)), "finish_reason")).toBe("stop")
      expect(all.slice(0, -1).every((chunk) => field(chunk, "usage") === undefined)).toBe(true)

      const without = chunks(yield* Effect.flatMap(
        post(sim, "/v1/chat/completions", chatBody("hi", { stream: true, stream_options: { include_usage: false } })),
        text
      ))
      expect(without).toHaveLength(4)
    }))

  it.scopedLive("flattens text content parts; the last user part is what the model answers", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const completion = yield* Effect.flatMap(
        post(sim, "/v1/chat/completions", {
          model: "gemma3:4b",
          messages: [{ role: "user", content: [{ type: "text", text: "first" }, { type: "text", text: "second" }] }]
        }),
        json
      )
      expect(field(field(choice(completion), "message"), "content")).toBe("gemma3:4b answers: second")
    }))

  it.scopedLive("answers errors in the OpenAI shape with Ollama's statuses", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()

      // The native handler's errors, rewritten by the middleware: always "api_error".
      const unknown = yield* post(sim, "/v1/chat/completions", chatBody("x", { model: "nope:1b" }))
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get("content-type")).toBe("application/json")
      expect(yield* text(unknown)).toBe(`${openaiError("model 'nope:1b' not found", "api_error")}\n`)

      const missing = yield* post(sim, "/v1/chat/completions", { messages: [{ role: "user", content: "x" }] })
      expect(missing.status).toBe(400)
      expect(yield* text(missing)).toBe(`${openaiError("model is required", "api_error")}\n`)

      const embedModel = yield* post(sim, "/v1/chat/completions", chatBody("x", { model: "nomic-embed-text" }))
      expect(embedModel.status).toBe(400)
      expect(yield* text(embedModel)).toBe(`${openaiError(`"nomic-embed-text" does not support chat`, "api_error")}\n`)

      // The middleware's own refusals: gin's c.JSON, typed by status.
      const broken = yield* post(sim, "/v1/chat/completions", "hello")
      expect(broken.status).toBe(400)
      expect(broken.headers.get("content-type")).toBe("application/json; charset=utf-8")
      expect(yield* text(broken)).toBe(
        openaiError("invalid character 'h' looking for beginning of value", "invalid_request_error")
      )

      const empty = yield* post(sim, "/v1/chat/completions", "")
      expect(yield* text(empty)).toBe(openaiError("EOF", "invalid_request_error"))

      const noMessages = yield* post(sim, "/v1/chat/completions", { model: "llama3.2:1b", messages: [] })
      expect(noMessages.status).toBe(400)
      expect(yield* text(noMessages)).toBe(openaiError("[] is too short - 'messages'", "invalid_request_error"))

      const badStream = yield* post(sim, "/v1/chat/completions", chatBody("x", { stream: "yes" }))
      expect(yield* text(badStream)).toBe(openaiError(
        "json: cannot unmarshal string into Go struct field ChatCompletionRequest.stream of type bool",
        "invalid_request_error"
      ))

      const badContent = yield* post(sim, "/v1/chat/completions", { model: "llama3.2:1b", messages: [{ role: "user" }] })
      // Go's encoder escapes < and >.
      expect(yield* text(badContent)).toBe(
        `{"error":{"message":"invalid message content type: \\u003cnil\\u003e","type":"invalid_request_error","param":null,"code":null}}`
      )

      const badEffort = yield* post(sim, "/v1/chat/completions", chatBody("x", { reasoning_effort: "max" }))
      expect(yield* text(badEffort)).toBe(openaiError(
        `invalid reasoning value: 'max' (must be "high", "medium", "low", or "none")`,
        "invalid_request_error"
      ))

      const wrongMethod = yield* send(sim, "/v1/chat/completions")
      expect(wrongMethod.status).toBe(405)
      expect(wrongMethod.headers.get("content-type")).toBe("text/plain")
      expect(yield* text(wrongMethod)).toBe("405 method not allowed")

      // None of these reached a model.
      expect(yield* sim.stats).toMatchObject({ generations: 0, loads: 0 })
    }))
})

describe("POST /v1/completions", () => {
  it.scopedLive("answers a text_completion object", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/v1/completions", { model: "qwen3:8b", prompt: "why sky" })
      expect(response.headers.get("content-type")).toBe("application/json")
      const completion = yield* json(response)
      expect(keys(completion)).toEqual(["id", "object", "created", "model", "system_fingerprint", "choices", "usage"])
      expect(String(field(completion, "id"))).toMatch(/^cmpl-\d{1,3}$/)
      expect(completion).toMatchObject({
        object: "text_completion",
        model: "qwen3:8b",
        system_fingerprint: "fp_ollama",
        choices: [{ text: "qwen3:8b answers: why sky", index: 0, finish_reason: "stop" }],
        usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 }
      })
      expect(keys(choice(completion))).toEqual(["text", "index", "finish_reason"])
    }))

  it.scopedLive("streams text_completion chunks; include_usage zeroes every chunk's usage, then totals it", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/v1/completions", {
        model: "qwen3:8b",
        prompt: "why sky",
        stream: true,
        stream_options: { include_usage: true }
      })
      expect(response.headers.get("content-type")).toBe("text/event-stream")
      const all = chunks(yield* text(response))
      expect(all).toHaveLength(6)
      const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
      for (const chunk of all.slice(0, -1)) {
        // CompletionChunk puts choices before model.
        expect(keys(chunk)).toEqual(["id", "object", "created", "choices", "model", "system_fingerprint", "usage"])
        expect(chunk).toMatchObject({ object: "text_completion", model: "qwen3:8b", usage: zero })
      }
      expect(all.slice(0, 4).map((chunk) => field(choice(chunk), "text")).join("")).toBe("qwen3:8b answers: why sky")
      expect(all.slice(0, 4).every((chunk) => field(choice(chunk), "finish_reason") === null)).toBe(true)
      expect(choice(all[4])).toEqual({ text: "", index: 0, finish_reason: "stop" })
      expect(all[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 } })

      const plain = chunks(yield* Effect.flatMap(
        post(sim, "/v1/completions", { model: "qwen3:8b", prompt: "x", stream: true }),
        text
      ))
      expect(plain).toHaveLength(4)
      expect(keys(plain[0])).toEqual(["id", "object", "created", "choices", "model", "system_fingerprint"])
    }))

  it.scopedLive("loads the model for an empty prompt (finish_reason load), streamed or not", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const whole = yield* Effect.flatMap(post(sim, "/v1/completions", { model: "gemma3:4b" }), json)
      expect(whole).toMatchObject({
        choices: [{ text: "", index: 0, finish_reason: "load" }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
      })
      const streamed = yield* post(sim, "/v1/completions", { model: "gemma3:4b", prompt: "", stream: true })
      expect(streamed.headers.get("content-type")).toBe("text/event-stream")
      const all = chunks(yield* text(streamed))
      expect(all.map(choice)).toEqual([{ text: "", index: 0, finish_reason: "load" }])
      expect(yield* sim.stats).toMatchObject({ resident: "gemma3:4b", loads: 1, generations: 2 })
    }))

  it.scopedLive("answers GenerateHandler's errors and the middleware's", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const missing = yield* post(sim, "/v1/completions", { prompt: "x" })
      expect(missing.status).toBe(404)
      expect(yield* text(missing)).toBe(`${openaiError("model '' not found", "api_error")}\n`)

      const badPrompt = yield* post(sim, "/v1/completions", { model: "qwen3:8b", prompt: ["a"] })
      expect(badPrompt.status).toBe(400)
      expect(yield* text(badPrompt)).toBe(openaiError(
        "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string",
        "invalid_request_error"
      ))

      const badStop = yield* post(sim, "/v1/completions", { model: "qwen3:8b", prompt: "x", stop: ["a", 1] })
      expect(yield* text(badStop)).toBe(openaiError("invalid type for 'stop' field: float64", "invalid_request_error"))
    }))
})

describe("POST /v1/embeddings", () => {
  it.scopedLive("answers a list of embeddings with the vectors /api/embed gives", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/v1/embeddings", { model: "nomic-embed-text", input: ["alpha", "beta gamma"] })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json")
      const list = yield* json(response)
      expect(keys(list)).toEqual(["object", "data", "model", "usage"])
      expect(list).toMatchObject({ object: "list", model: "nomic-embed-text", usage: { prompt_tokens: 3, total_tokens: 3 } })
      const data = items(field(list, "data"))
      expect(data.map(keys)).toEqual([["object", "embedding", "index"], ["object", "embedding", "index"]])
      expect(data.map((entry) => field(entry, "index"))).toEqual([0, 1])
      expect(data.every((entry) => field(entry, "object") === "embedding")).toBe(true)

      const native = yield* Effect.flatMap(
        post(sim, "/api/embed", { model: "nomic-embed-text", input: ["alpha", "beta gamma"] }),
        json
      )
      expect(data.map((entry) => field(entry, "embedding"))).toEqual(field(native, "embeddings"))

      const single = yield* Effect.flatMap(post(sim, "/v1/embeddings", { model: "nomic-embed-text", input: "alpha" }), json)
      expect(items(field(single, "data")).map((entry) => field(entry, "embedding"))).toEqual([
        items(field(native, "embeddings"))[0]
      ])
      // Embedding models load beside the generation model: no swaps.
      expect(yield* sim.stats).toMatchObject({ swaps: 0, loads: 1, generations: 0 })
    }))

  it.scopedLive("refuses missing or empty input, and non-string items", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const none = yield* post(sim, "/v1/embeddings", { model: "nomic-embed-text" })
      expect(none.status).toBe(400)
      expect(yield* text(none)).toBe(openaiError("invalid input", "invalid_request_error"))
      const empty = yield* post(sim, "/v1/embeddings", { model: "nomic-embed-text", input: [] })
      expect(yield* text(empty)).toBe(openaiError("invalid input", "invalid_request_error"))
      const numbers = yield* post(sim, "/v1/embeddings", { model: "nomic-embed-text", input: [1, 2] })
      expect(numbers.status).toBe(400)
      expect(yield* text(numbers)).toBe(`${openaiError("invalid input type", "api_error")}\n`)
      const unknown = yield* post(sim, "/v1/embeddings", { model: "nope", input: "x" })
      expect(unknown.status).toBe(404)
      expect(yield* text(unknown)).toBe(`${openaiError(`model "nope" not found, try pulling it first`, "api_error")}\n`)

      // "" embeds one empty text.
      const blank = yield* Effect.flatMap(post(sim, "/v1/embeddings", { model: "nomic-embed-text", input: "" }), json)
      expect(items(field(blank, "data"))).toHaveLength(1)
    }))
})

describe("GET /v1/models", () => {
  it.scopedLive("lists installed models as /api/tags does, created from modified_at", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* send(sim, "/v1/models")
      expect(response.headers.get("content-type")).toBe("application/json")
      const list = yield* json(response)
      expect(keys(list)).toEqual(["object", "data"])
      expect(field(list, "object")).toBe("list")
      const tags = items(field(yield* Effect.flatMap(send(sim, "/api/tags"), json), "models"))
      expect(field(list, "data")).toEqual(tags.map((tag) => ({
        id: field(tag, "name"),
        object: "model",
        created: Math.floor(Date.parse(String(field(tag, "modified_at"))) / 1000),
        owned_by: "library"
      })))
      expect(items(field(list, "data")).map(keys)[0]).toEqual(["id", "object", "created", "owned_by"])

      yield* sim.setModels(["me/custom:7b", "ghcr.io/team/tool:1"], [])
      const owners = items(field(yield* Effect.flatMap(send(sim, "/v1/models"), json), "data"))
        .map((model) => [field(model, "id"), field(model, "owned_by")])
      expect(owners).toEqual([["me/custom:7b", "me"], ["ghcr.io/team/tool:1", "team"]])

      // A nil slice: Go prints null.
      yield* sim.setModels([], [])
      expect(yield* Effect.flatMap(send(sim, "/v1/models"), text)).toBe(`{"object":"list","data":null}\n`)

      const head = yield* send(sim, "/v1/models", { method: "HEAD" })
      expect(head.status).toBe(405)
    }))

  it.scopedLive("retrieves one model by the name as given, and 404s an unknown one", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const tags = items(field(yield* Effect.flatMap(send(sim, "/api/tags"), json), "models"))
      const created = Math.floor(Date.parse(String(field(tags[0], "modified_at"))) / 1000)

      const response = yield* send(sim, "/v1/models/llama3.2:1b")
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json")
      expect(yield* text(response)).toBe(
        `{"id":"llama3.2:1b","object":"model","created":${created},"owned_by":"library"}\n`
      )
      const loose = yield* Effect.flatMap(send(sim, "/v1/models/LLAMA3.2:1B"), json)
      expect(loose).toEqual({ id: "LLAMA3.2:1B", object: "model", created, owned_by: "library" })

      const unknown = yield* send(sim, "/v1/models/nope:1b")
      expect(unknown.status).toBe(404)
      expect(unknown.headers.get("content-type")).toBe("application/json")
      expect(yield* text(unknown)).toBe(`${openaiError("model 'nope:1b' not found", "api_error")}\n`)

      // gin's :model does not match a slash.
      const nested = yield* send(sim, "/v1/models/me/custom")
      expect(nested.status).toBe(404)
      expect(yield* text(nested)).toBe("404 page not found")
    }))
})

describe("/v1 generations share the sim's state", () => {
  it.scopedLive("counts swaps across /v1 and /api/chat: A, B, A is three", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* Effect.flatMap(v1Chat(sim, "llama3.2:1b"), json)
      yield* Effect.flatMap(
        post(sim, "/api/chat", { model: "qwen3:8b", messages: [{ role: "user", content: "go" }], stream: false }),
        json
      )
      yield* Effect.flatMap(v1Chat(sim, "llama3.2:1b", { stream: true }), text)
      expect(yield* sim.stats).toMatchObject({ swaps: 3, loads: 3, generations: 3, resident: "llama3.2:1b" })
      expect((yield* sim.stats).calls).toEqual({ "POST /v1/chat/completions": 2, "POST /api/chat": 1 })
      const recorded = yield* sim.requests
      expect(recorded.map((request) => request.path)).toEqual([
        "/v1/chat/completions",
        "/api/chat",
        "/v1/chat/completions"
      ])
      expect(JSON.parse(recorded[2]?.body ?? "")).toMatchObject({ model: "llama3.2:1b", stream: true })
    }))

  it.scopedLive("records overlapping /v1 and /api/chat generations", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 10, tokenDelayMs: 20 })
      yield* Effect.all([
        Effect.flatMap(v1Chat(sim, "llama3.2:1b", { stream: true }), text),
        Effect.flatMap(v1Chat(sim, "llama3.2:1b"), text),
        Effect.flatMap(post(sim, "/api/chat", { model: "llama3.2:1b", messages: [{ role: "user", content: "go" }] }), text)
      ], { concurrency: 3 })
      expect(yield* sim.stats).toMatchObject({ maxConcurrentGenerations: 3, activeGenerations: 0, aborted: 0, generations: 3 })
    }))

  it.scopedLive("emits `tokens` chunks and honors tokenDelayMs", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 6, tokenDelayMs: 30 })
      const started = Date.now()
      const all = chunks(yield* Effect.flatMap(v1Chat(sim, "llama3.2:1b", { stream: true }), text))
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      expect(all).toHaveLength(7)
      const whole = yield* Effect.flatMap(v1Chat(sim, "llama3.2:1b"), json)
      expect(field(whole, "usage")).toMatchObject({ completion_tokens: 6 })
    }))

  it.scopedLive("counts a /v1 stream whose client hangs up as aborted", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 200, tokenDelayMs: 25 })
      const controller = new AbortController()
      const response = yield* v1Chat(sim, "llama3.2:1b", { stream: true }, { signal: controller.signal })
      const reader = response.body?.getReader()
      const first = yield* Effect.promise(() => reader?.read() ?? Promise.resolve(undefined))
      expect(first?.done).toBe(false)
      const abortedAt = Date.now()
      controller.abort()
      const stats = yield* eventually(sim.stats, (s) => s.aborted === 1 && s.activeGenerations === 0)
      expect(stats).toMatchObject({ aborted: 1, activeGenerations: 0, generations: 1 })
      expect(Date.now() - abortedAt).toBeLessThan(1000)
    }))

  it.scopedLive("fails /v1 generations with failNext's status, in the OpenAI shape", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* sim.failNext(3, 503, "busy")
      const chat = yield* v1Chat(sim, "llama3.2:1b", { stream: true })
      const completion = yield* post(sim, "/v1/completions", { model: "llama3.2:1b", prompt: "x" })
      const native = yield* post(sim, "/api/chat", { model: "llama3.2:1b", messages: [], stream: false })
      const ok = yield* v1Chat(sim, "llama3.2:1b")
      expect([chat.status, completion.status, native.status, ok.status]).toEqual([503, 503, 503, 200])
      expect(chat.headers.get("content-type")).toBe("application/json")
      expect(yield* text(chat)).toBe(`${openaiError("busy", "api_error")}\n`)
      expect(yield* text(completion)).toBe(`${openaiError("busy", "api_error")}\n`)
      expect(yield* text(native)).toBe(`{"error":"busy"}`)
      expect(field(field(choice(yield* json(ok)), "message"), "content")).toBe("llama3.2:1b answers: go")
      expect(yield* sim.stats).toMatchObject({ generations: 1 })
    }))

  it.scopedLive("requires the bearer token on /v1 too", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ requireToken: "t0k" })
      const denied = yield* v1Chat(sim, "llama3.2:1b")
      expect(denied.status).toBe(401)
      const allowed = yield* v1Chat(sim, "llama3.2:1b", {}, {
        headers: { authorization: "Bearer t0k", "content-type": "application/json" }
      })
      expect(allowed.status).toBe(200)
      expect((yield* send(sim, "/v1/models", { headers: { authorization: "Bearer t0k" } })).status).toBe(200)
    }))
})
