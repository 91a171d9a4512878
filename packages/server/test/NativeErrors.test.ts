import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Schedule } from "effect"
import { OllamaSim } from "@foreman/ollama-sim"
import { request as httpRequest, createServer } from "node:http"
import { Ollama } from "ollama"
import { postJson, startForeman, text } from "./support/foreman.js"

const chat = { model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: "hi" }] }

/** A hop in front of `target` that holds back its model lists (`/api/tags`, `/api/ps`) for `delayMs`. */
const slowListHop = (target: string, delayMs: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer((incoming, outgoing) => {
        const forward = () => {
          const upstream = httpRequest(`${target}${incoming.url ?? "/"}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(outgoing)
          })
          incoming.pipe(upstream)
        }
        if (incoming.url === "/api/tags" || incoming.url === "/api/ps") setTimeout(forward, delayMs)
        else forward()
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, close: () => server.close() }))
      })
    }),
    (hop) => Effect.sync(() => hop.close())
  )

const errorOf = (response: Response) => Effect.map(text(response), (body) => ({ status: response.status, body: JSON.parse(body) as unknown }))

describe("native errors in Ollama's shape", () => {
  it.live("400 for malformed or incomplete requests, and nothing is queued", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["{not json", "invalid JSON"],
        ["", "missing request body"],
        ["[1,2]", "request body must be a JSON object"],
        [`{"messages":[]}`, "model is required"],
        [`{"model":"  ","messages":[]}`, "model is required"],
        [`{"model":7}`, "json: cannot unmarshal number into Go struct field ChatRequest.model of type string"],
        [`{"model":"llama3.2:1b","stream":"yes"}`, "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"],
        // Ollama refuses these while decoding, before any load: queued, each would wait its turn
        // and then load a model only to be refused.
        [`{"model":"qwen3:8b","messages":"hi"}`, "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"],
        [`{"model":"qwen3:8b","messages":[{"role":"user","content":"x","images":["data:image/png;base64,AAAA"]}]}`, "illegal base64 data at input byte 4"],
        [`{"model":"qwen3:8b","messages":[{"role":"user","content":"x"}],"think":"hard"}`, `invalid think value: "hard"`]
      ]
      for (const [body, message] of cases) {
        const { status, body: error } = yield* errorOf(yield* postJson(`${foreman.url}/api/chat`, body))
        expect([body, status]).toEqual([body, 400])
        expect(error).toEqual({ error: expect.stringContaining(message) })
      }
      const generate = yield* errorOf(yield* postJson(`${foreman.url}/api/generate`, `{"model":"gemma3:4b","prompt":5}`))
      expect(generate).toEqual({ status: 400, body: { error: "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string" } })
      // GenerateHandler looks a missing model up, as "", where ChatHandler calls it required.
      for (const [body, model] of [[`{"prompt":"hi"}`, ""], [`{"model":null,"prompt":"hi"}`, ""], [`{"model":"  ","prompt":"hi"}`, "  "]] as const) {
        const missing = yield* errorOf(yield* postJson(`${foreman.url}/api/generate`, body))
        expect([body, missing]).toEqual([body, { status: 404, body: { error: `model '${model}' not found` } }])
      }
      // The /v1 family: OpenAI's shape, ChatMiddleware's own words for an empty conversation.
      for (const [path, body, message] of [
        ["/v1/chat/completions", `{"model":"gemma3:4b","messages":[]}`, "[] is too short - 'messages'"],
        ["/v1/chat/completions", `{"model":"gemma3:4b","messages":[{"role":"user","content":"x"}],"max_tokens":"9"}`, "json: cannot unmarshal string into Go struct field ChatCompletionRequest.max_tokens of type int"],
        ["/v1/completions", `{"model":"gemma3:4b","prompt":["a","b"]}`, "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string"],
        // The OpenAI layer's conversion: an image by URL, as OpenAI's own API takes it.
        ["/v1/chat/completions", `{"model":"gemma3:4b","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.test/cat.png"}}]}]}`, "image URLs are not currently supported, please use base64 encoded data instead"]
      ] as const) {
        const refused = yield* errorOf(yield* postJson(`${foreman.url}${path}`, body))
        expect([body, refused]).toEqual([body, { status: 400, body: { error: { message, type: "invalid_request_error", param: null, code: null } } }])
      }
      const noModel = yield* errorOf(yield* postJson(`${foreman.url}/v1/completions`, `{"prompt":"hi"}`))
      expect(noModel).toEqual({ status: 404, body: { error: expect.objectContaining({ message: "model '' not found" }) } })
      const stats = yield* foreman.sim.stats
      // Nothing reached the target, so nothing was loaded for them either.
      expect(Object.keys(stats.calls).filter((call) => call.startsWith("POST"))).toEqual([])
    }).pipe(Effect.scoped))

  // Before the target has answered once, any named model is taken on trust and queued; a blank
  // name never is (it would wait for a target that can only say "not found").
  it.live("a blank /api/generate model is 404 even while the target has never answered", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({})
      yield* sim.refuse()
      const foreman = yield* startForeman({ target: sim })
      const missing = yield* errorOf(yield* postJson(`${foreman.url}/api/generate`, `{"prompt":"hi","stream":false}`))
      expect(missing).toEqual({ status: 404, body: { error: "model '' not found" } })
      const jobs = yield* Effect.promise(() => fetch(`${foreman.url}/jobs`).then((r) => r.json() as Promise<{ jobs: ReadonlyArray<unknown> }>))
      expect(jobs.jobs).toEqual([])
    }).pipe(Effect.scoped))

  it.live("404 for an unknown model, after one re-poll that finds models pulled since", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_POLL_INTERVAL: "1h" } })
      const missing = yield* errorOf(yield* postJson(`${foreman.url}/api/chat`, { ...chat, model: "nope:7b" }))
      expect(missing).toEqual({ status: 404, body: { error: `model 'nope:7b' not found` } })

      yield* foreman.sim.setModels(["llama3.2:1b", "fresh:1b"])
      const fresh = yield* postJson(`${foreman.url}/api/chat`, { ...chat, model: "fresh:1b" })
      expect(fresh.status).toBe(200)

      const viaClient = yield* Effect.promise(() =>
        new Ollama({ host: foreman.url }).chat({ ...chat, model: "ghost:1b", stream: false }).then(
          () => ({ name: "none", status: 0 }),
          (error: { name: string; status_code: number }) => ({ name: error.name, status: error.status_code })
        )
      )
      expect(viaClient).toEqual({ name: "ResponseError", status: 404 })
    }).pipe(Effect.scoped))

  it.live("a burst of requests for a model the target lacks shares the poll in flight", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({})
      // The target's model lists take 300 ms, so the burst lands while one poll is still out.
      const hop = yield* slowListHop(sim.url, 300)
      const foreman = yield* startForeman({ target: sim, env: { FOREMAN_OLLAMA_URL: hop.url, FOREMAN_POLL_INTERVAL: "1h" } })
      yield* sim.resetStats
      const answers = yield* Effect.all(
        Array.from({ length: 20 }, () => Effect.flatMap(postJson(`${foreman.url}/api/chat`, { ...chat, model: "nope:7b" }), errorOf)),
        { concurrency: "unbounded" }
      )
      expect(answers.every((answer) => answer.status === 404)).toBe(true)
      const polls = (yield* sim.stats).calls["GET /api/tags"] ?? 0
      expect(polls).toBeGreaterThanOrEqual(1)
      expect(polls).toBeLessThanOrEqual(3)
    }).pipe(Effect.scoped))

  it.live("413 for a body over FOREMAN_MAX_BODY, declared or chunked", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_MAX_BODY: "1KiB" } })
      const big = JSON.stringify({ ...chat, messages: [{ role: "user", content: "x".repeat(4096) }] })
      const declared = yield* errorOf(yield* postJson(`${foreman.url}/api/chat`, big))
      expect(declared.status).toBe(413)
      expect(declared.body).toEqual({ error: expect.stringContaining("too large") })

      const chunked = yield* Effect.promise(() =>
        fetch(`${foreman.url}/api/chat`, {
          method: "POST",
          body: new Blob([big]).stream(),
          duplex: "half"
        } as RequestInit & { duplex: "half" })
      )
      expect(chunked.status).toBe(413)
      expect((yield* foreman.sim.stats).calls["POST /api/chat"] ?? 0).toBe(0)
    }).pipe(Effect.scoped))

  it.live("405 for a wrong method on a known path, plain 404 for an unknown path", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const wrong = yield* Effect.promise(() => fetch(`${foreman.url}/api/chat`))
      expect(yield* errorOf(wrong)).toEqual({ status: 405, body: { error: "method not allowed" } })
      const unknown = yield* Effect.promise(() => fetch(`${foreman.url}/api/nothing-here`))
      expect(unknown.status).toBe(404)
      expect(yield* text(unknown)).toBe("404 page not found")
      // A path the router itself rejects (malformed percent-encoding) meets the same answer.
      const malformed = yield* Effect.promise(() => fetch(`${foreman.url}/api/%ZZ`))
      expect([malformed.status, yield* text(malformed)]).toEqual([404, "404 page not found"])
    }).pipe(Effect.scoped))

  it.live("a failure foreman did not expect is a 500 in the route family's shape, and the daemon answers on", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const accepted = yield* postJson(`${foreman.url}/jobs`, chat)
      const { job_id } = yield* Effect.promise(() => accepted.json() as Promise<{ job_id: string }>)
      const jobUrl = `${foreman.url}/jobs/${job_id}/artifacts/completion`
      yield* Effect.promise(() => fetch(jobUrl)).pipe(
        Effect.filterOrFail((r) => r.status === 200),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds")))
      )
      // The store breaking under a request (a disk gone bad) is a defect, not the caller's fault.
      const sql = (statement: string) => foreman.run(Effect.flatMap(SqlClient.SqlClient, (client) => client.unsafe(statement)))
      yield* sql("ALTER TABLE artifacts RENAME TO artifacts_gone")
      const broken = yield* Effect.promise(() => fetch(jobUrl))
      expect(yield* errorOf(broken)).toEqual({ status: 500, body: { _tag: "InternalError", error: "internal error" } })
      yield* sql("ALTER TABLE artifacts_gone RENAME TO artifacts")
      expect((yield* Effect.promise(() => fetch(jobUrl))).status).toBe(200)
    }).pipe(Effect.scoped))
})

describe("bearer auth", () => {
  it.live("off by default: every route answers without a token", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      expect((yield* Effect.promise(() => fetch(`${foreman.url}/api/tags`))).status).toBe(200)
      expect((yield* Effect.promise(() => fetch(`${foreman.url}/openapi.json`))).status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("FOREMAN_TOKEN guards every route but /healthz, in each family's error shape", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_TOKEN: "let-me-in" } })
      const get = (path: string, token?: string) =>
        Effect.promise(() => fetch(`${foreman.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }))

      expect((yield* get("/healthz")).status).toBe(200)
      for (const token of [undefined, "wrong", "let-me-in-not"]) {
        const native = yield* errorOf(yield* get("/api/tags", token))
        expect(native.status).toBe(401)
        expect(native.body).toEqual({ error: expect.stringContaining("unauthorized") })
        const own = yield* errorOf(yield* get("/openapi.json", token))
        expect(own.status).toBe(401)
        expect(own.body).toEqual({ _tag: "Unauthorized", error: expect.any(String) })
      }
      const chatWithout = yield* postJson(`${foreman.url}/api/chat`, chat)
      expect(chatWithout.status).toBe(401)
      expect((yield* foreman.sim.stats).calls["POST /api/chat"] ?? 0).toBe(0)

      expect((yield* get("/api/tags", "let-me-in")).status).toBe(200)
      const client = new Ollama({ host: foreman.url, headers: { authorization: "Bearer let-me-in" } })
      const answer = yield* Effect.promise(() => client.chat({ ...chat, stream: false }))
      expect(answer.message.content).toContain("hi")
    }).pipe(Effect.scoped))

  it.live("FOREMAN_OLLAMA_TOKEN is sent to the target as a bearer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_OLLAMA_TOKEN: "target-secret" } })
      yield* postJson(`${foreman.url}/api/chat`, chat).pipe(Effect.flatMap(text))
      const requests = yield* foreman.sim.requests
      expect(requests.length).toBeGreaterThan(0)
      for (const request of requests) expect(request.headers["authorization"]).toBe("Bearer target-secret")
    }).pipe(Effect.scoped))
})
