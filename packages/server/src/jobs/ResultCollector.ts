import type { JobApi, JobEndpoint } from "@foreman/domain"

type Json = { readonly [key: string]: unknown }

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const textField = (value: unknown, key: string): string => {
  if (!isObject(value)) return ""
  const field = value[key]
  return typeof field === "string" ? field : ""
}

export interface CollectedResult {
  /** The final answer as one JSON object, shaped like Ollama's `stream: false` response. */
  readonly result: string
  /** The generated text: the `completion` artifact. */
  readonly completion: string
}

/** A tool call of a streamed OpenAI answer, put together from its deltas. */
interface OpenAiToolCall {
  id?: string
  type?: string
  function: { name: string; arguments: string }
}

const firstChoice = (value: Json): Json | undefined => {
  const choices = value.choices
  return Array.isArray(choices) && isObject(choices[0]) ? choices[0] : undefined
}

/**
 * Reads the target's answer as it streams past and keeps what the job record needs: the text, the
 * final object, and any error the target reports mid-stream with a 200 status. Native answers are
 * NDJSON lines (or one JSON body) ending with `done: true`; OpenAI-compatible ones are SSE `data:`
 * lines ending with `data: [DONE]` (or one JSON body).
 */
export class ResultCollector {
  private readonly decoder = new TextDecoder()
  private pending = ""
  private content = ""
  private thinking = ""
  private final: Json | undefined
  private toolCalls: Array<unknown> = []
  /** Every chunk's token log-probabilities, in order: Ollama's one-piece answer carries them all. */
  private logprobs: Array<unknown> = []
  /**
   * The body as it came, kept only while it may still be one object, which is then the result
   * byte for byte. Dropped at a native body's second line or an SSE body's first: a 2,000-token
   * stream would otherwise be copied once more, and trimmed, to learn it was a stream.
   */
  private raw: string | undefined = ""
  private contentLines = 0
  error: string | undefined

  private finishReason: unknown = null
  /** By the `index` each delta names: the name comes once, the arguments in pieces. */
  private readonly openAiToolCalls = new Map<number, OpenAiToolCall>()
  private usage: unknown
  private sawDone = false

  constructor(private readonly endpoint: JobEndpoint, private readonly api: JobApi = "native") {}

