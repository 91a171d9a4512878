import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { modelLoadFor } from "../../src/ollama/ModelLoad.js"

const unloads = (request: Record<string, unknown>, endpoint: "chat" | "generate" = "generate") =>
  modelLoadFor({ api: "native", endpoint, model: "m:latest", payload: JSON.stringify({ model: "m", ...request }) }, Option.none()).unloadOnly

// An unload must not be preceded by a load (it would evict the resident model): every spelling of
// a zero keep_alive that api.Duration decodes as zero counts, and nothing else does.
describe("modelLoadFor: which requests only unload", () => {
  it("a zero keep_alive, however Ollama would read it, with nothing to generate", () => {
    for (const keep_alive of [0, 0.0000000001, "0", "0s", "-0s", "+0", "0h0m"]) expect(unloads({ keep_alive }), String(keep_alive)).toBe(true)
    expect(unloads({ keep_alive: 0, messages: [] }, "chat")).toBe(true)
    // Each endpoint reads only its own field: Ollama's ChatRequest has no prompt, GenerateRequest no messages.
    expect(unloads({ keep_alive: 0, messages: [], prompt: "stray" }, "chat")).toBe(true)
    expect(unloads({ keep_alive: 0, messages: [{ role: "user", content: "stray" }] }, "generate")).toBe(true)
    // Keys in any case, as Go's decoder reads them.
    expect(unloads({ Keep_Alive: "0s", Messages: [] }, "chat")).toBe(true)
  })

  it("not a keep_alive that keeps, nor a request with something to generate", () => {
    for (const keep_alive of [1, -1, "5m", "-1s", null, undefined]) expect(unloads({ keep_alive }), String(keep_alive)).toBe(false)
    expect(unloads({ keep_alive: 0, prompt: "hi" })).toBe(false)
    expect(unloads({ keep_alive: 0, messages: [{ role: "user", content: "hi" }] }, "chat")).toBe(false)
    expect(unloads({ keep_alive: 0, Prompt: "hi" })).toBe(false)
  })

  it("the load carries the request's model and options whatever the keys' case", () => {
    const load = modelLoadFor(
      { api: "native", endpoint: "chat", model: "m:latest", payload: JSON.stringify({ Model: "m", Options: { num_ctx: 8192 }, Messages: [] }) },
      Option.some("10m")
    )
    expect(JSON.parse(load.body)).toEqual({ model: "m", messages: [], options: { num_ctx: 8192 }, keep_alive: "10m" })
  })
})
