import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim, type SimHandle } from "../src/index.js"
import { field, items, json, post, send } from "./support.js"

const ask = (sim: SimHandle, model: string, extra: Record<string, unknown> = {}) =>
  Effect.flatMap(
    post(sim, "/api/chat", { model, messages: [{ role: "user", content: "hi" }], stream: false, ...extra }),
    json
  )

const psModels = (sim: SimHandle) =>
  Effect.map(Effect.flatMap(send(sim, "/api/ps"), json), (body) => field(body, "models"))

describe("model residency", () => {
  it.scopedLive("counts every generation-model load as a swap: A, B, A is three", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* ask(sim, "llama3.2:1b")
      yield* ask(sim, "llama3.2:1b")
      yield* ask(sim, "qwen3:8b")
      yield* ask(sim, "llama3.2:1b")
      const stats = yield* sim.stats
      expect(stats).toMatchObject({ swaps: 3, loads: 3, resident: "llama3.2:1b", generations: 4 })
    }))

  it.scopedLive("keeps embedding models beside the generation model, without swaps", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* ask(sim, "llama3.2:1b")
      const embedded = yield* Effect.flatMap(
        post(sim, "/api/embed", { model: "nomic-embed-text", input: ["a", "b"] }),
        json
      )
      expect(field(embedded, "embeddings")).toHaveLength(2)
      yield* post(sim, "/api/embeddings", { model: "nomic-embed-text:latest", prompt: "c" })
      yield* ask(sim, "llama3.2:1b")
      expect(yield* sim.stats).toMatchObject({ swaps: 1, loads: 2, resident: "llama3.2:1b" })

      const models = yield* psModels(sim)
      expect(models).toHaveLength(2)
      expect(models).toEqual(expect.arrayContaining([
        expect.objectContaining({ name: "llama3.2:1b", model: "llama3.2:1b", size_vram: 1321098329, context_length: 4096 }),
        expect.objectContaining({ name: "nomic-embed-text:latest" })
      ]))
    }))

  it.scopedLive("takes a load's time, and expiry from keep_alive", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ loadDelayMs: 150 })
      const before = Date.now()
      const first = yield* ask(sim, "gemma3:4b", { keep_alive: "10m", options: { num_ctx: 8192 } })
      expect(Date.now() - before).toBeGreaterThanOrEqual(140)
      expect(Number(field(first, "load_duration"))).toBeGreaterThanOrEqual(140e6)
      const warm = yield* ask(sim, "gemma3:4b", { keep_alive: -1, options: { num_ctx: 8192 } })
      expect(Number(field(warm, "load_duration"))).toBeLessThan(100e6)

      const [resident] = items(yield* psModels(sim))
      expect(field(resident, "context_length")).toBe(8192)
      // -1 is forever: Ollama's math.MaxInt64 nanoseconds, ~292 years away.
      expect(new Date(String(field(resident, "expires_at"))).getUTCFullYear()).toBeGreaterThan(2300)

      // Another context size (here the default) loads the model again, as needsReload does.
      const reloaded = yield* ask(sim, "gemma3:4b", { keep_alive: -1 })
      expect(Number(field(reloaded, "load_duration"))).toBeGreaterThanOrEqual(140e6)
      expect(field(items(yield* psModels(sim))[0], "context_length")).toBe(4096)

      yield* ask(sim, "gemma3:4b", { keep_alive: 0 })
      expect(yield* psModels(sim)).toEqual([])
      expect(yield* sim.stats).toMatchObject({ loads: 2, resident: null })
    }))

  it.scopedLive("rejects a bad keep_alive with Go's duration error", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const response = yield* post(sim, "/api/chat", { model: "llama3.2:1b", messages: [], keep_alive: "5 minutes" })
      expect(response.status).toBe(400)
      expect(yield* json(response)).toEqual({ error: `time: unknown unit " minutes" in duration "5 minutes"` })
    }))
})
