import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim } from "../src/index.js"
import { eventually, field, items, json, post, send, text } from "./support.js"

describe("HTTP surface", () => {
  it.scopedLive("answers /, /api/version, unknown paths and wrong methods like Ollama", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ version: "0.12.6" })
      const root = yield* send(sim, "/")
      expect(root.headers.get("content-type")).toBe("text/plain; charset=utf-8")
      expect(yield* text(root)).toBe("Ollama is running")
      expect((yield* send(sim, "/", { method: "HEAD" })).status).toBe(200)
      expect(yield* Effect.flatMap(send(sim, "/api/version"), text)).toBe(`{"version":"0.12.6"}`)

      const nowhere = yield* send(sim, "/api/nowhere")
      expect(nowhere.status).toBe(404)
      expect(yield* text(nowhere)).toBe("404 page not found")

      const wrong = yield* send(sim, "/api/chat")
      expect(wrong.status).toBe(405)
      expect(yield* text(wrong)).toBe("405 method not allowed")
      expect((yield* send(sim, "/api/ps", { method: "HEAD" })).status).toBe(405)
    }))

  it.scopedLive("records every request's method, path, headers and raw body", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const raw = `{"model":"llama3.2:1b","messages":[],"options":{"seed":12345678901234567890}}`
      yield* post(sim, "/api/chat?x=1", raw, { headers: { authorization: "Bearer secret", "content-type": "application/json" } })
      yield* send(sim, "/api/tags")
      const [chat, tags] = yield* sim.requests
      expect(chat).toMatchObject({ method: "POST", path: "/api/chat", url: "/api/chat?x=1", body: raw })
      expect(chat?.headers["authorization"]).toBe("Bearer secret")
      expect(tags).toMatchObject({ method: "GET", path: "/api/tags", body: "" })
      expect((yield* sim.stats).calls).toEqual({ "POST /api/chat": 1, "GET /api/tags": 1 })

      yield* sim.resetStats
      expect(yield* sim.requests).toEqual([])
      expect((yield* sim.stats).calls).toEqual({})
    }))

  it.scopedLive("requires the bearer token when configured", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ requireToken: "t0k" })
      const denied = yield* send(sim, "/api/tags")
      expect(denied.status).toBe(401)
      expect(yield* text(denied)).toBe(`{"error":"unauthorized"}`)
      expect((yield* send(sim, "/api/tags", { headers: { authorization: "Bearer t0k" } })).status).toBe(200)
    }))
})

describe("admin surface", () => {
  it.scopedLive("reports stats and injects faults over HTTP", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* post(sim, "/api/generate", { model: "qwen3:8b", prompt: "x", stream: false })
      const stats = yield* Effect.flatMap(send(sim, "/_sim/stats"), json)
      expect(stats).toMatchObject({ swaps: 1, loads: 1, resident: "qwen3:8b", calls: { "POST /api/generate": 1 } })

      yield* post(sim, "/_sim/fault", { kind: "fail", n: 1, status: 500 })
      expect((yield* post(sim, "/api/generate", { model: "qwen3:8b", prompt: "x" })).status).toBe(500)
      expect((yield* post(sim, "/api/generate", { model: "qwen3:8b", prompt: "x" })).status).toBe(200)

      yield* post(sim, "/_sim/fault", { kind: "reset" })
      expect(yield* Effect.either(send(sim, "/api/tags"))).toMatchObject({ _tag: "Left" })
      yield* post(sim, "/_sim/restore", {})
      expect((yield* send(sim, "/api/tags")).status).toBe(200)

      const noMs = yield* post(sim, "/_sim/fault", { kind: "refuse" })
      expect(noMs.status).toBe(400)
      const refused = yield* post(sim, "/_sim/fault", { kind: "refuse", ms: 200 })
      expect(yield* json(refused)).toEqual({ ok: true })
      const down = yield* eventually(Effect.either(send(sim, "/")), (result) => result._tag === "Left")
      expect(down._tag).toBe("Left")
      const up = yield* eventually(Effect.either(send(sim, "/")), (result) => result._tag === "Right")
      expect(up._tag).toBe("Right")

      yield* post(sim, "/_sim/reset-stats", {})
      expect(field(yield* Effect.flatMap(send(sim, "/_sim/stats"), json), "calls")).toEqual({})
    }))

  it.scopedLive("replaces the installed models and lists requests", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* sim.setModels(["phi4:14b"])
      const names = (body: unknown) => items(field(body, "models")).map((model) => field(model, "name"))
      expect(names(yield* Effect.flatMap(send(sim, "/api/tags"), json))).toEqual(["phi4:14b", "nomic-embed-text:latest"])

      yield* post(sim, "/_sim/models", { models: ["a:1b"], embedModels: [] })
      expect(names(yield* Effect.flatMap(send(sim, "/api/tags"), json))).toEqual(["a:1b"])
      const recorded = items(yield* Effect.flatMap(send(sim, "/_sim/requests"), json))
      expect(recorded.map((request) => field(request, "path"))).toEqual(["/api/tags", "/api/tags"])
    }))
})
