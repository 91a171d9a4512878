import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim, type SimHandle } from "../src/index.js"
import { eventually, post, text } from "./support.js"

const chat = (sim: SimHandle, init?: RequestInit) =>
  post(sim, "/api/chat", { model: "llama3.2:1b", messages: [{ role: "user", content: "go" }] }, init)

describe("generation accounting", () => {
  it.scopedLive("records overlapping generations", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 10, tokenDelayMs: 20 })
      yield* Effect.all([Effect.flatMap(chat(sim), text), Effect.flatMap(chat(sim), text)], { concurrency: 2 })
      expect(yield* sim.stats).toMatchObject({ maxConcurrentGenerations: 2, activeGenerations: 0, aborted: 0 })
    }))

  it.scopedLive("records one at a time when calls are sequential", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 5, tokenDelayMs: 5 })
      yield* Effect.flatMap(chat(sim), text)
      yield* Effect.flatMap(chat(sim), text)
      expect(yield* sim.stats).toMatchObject({ maxConcurrentGenerations: 1, generations: 2 })
    }))

  it.scopedLive("stops a generation promptly when its client disconnects, and counts it aborted", () =>
    Effect.gen(function*() {
      // 200 chunks 25ms apart: 5s if nobody hung up.
      const sim = yield* OllamaSim.start({ tokens: 200, tokenDelayMs: 25 })
      const controller = new AbortController()
      const response = yield* chat(sim, { signal: controller.signal })
      const reader = response.body?.getReader()
      const first = yield* Effect.promise(() => reader?.read() ?? Promise.resolve(undefined))
      expect(first?.done).toBe(false)
      const abortedAt = Date.now()
      controller.abort()

      const stats = yield* eventually(sim.stats, (s) => s.aborted === 1 && s.activeGenerations === 0)
      expect(stats).toMatchObject({ aborted: 1, activeGenerations: 0 })
      expect(Date.now() - abortedAt).toBeLessThan(1000)
    }))

  it.scopedLive("abandons a model load when its client disconnects", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ loadDelayMs: 5000 })
      const controller = new AbortController()
      const request = yield* Effect.fork(Effect.either(chat(sim, { signal: controller.signal })))
      yield* eventually(sim.stats, (s) => s.activeGenerations === 1)
      const abortedAt = Date.now()
      controller.abort()
      yield* request.await
      const stats = yield* eventually(sim.stats, (s) => s.aborted === 1)
      expect(stats).toMatchObject({ aborted: 1, activeGenerations: 0, loads: 0, resident: null })
      expect(Date.now() - abortedAt).toBeLessThan(1000)
    }))

  it.scopedLive("lets a client waiting behind another load leave", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ loadDelayMs: 600 })
      const first = yield* Effect.fork(Effect.flatMap(chat(sim), text))
      yield* eventually(sim.stats, (s) => s.activeGenerations === 1)
      const controller = new AbortController()
      const waiting = yield* Effect.fork(Effect.either(
        post(sim, "/api/chat", { model: "qwen3:8b", messages: [{ role: "user", content: "go" }] }, {
          signal: controller.signal
        })
      ))
      yield* eventually(sim.stats, (s) => s.activeGenerations === 2)
      controller.abort()
      yield* waiting.await
      const stats = yield* eventually(sim.stats, (s) => s.aborted === 1)
      // Aborted while the first load (600ms) was still running.
      expect(stats).toMatchObject({ aborted: 1, activeGenerations: 1, loads: 0 })
      yield* first.await
      expect(yield* sim.stats).toMatchObject({ loads: 1, resident: "llama3.2:1b" })
    }))

  it.scopedLive("streams a 2,000-chunk answer without delay quickly", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 2000 })
      const started = Date.now()
      const body = yield* Effect.flatMap(chat(sim), text)
      expect(body.split("\n").filter((line) => line !== "")).toHaveLength(2001)
      expect(Date.now() - started).toBeLessThan(2000)
    }))
})
