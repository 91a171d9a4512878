import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { OllamaSim } from "../src/index.js"
import { body, errorCode, eventually, send, text } from "./support.js"

describe("fault injection", () => {
  it.scopedLive("refuse() closes the port until restore() reopens the same one", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      expect((yield* send(sim, "/")).status).toBe(200)
      yield* sim.refuse()
      const refused = yield* Effect.flip(send(sim, "/api/tags"))
      expect(errorCode(refused)).toBe("ECONNREFUSED")
      yield* sim.restore
      const back = yield* send(sim, "/")
      expect(yield* text(back)).toBe("Ollama is running")
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`)
    }))

  it.scopedLive("refuse(ms) recovers by itself", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* sim.refuse(150)
      expect(errorCode(yield* Effect.flip(send(sim, "/")))).toBe("ECONNREFUSED")
      yield* Effect.sleep(300)
      expect((yield* send(sim, "/")).status).toBe(200)
    }))

  it.scopedLive("refuse() drops a generation in flight", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ tokens: 100, tokenDelayMs: 20 })
      const response = yield* send(sim, "/api/chat", {
        method: "POST",
        body: JSON.stringify({ model: "llama3.2:1b", messages: [{ role: "user", content: "x" }] })
      })
      yield* sim.refuse()
      const cut = yield* Effect.flip(body(response))
      expect(errorCode(cut)).toMatch(/UND_ERR_SOCKET|ECONNRESET/)
      expect((yield* eventually(sim.stats, (s) => s.aborted === 1)).aborted).toBe(1)
    }))

  it.scopedLive("reset() accepts then resets connections until restore()", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      yield* sim.reset()
      const failed = yield* Effect.flip(send(sim, "/api/version"))
      expect(errorCode(failed)).toBe("ECONNRESET")
      // The admin surface stays reachable so another process can restore.
      expect((yield* send(sim, "/_sim/stats")).status).toBe(200)
      yield* sim.restore
      expect((yield* send(sim, "/api/version")).status).toBe(200)
    }))
})
