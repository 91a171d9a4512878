import { describe, expect, it } from "@effect/vitest"
import { ResultCollector } from "../../src/jobs/ResultCollector.js"

const bytes = (text: string) => new TextEncoder().encode(text)

/** Feeds `text` in pieces of `size` bytes, as a socket might cut it. */
const collect = (collector: ResultCollector, text: string, size = 7) => {
  const all = bytes(text)
  for (let at = 0; at < all.length; at += size) collector.push(all.subarray(at, at + size))
  return collector.finish()
}

const chatLine = (content: string, done = false) =>
  JSON.stringify({ model: "m", message: { role: "assistant", content }, done, ...(done ? { done_reason: "stop", eval_count: 3 } : {}) })

describe("ResultCollector", () => {
  it("keeps a one-object native answer byte for byte, whatever whitespace surrounds it", () => {
    const body = JSON.stringify({ model: "m", message: { role: "assistant", content: "hi" }, done: true, total_duration: 12345678901234567890 })
    const result = collect(new ResultCollector("chat"), `\n  ${body}\n\n`)
    expect(result).toEqual({ result: body, completion: "hi" })
  })

  it("merges a native chat stream into one final object with the whole text", () => {
    const lines = [chatLine("Hel"), chatLine("lo"), "", chatLine(", you"), chatLine("", true)]
    const result = collect(new ResultCollector("chat"), `${lines.join("\n")}\n`, 5)
    expect(result?.completion).toBe("Hello, you")
    expect(JSON.parse(result?.result ?? "")).toEqual({
      model: "m",
      message: { role: "assistant", content: "Hello, you" },
      done: true,
      done_reason: "stop",
      eval_count: 3
    })
  })

  it("reads a native generate stream whose last line has no newline", () => {
    const lines = [
      JSON.stringify({ response: "a", done: false }),
      JSON.stringify({ response: "b", thinking: "t", done: false }),
      JSON.stringify({ response: "", done: true })
    ]
    const result = collect(new ResultCollector("generate"), lines.join("\n"))
    expect(JSON.parse(result?.result ?? "")).toEqual({ response: "ab", thinking: "t", done: true })
  })

  // Ollama's one-piece answer carries every chunk's log-probabilities (routes.go appends them);
  // a stream that had none has no field, as Go omits an empty one.
  it("keeps every chunk's logprobs in a merged native answer, and none when there were none", () => {
    const token = (text: string) => ({ token: text, logprob: -0.5, bytes: [...bytes(text)] })
    const lines = [
      JSON.stringify({ model: "m", message: { role: "assistant", content: "Hel" }, logprobs: [token("Hel")], done: false }),
      JSON.stringify({ model: "m", message: { role: "assistant", content: "lo" }, logprobs: [token("lo")], done: false }),
      JSON.stringify({ model: "m", message: { role: "assistant", content: "" }, logprobs: [], done: true, done_reason: "stop" })
    ]
    const chat = JSON.parse(collect(new ResultCollector("chat"), `${lines.join("\n")}\n`)?.result ?? "")
    expect(chat.logprobs).toEqual([token("Hel"), token("lo")])
    const generate = [
      JSON.stringify({ response: "a", logprobs: [token("a")], done: false }),
      JSON.stringify({ response: "b", done: false }),
      JSON.stringify({ response: "", logprobs: [token("!")], done: true })
    ]
    expect(JSON.parse(collect(new ResultCollector("generate"), generate.join("\n"))?.result ?? "").logprobs).toEqual([token("a"), token("!")])
    const plain = JSON.parse(collect(new ResultCollector("chat"), `${[chatLine("a"), chatLine("", true)].join("\n")}\n`)?.result ?? "")
    expect(plain).not.toHaveProperty("logprobs")
  })

  it("keeps the logprobs of an OpenAI SSE stream where an unstreamed answer has them", () => {
    const event = (choice: object) => `data: ${JSON.stringify({ id: "c1", created: 1, model: "m", choices: [{ index: 0, finish_reason: null, ...choice }] })}\n\n`
    const token = (text: string) => ({ token: text, logprob: -1, bytes: [...bytes(text)], top_logprobs: [] })
    const chat = [event({ delta: { content: "a" }, logprobs: { content: [token("a")] } }), event({ delta: { content: "b" }, logprobs: { content: [token("b")] } }), event({ delta: {}, finish_reason: "stop" }), "data: [DONE]\n\n"]
    const merged = JSON.parse(collect(new ResultCollector("chat", "openai"), chat.join(""))?.result ?? "")
    expect(merged.choices[0]).toEqual({ index: 0, message: { role: "assistant", content: "ab" }, finish_reason: "stop", logprobs: { content: [token("a"), token("b")] } })
    const completion = [event({ text: "x", logprobs: { content: [token("x")] } }), event({ text: "", finish_reason: "stop" }), "data: [DONE]\n\n"]
    expect(JSON.parse(collect(new ResultCollector("generate", "openai"), completion.join(""))?.result ?? "").choices[0].logprobs).toEqual({ content: [token("x")] })
    const none = [event({ delta: { content: "a" } }), event({ delta: {}, finish_reason: "stop" }), "data: [DONE]\n\n"]
    expect(JSON.parse(collect(new ResultCollector("chat", "openai"), none.join(""))?.result ?? "").choices[0]).not.toHaveProperty("logprobs")
  })

  it("has no result when the stream ends before the final object, and keeps a mid-stream error", () => {
    const collector = new ResultCollector("chat")
    const result = collect(collector, `${chatLine("a")}\n${JSON.stringify({ error: "model crashed" })}\n`)
    expect(result).toBeUndefined()
    expect(collector.error).toBe("model crashed")
  })

  it("keeps a one-object OpenAI answer as it came", () => {
    const body = JSON.stringify({ id: "c1", object: "chat.completion", choices: [{ index: 0, message: { content: "yo" }, finish_reason: "stop" }] })
    expect(collect(new ResultCollector("chat", "openai"), `${body}\n`)).toEqual({ result: body, completion: "yo" })
  })

  it("merges an OpenAI SSE stream, and only once it saw [DONE]", () => {
    const event = (delta: string, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", created: 1, model: "m", choices: [{ index: 0, delta: { content: delta }, finish_reason: finish }] })}\n\n`
    const sse = `${event("Hi")}${event(" there", "stop")}`
    const result = collect(new ResultCollector("chat", "openai"), `${sse}data: [DONE]\n\n`, 11)
    expect(result?.completion).toBe("Hi there")
    expect(JSON.parse(result?.result ?? "")).toEqual({
      id: "c1",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi there" }, finish_reason: "stop" }]
    })
    expect(collect(new ResultCollector("chat", "openai"), sse)).toBeUndefined()
  })

  // Ollama streams a thinking model's reasoning as deltas before the content (openai/openai.go).
  it("keeps the reasoning of an OpenAI SSE stream where an unstreamed answer has it", () => {
    const event = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    const sse = [
      event({ role: "assistant", content: "", reasoning: "The user" }),
      event({ reasoning: " wants a greeting." }),
      event({ content: "Hello" }),
      event({ content: "!" }, "stop"),
      "data: [DONE]\n\n"
    ].join("")
    const result = collect(new ResultCollector("chat", "openai"), sse, 11)
    expect(result?.completion).toBe("Hello!")
    expect(JSON.parse(result?.result ?? "").choices).toEqual([{
      index: 0,
      message: { role: "assistant", content: "Hello!", reasoning: "The user wants a greeting." },
      finish_reason: "stop"
    }])
  })

  // A streamed tool call comes as deltas: its id and name once, its arguments in pieces.
  it("keeps the tool calls of an OpenAI SSE stream in the merged message", () => {
    const event = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    const sse = [
      event({ role: "assistant", content: "" }),
      event({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      event({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }),
      event({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }] }),
      event({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] }, "tool_calls"),
      "data: [DONE]\n\n"
    ].join("")
    const result = collect(new ResultCollector("chat", "openai"), sse, 13)
    expect(JSON.parse(result?.result ?? "").choices).toEqual([{
      index: 0,
      message: {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }
        ]
      },
      finish_reason: "tool_calls"
    }])
  })
})
