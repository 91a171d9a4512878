import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readGenerationFields } from "../../src/ollama/GenerationFields.js"

const streams = (body: Record<string, unknown>, endpoint: "chat" | "generate") =>
  Either.map(readGenerationFields(JSON.stringify({ model: "m", ...body }), "native", endpoint), (fields) => fields.stream)

describe("readGenerationFields", () => {
  it("a native request streams unless it says not to, or only loads the model (Ollama answers one object)", () => {
    expect(streams({ messages: [{ role: "user", content: "hi" }] }, "chat")).toEqual(Either.right(true))
    expect(streams({ messages: [{ role: "user", content: "hi" }], stream: false }, "chat")).toEqual(Either.right(false))
    expect(streams({ messages: [] }, "chat")).toEqual(Either.right(false))
    expect(streams({ prompt: "" }, "generate")).toEqual(Either.right(false))
    // A field of the other endpoint is not read: Ollama's ChatRequest has no prompt, GenerateRequest no messages.
    expect(streams({ messages: [], prompt: "stray" }, "chat")).toEqual(Either.right(false))
    expect(streams({ messages: [{ role: "user", content: "stray" }] }, "generate")).toEqual(Either.right(false))
    expect(streams({ prompt: "hi", messages: [] }, "generate")).toEqual(Either.right(true))
  })

  // Go's encoding/json matches keys to fields in any case (.NET's default serializer writes "Model",
  // "Stream"); the target reads the same bytes that way.
  it("reads fields in any case, as Ollama's decoder does; one key repeated keeps its last value", () => {
    expect(readGenerationFields(`{"Model":"m","Messages":[{"role":"user","content":"hi"}],"Stream":false}`, "native", "chat")).toEqual(
      Either.right({ model: "m", stream: false, hasKeepAlive: false })
    )
    expect(readGenerationFields(`{"MODEL":"m","Prompt":"hi","STREAM":false,"STREAM":true,"Keep_Alive":"5m"}`, "native", "generate")).toEqual(
      Either.right({ model: "m", stream: true, hasKeepAlive: true })
    )
    expect(streams({ Messages: [] }, "chat")).toEqual(Either.right(false))
    expect(readGenerationFields(`{"Stream":"no","model":"m"}`, "native", "chat")).toEqual(Either.left("stream must be a boolean"))
  })

  // JSON.parse keeps a repeated key where it first appeared; Go assigns in text order. Foreman read
  // this body's model as the cloud one and passed a local generation through, unqueued.
  it("refuses a field given in two spellings, whose order JSON.parse loses", () => {
    expect(readGenerationFields(`{"model":"llama3.2:1b","Model":"kimi-k2:cloud","model":"llama3.2:1b","prompt":"x"}`, "native", "generate"))
      .toEqual(Either.left(`"model" is given more than once, in different cases; give it once`))
    expect(readGenerationFields(`{"model":"m","stream":false,"Stream":true}`, "openai", "chat"))
      .toEqual(Either.left(`"stream" is given more than once, in different cases; give it once`))
  })

  it("names what is wrong with a body it cannot use", () => {
    expect(readGenerationFields("", "native", "chat")).toEqual(Either.left("missing request body"))
    expect(readGenerationFields("[1]", "native", "chat")).toEqual(Either.left("request body must be a JSON object"))
    expect(readGenerationFields(`{"stream":true}`, "native", "chat")).toEqual(Either.left("model is required"))
    expect(readGenerationFields(`{"model":"m","stream":"yes"}`, "native", "chat")).toEqual(Either.left("stream must be a boolean"))
  })
})
