import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { OllamaSim, type SimHandle } from "../src/index.js"
import { field, items, json, keys, lines, post, send, text } from "./support.js"

const tagNames = (sim: SimHandle) =>
  Effect.map(
    Effect.flatMap(send(sim, "/api/tags"), json),
    (body) => items(field(body, "models")).map((model) => field(model, "name"))
  )

describe("model management", () => {
  it.scopedLive("lists installed models with Ollama's fields", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* send(sim, "/api/tags")
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const [first] = items(field(yield* json(response), "models"))
      expect(keys(first)).toEqual(["name", "model", "modified_at", "size", "digest", "details"])
      expect(first).toMatchObject({
        name: "llama3.2:1b",
        model: "llama3.2:1b",
        size: 1321098329,
        details: {
          parent_model: "",
          format: "gguf",
          family: "llama",
          families: ["llama"],
          parameter_size: "1.2B",
          quantization_level: "Q8_0"
        }
      })
      expect(String(field(first, "digest"))).toMatch(/^[0-9a-f]{64}$/)
      expect(yield* tagNames(sim)).toEqual(["llama3.2:1b", "qwen3:8b", "gemma3:4b", "nomic-embed-text:latest"])
    }))

  it.scopedLive("pull streams progress and installs; delete removes", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ models: ["llama3.2:1b"], embedModels: [] })
      const pulled = yield* post(sim, "/api/pull", { model: "mistral:7b" })
      expect(pulled.headers.get("content-type")).toBe("application/x-ndjson")
      const statuses = lines(yield* text(pulled)).map((line) => field(line, "status"))
      expect(statuses[0]).toBe("pulling manifest")
      expect(statuses.slice(-3)).toEqual(["verifying sha256 digest", "writing manifest", "success"])
      expect(String(statuses[1])).toMatch(/^pulling [0-9a-f]{12}$/)
      expect(yield* tagNames(sim)).toEqual(["mistral:7b", "llama3.2:1b"])

      const quiet = yield* post(sim, "/api/pull", { name: "all-minilm", stream: false })
      expect(quiet.headers.get("content-type")).toBe("application/json")
      expect(yield* text(quiet)).toBe(`{"status":"success"}`)
      const embedded = yield* post(sim, "/api/embed", { model: "all-minilm", input: "x" })
      expect(embedded.status).toBe(200)

      const deleted = yield* send(sim, "/api/delete", { method: "DELETE", body: JSON.stringify({ model: "mistral:7b" }) })
      expect(deleted.status).toBe(200)
      expect(yield* text(deleted)).toBe("")
      expect(yield* tagNames(sim)).toEqual(["all-minilm:latest", "llama3.2:1b"])

      const again = yield* send(sim, "/api/delete", { method: "DELETE", body: JSON.stringify({ model: "mistral:7b" }) })
      expect(again.status).toBe(404)
      expect(yield* text(again)).toBe(`{"error":"model 'mistral:7b' not found"}`)
    }))

  it.scopedLive("copy, create and show", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const copied = yield* post(sim, "/api/copy", { source: "gemma3:4b", destination: "mine:latest" })
      expect(copied.status).toBe(200)
      const missing = yield* post(sim, "/api/copy", { source: "ghost", destination: "x" })
      expect(missing.status).toBe(404)
      expect(yield* text(missing)).toBe(`{"error":"model \\"ghost\\" not found"}`)

      const created = lines(yield* Effect.flatMap(post(sim, "/api/create", { model: "tuned", from: "qwen3:8b" }), text))
      expect(created.at(-1)).toEqual({ status: "success" })
      expect(yield* tagNames(sim)).toEqual(expect.arrayContaining(["mine:latest", "tuned:latest"]))

      const shown = yield* Effect.flatMap(post(sim, "/api/show", { model: "qwen3:8b" }), json)
      expect(keys(shown)).toEqual([
        "modelfile",
        "parameters",
        "template",
        "details",
        "model_info",
        "capabilities",
        "modified_at"
      ])
      expect(shown).toMatchObject({
        details: { family: "qwen3", parameter_size: "8.2B" },
        model_info: { "general.architecture": "qwen3", "qwen3.context_length": 40960 },
        capabilities: ["completion", "tools", "thinking"]
      })
      const legacy = yield* Effect.flatMap(post(sim, "/api/show", { name: "nomic-embed-text" }), json)
      expect(field(legacy, "capabilities")).toEqual(["embedding"])

      const unknown = yield* post(sim, "/api/show", { model: "ghost" })
      expect(unknown.status).toBe(404)
      expect(yield* text(unknown)).toBe(`{"error":"model 'ghost' not found"}`)
    }))

  it.scopedLive("stores blobs by digest", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const content = "GGUF pretend weights"
      const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`
      expect((yield* send(sim, `/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(404)
      const wrong = yield* send(sim, `/api/blobs/${digest}`, { method: "POST", body: "other bytes" })
      expect(wrong.status).toBe(400)
      expect(String(field(yield* json(wrong), "error"))).toMatch(/^digest mismatch, expected "sha256:/)
      expect((yield* send(sim, `/api/blobs/${digest}`, { method: "POST", body: content })).status).toBe(201)
      expect((yield* send(sim, `/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(200)
      expect((yield* send(sim, "/api/blobs/sha256:xyz", { method: "HEAD" })).status).toBe(400)
    }))

  it.scopedLive("embeds deterministically", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const embed = (input: unknown) => Effect.flatMap(post(sim, "/api/embed", { model: "nomic-embed-text", input }), json)
      const one = yield* embed("hello")
      const two = yield* embed(["hello", "world"])
      expect(keys(one)).toEqual(["model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"])
      const [a] = items(field(one, "embeddings"))
      const [b, c] = items(field(two, "embeddings"))
      expect(a).toEqual(b)
      expect(a).not.toEqual(c)
      expect(Math.hypot(...items(a).map(Number))).toBeCloseTo(1, 4)
      expect(yield* embed("")).toEqual({ model: "nomic-embed-text", embeddings: [] })

      const unknown = yield* post(sim, "/api/embed", { model: "ghost", input: "x" })
      expect(unknown.status).toBe(404)
      expect(yield* text(unknown)).toBe(`{"error":"model \\"ghost\\" not found, try pulling it first"}`)
      const badInput = yield* post(sim, "/api/embed", { model: "nomic-embed-text", input: [1] })
      expect(yield* text(badInput)).toBe(`{"error":"invalid input type"}`)

      const legacy = yield* Effect.flatMap(post(sim, "/api/embeddings", { model: "nomic-embed-text", prompt: "hello" }), json)
      expect(field(legacy, "embedding")).toEqual(a)
    }))
})