  push(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true })
    if (this.raw !== undefined) this.raw += text
    // Newlines are looked for in the new text only: searching the pending line from its start on
    // every chunk made a 15 MB one-line answer cost seconds (quadratic in its length).
    let start = 0
    let newline = text.indexOf("\n")
    while (newline >= 0) {
      this.line(this.pending + text.slice(start, newline))
      this.pending = ""
      start = newline + 1
      newline = text.indexOf("\n", start)
    }
    this.pending += text.slice(start)
  }

  private line(raw: string): void {
    // An OpenAI body's first line says whether it is SSE; a native body's second, that it streamed.
    if (this.raw !== undefined && raw.trim() !== "") {
      this.contentLines++
      const streamed = this.api === "openai"
        ? this.contentLines === 1 && raw.trimStart().startsWith("data:")
        : this.contentLines === 2
      if (streamed) this.raw = undefined
    }
    const line = this.api === "openai" && raw.startsWith("data:") ? raw.slice(5).trim() : raw
    if (line.trim() === "" || line.startsWith(":")) return
    if (line === "[DONE]") {
      this.sawDone = true
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      return
    }
    if (!isObject(parsed)) return
    if (typeof parsed.error === "string") this.error = parsed.error
    if (isObject(parsed.error)) this.error = typeof parsed.error.message === "string" ? parsed.error.message : JSON.stringify(parsed.error)
    if (this.api === "openai") return this.openAiObject(parsed)
    if (this.endpoint === "chat") {
      this.content += textField(parsed.message, "content")
      this.thinking += textField(parsed.message, "thinking")
      const calls = isObject(parsed.message) ? parsed.message.tool_calls : undefined
      if (Array.isArray(calls)) this.toolCalls = this.toolCalls.concat(calls)
    } else {
      this.content += textField(parsed, "response")
      this.thinking += textField(parsed, "thinking")
    }
    this.addLogprobs(parsed.logprobs)
    if (parsed.done === true) this.final = parsed
  }

  private openAiObject(parsed: Json): void {
    const choice = firstChoice(parsed)
    if (choice !== undefined) {
      const piece = this.endpoint === "chat"
        ? textField(choice.delta, "content") + textField(choice.message, "content")
        : textField(choice, "text")
      this.content += piece
      if (this.endpoint === "chat" && isObject(choice.delta)) {
        // Ollama streams a thinking model's reasoning as `delta.reasoning`, before the content.
        this.thinking += textField(choice.delta, "reasoning")
        this.addToolCallDeltas(choice.delta.tool_calls)
      }
      if (isObject(choice.logprobs)) this.addLogprobs(choice.logprobs.content)
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) this.finishReason = choice.finish_reason
    }
    if (parsed.usage !== undefined && parsed.usage !== null) this.usage = parsed.usage
    this.final = { ...this.final, ...parsed }
  }

  private addLogprobs(entries: unknown): void {
    if (Array.isArray(entries)) for (const entry of entries) this.logprobs.push(entry)
  }

  /** Merged as OpenAI's own client does: id, type and name as given, argument pieces appended. */
  private addToolCallDeltas(deltas: unknown): void {
    if (!Array.isArray(deltas)) return
    deltas.forEach((delta: unknown, position) => {
      if (!isObject(delta)) return
      const index = typeof delta.index === "number" ? delta.index : position
      const call = this.openAiToolCalls.get(index) ?? { function: { name: "", arguments: "" } }
      if (typeof delta.id === "string") call.id = delta.id
      if (typeof delta.type === "string") call.type = delta.type
      const name = textField(delta.function, "name")
      if (name !== "") call.function.name = name
      call.function.arguments += textField(delta.function, "arguments")
      this.openAiToolCalls.set(index, call)
    })
  }

  private openAiResult(): CollectedResult | undefined {
    const final = this.final
    if (final === undefined) return undefined
    if (this.raw !== undefined) return { result: this.raw.trim(), completion: this.content }
    if (!this.sawDone) return undefined
    const chat = this.endpoint === "chat"
    const merged: Json = {
      id: final.id,
      object: chat ? "chat.completion" : "text_completion",
      created: final.created,
      model: final.model,
      system_fingerprint: final.system_fingerprint,
      choices: [chat
        ? {
          index: 0,
          message: { role: "assistant", content: this.content, ...this.reasoning(), ...this.mergedToolCalls() },
          finish_reason: this.finishReason,
          ...this.openAiLogprobs()
        }
        : { index: 0, text: this.content, finish_reason: this.finishReason, ...this.openAiLogprobs() }],
      ...(this.usage === undefined ? {} : { usage: this.usage })
    }
    return { result: JSON.stringify(merged), completion: this.content }
  }

  /** As Ollama's unstreamed /v1 answer has them: omitted when there are none. */
  private openAiLogprobs(): { logprobs?: { content: Array<unknown> } } {
    return this.logprobs.length === 0 ? {} : { logprobs: { content: this.logprobs } }
  }

  /** Where Ollama's unstreamed /v1 answer puts it: `message.reasoning`. */
  private reasoning(): { reasoning?: string } {
    return this.thinking === "" ? {} : { reasoning: this.thinking }
  }

  private mergedToolCalls(): { tool_calls?: Array<OpenAiToolCall> } {
    if (this.openAiToolCalls.size === 0) return {}
    return { tool_calls: [...this.openAiToolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call) }
  }

  /** A native answer's `done_reason`: "load" and "unload" say the request only loaded or unloaded the model. */
  get doneReason(): string | undefined {
    return this.api === "native" && this.final !== undefined ? textField(this.final, "done_reason") : undefined
  }

  /** The collected answer, or undefined when the body ended before the target's final object. */
  finish(): CollectedResult | undefined {
    this.line(this.pending + this.decoder.decode())
    this.pending = ""
    if (this.api === "openai") return this.openAiResult()
    if (this.final === undefined) return undefined
    if (this.raw !== undefined) return { result: this.raw.trim(), completion: this.content }
    const thinking = this.thinking === "" ? {} : { thinking: this.thinking }
    // The done chunk's own logprobs are replaced by all of them; none at all is no field, as in Go.
    const { logprobs: _ownLogprobs, ...final } = this.final
    const logprobs = this.logprobs.length === 0 ? {} : { logprobs: this.logprobs }
    const merged: Json = this.endpoint === "chat"
      ? {
        ...final,
        ...logprobs,
        message: {
          ...(isObject(this.final.message) ? this.final.message : { role: "assistant" }),
          content: this.content,
          ...thinking,
          ...(this.toolCalls.length > 0 ? { tool_calls: this.toolCalls } : {})
        }
      }
      : { ...final, ...logprobs, response: this.content, ...thinking }
    return { result: JSON.stringify(merged), completion: this.content }
  }
}
