import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readGenerationFields } from "../../src/ollama/GenerationFields.js"

const streams = (body: Record<string, unknown>, endpoint: "chat" | "generate") =>
  Either.map(readGenerationFields(JSON.stringify({ model: "m", ...body }), "native", endpoint), (fields) => fields.stream)

const completes = { completion: true, tools: false, thinking: false, insert: false }

const needs = (body: Record<string, unknown>, api: "native" | "openai", endpoint: "chat" | "generate") =>
  Either.map(readGenerationFields(JSON.stringify({ model: "m", ...body }), api, endpoint), (fields) => fields.needs)

describe("readGenerationFields", () => {
  // What ChatHandler and GenerateHandler ask of the model's capabilities (ModelCapabilities checks them).
  it("reads what the request needs the model to do: tools, thinking, a suffix; nothing for an unload", () => {
    const hi = [{ role: "user", content: "hi" }]
    const tool = [{ type: "function", function: { name: "f" } }]
    expect(needs({ messages: hi }, "native", "chat")).toEqual(Either.right(completes))
    expect(needs({ messages: hi, tools: tool, think: true }, "native", "chat")).toEqual(Either.right({ ...completes, tools: true, thinking: true }))
    expect(needs({ messages: hi, tools: [], think: false }, "native", "chat")).toEqual(Either.right(completes))
    for (const level of ["low", "medium", "high", "max"]) {
      expect(needs({ prompt: "hi", think: level }, "native", "generate")).toEqual(Either.right({ ...completes, thinking: true }))
    }
    expect(needs({ prompt: "def f(", suffix: "return x" }, "native", "generate")).toEqual(Either.right({ ...completes, insert: true }))
    // A stray field of the other endpoint is not read: GenerateRequest has no tools, ChatRequest no suffix.
    expect(needs({ prompt: "hi", tools: tool }, "native", "generate")).toEqual(Either.right(completes))
    expect(needs({ messages: hi, suffix: "x" }, "native", "chat")).toEqual(Either.right(completes))
    // A load still needs a model that completes; an unload is answered before any check.
    expect(needs({ messages: [] }, "native", "chat")).toEqual(Either.right(completes))
    const none = { completion: false, tools: false, thinking: false, insert: false }
    expect(needs({ messages: [], keep_alive: 0, think: true }, "native", "chat")).toEqual(Either.right(none))
    expect(needs({ keep_alive: "0s" }, "native", "generate")).toEqual(Either.right(none))
    // The OpenAI layer: reasoning effort becomes think ("none" is off), reasoning.effort first.
    expect(needs({ messages: hi, tools: tool, reasoning_effort: "minimal" }, "openai", "chat")).toEqual(Either.right({ ...completes, tools: true, thinking: true }))
    expect(needs({ messages: hi, reasoning_effort: "none" }, "openai", "chat")).toEqual(Either.right(completes))
    expect(needs({ messages: hi, reasoning_effort: "high", reasoning: { effort: "none" } }, "openai", "chat")).toEqual(Either.right(completes))
    expect(needs({ prompt: "a", suffix: "b" }, "openai", "generate")).toEqual(Either.right({ ...completes, insert: true }))
  })

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
      Either.right({ model: "m", stream: false, hasKeepAlive: false, needs: completes })
    )
    expect(readGenerationFields(`{"MODEL":"m","Prompt":"hi","STREAM":false,"STREAM":true,"Keep_Alive":"5m"}`, "native", "generate")).toEqual(
      Either.right({ model: "m", stream: true, hasKeepAlive: true, needs: completes })
    )
    expect(streams({ Messages: [] }, "chat")).toEqual(Either.right(false))
    expect(readGenerationFields(`{"Stream":"no","model":"m"}`, "native", "chat")).toEqual(
      Either.left("json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool")
    )
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
    expect(readGenerationFields(`{"model":"  "}`, "native", "chat")).toEqual(Either.left("model is required"))
    // GenerateHandler looks the empty name up instead, and answers 404 (the inventory's part).
    expect(Either.map(readGenerationFields(`{"prompt":"hi"}`, "native", "generate"), (fields) => fields.model)).toEqual(Either.right(""))
    expect(Either.map(readGenerationFields(`{"model":null,"prompt":"hi"}`, "openai", "generate"), (fields) => fields.model)).toEqual(Either.right(""))
  })

  // Ollama refuses these while decoding, before it schedules a load; queued, they cost one.
  const refusal = (body: string, api: "native" | "openai", endpoint: "chat" | "generate") =>
    Either.match(readGenerationFields(body, api, endpoint), { onLeft: (problem) => problem, onRight: () => "accepted" })

  it("refuses what Ollama's decoder refuses, in encoding/json's words", () => {
    const cases: ReadonlyArray<readonly [string, "native" | "openai", "chat" | "generate", string]> = [
      [`{"model":7}`, "native", "chat", "json: cannot unmarshal number into Go struct field ChatRequest.model of type string"],
      [`{"model":"m","stream":"yes"}`, "native", "chat", "json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool"],
      [`{"model":"m","messages":"hi"}`, "native", "chat", "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message"],
      [`{"model":"m","messages":["hi"]}`, "native", "chat", "json: cannot unmarshal string into Go struct field ChatRequest.messages of type api.Message"],
      [`{"model":"m","messages":[{"role":"user","Content":5}]}`, "native", "chat", "json: cannot unmarshal number into Go struct field ChatRequest.messages.content of type string"],
      [`{"model":"m","messages":[{"role":"user","content":"x","images":["data:image/png;base64,AAAA"]}]}`, "native", "chat", "illegal base64 data at input byte 4"],
      [`{"model":"m","prompt":5}`, "native", "generate", "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string"],
      [`{"model":"m","prompt":"x","context":[1,2.5]}`, "native", "generate", "json: cannot unmarshal number 2.5 into Go struct field GenerateRequest.context of type int"],
      [`{"model":"m","prompt":"x","options":[1]}`, "native", "generate", "json: cannot unmarshal array into Go struct field GenerateRequest.options of type map[string]interface {}"],
      [`{"model":"m","prompt":"x","think":"very"}`, "native", "generate", `invalid think value: "very" (must be "high", "medium", "low", "max", true, or false)`],
      [`{"model":"m","prompt":"x","think":1}`, "native", "generate", `think must be a boolean or string ("high", "medium", "low", "max", true, or false)`],
      [`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":{}}`, "native", "chat", "json: cannot unmarshal object into Go struct field ChatRequest.tools of type api.Tools"],
      [`{"model":"m","messages":[]}`, "openai", "chat", "[] is too short - 'messages'"],
      [`{"model":"m"}`, "openai", "chat", "[] is too short - 'messages'"],
      [`{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"9"}`, "openai", "chat", "json: cannot unmarshal string into Go struct field ChatCompletionRequest.max_tokens of type int"],
      [`{"model":"m","prompt":["a","b"]}`, "openai", "generate", "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string"]
    ]
    for (const [body, api, endpoint, problem] of cases) expect([body, refusal(body, api, endpoint)]).toEqual([body, problem])
  })

  // openai.FromChatRequest / FromCompleteRequest refuse these while converting, still before any load.
  it("refuses what Ollama's OpenAI layer cannot convert, in its words", () => {
    const chat = (message: object, extra = "") => `{"model":"m","messages":[${JSON.stringify(message)}]${extra}}`
    const cases: ReadonlyArray<readonly [string, "chat" | "generate", string]> = [
      [chat({ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.test/cat.png" } }] }), "chat", "image URLs are not currently supported, please use base64 encoded data instead"],
      [chat({ role: "user", content: [{ type: "image_url", image_url: "data:image/gif;base64,R0lG" }] }), "chat", "invalid image input"],
      [chat({ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,not base64!" } }] }), "chat", "invalid image input"],
      [chat({ role: "user", content: [{ type: "video", video: "x" }] }), "chat", "invalid message format"],
      [chat({ role: "user", content: [{ type: "text", text: 5 }] }), "chat", "invalid message format"],
      [chat({ role: "user", content: [{ type: "input_audio", input_audio: { format: "wav" } }] }), "chat", "invalid input_audio format: missing data"],
      [chat({ role: "user", content: [{ type: "input_audio", input_audio: { data: "a*b" } }] }), "chat", "invalid input_audio base64 data: illegal base64 data at input byte 1"],
      [chat({ role: "user" }), "chat", "invalid message content type: <nil>"],
      [chat({ role: "user", content: 5 }), "chat", "invalid message content type: float64"],
      [chat({ role: "assistant", content: "", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{not json" } }] }), "chat", "invalid tool call arguments"],
      [chat({ role: "user", content: "x" }, `,"reasoning_effort":"extreme"`), "chat", `invalid reasoning value: "extreme" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`],
      [`{"model":"m","prompt":"x","stop":["a",1]}`, "generate", "invalid type for 'stop' field: float64"]
    ]
    for (const [body, endpoint, problem] of cases) expect([body, refusal(body, "openai", endpoint)]).toEqual([body, problem])
    // What it converts: base64 images with a known or a blank type, tool calls without content.
    const fine: ReadonlyArray<readonly [string, "chat" | "generate"]> = [
      [chat({ role: "user", content: [{ type: "text", text: "x" }, { type: "image_url", image_url: { url: "data:image/png;base64,aGk=" } }, { type: "image_url", image_url: "data:;base64,aGk=" }] }), "chat"],
      [chat({ role: "assistant", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } }] }), "chat"],
      [chat({ role: "user", content: "x" }, `,"reasoning":{"effort":"xhigh"},"reasoning_effort":"bogus"`), "chat"],
      [`{"model":"m","prompt":"x","stop":"a"}`, "generate"]
    ]
    for (const [body, endpoint] of fine) expect([body, refusal(body, "openai", endpoint)]).toEqual([body, "accepted"])
  })

  it("accepts what Go's decoder takes: null anywhere, any case, content parts on /v1, valid base64", () => {
    const cases: ReadonlyArray<readonly [string, "native" | "openai", "chat" | "generate"]> = [
      [`{"model":"m","messages":null,"stream":null,"options":null,"think":null,"images":null}`, "native", "chat"],
      [`{"model":"m","Messages":[{"ROLE":"user","content":"x","images":["aGk=","aGk\\ny"]}],"think":"high","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`, "native", "chat"],
      [`{"model":"m","prompt":"x","context":[1,2],"raw":true,"format":{"type":"object"},"options":{"temperature":0.2},"think":false}`, "native", "generate"],
      [`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"temperature":1,"stop":["a"],"stream_options":{"include_usage":true}}`, "openai", "chat"],
      [`{"model":"m","prompt":"x","logprobs":2,"unknown":{"deep":[1]}}`, "openai", "generate"]
    ]
    for (const [body, api, endpoint] of cases) expect([body, refusal(body, api, endpoint)]).toEqual([body, "accepted"])
  })
})
