import type { JobEndpoint } from "@foreman/domain"

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

/**
 * Reads the target's answer as it streams past (NDJSON lines or one JSON body) and keeps what the
 * job record needs: the text, the final `done` object, and any `{"error"}` line Ollama sends
 * mid-stream with a 200 status.
 */
export class ResultCollector {
  private readonly decoder = new TextDecoder()
  private pending = ""
  private content = ""
  private thinking = ""
  private final: Json | undefined
  private toolCalls: Array<unknown> = []
  private raw = ""
  error: string | undefined

  constructor(private readonly endpoint: JobEndpoint) {}

  push(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true })
    this.raw += text
    this.pending += text
    let newline = this.pending.indexOf("\n")
    while (newline >= 0) {
      this.line(this.pending.slice(0, newline))
      this.pending = this.pending.slice(newline + 1)
      newline = this.pending.indexOf("\n")
    }
  }

  private line(line: string): void {
    if (line.trim() === "") return
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      return
    }
    if (!isObject(parsed)) return
    if (typeof parsed.error === "string") this.error = parsed.error
    if (this.endpoint === "chat") {
      this.content += textField(parsed.message, "content")
      this.thinking += textField(parsed.message, "thinking")
      const calls = isObject(parsed.message) ? parsed.message.tool_calls : undefined
      if (Array.isArray(calls)) this.toolCalls = this.toolCalls.concat(calls)
    } else {
      this.content += textField(parsed, "response")
      this.thinking += textField(parsed, "thinking")
    }
    if (parsed.done === true) this.final = parsed
  }

  /** The collected answer, or undefined when the body ended without a `done: true` object. */
  finish(): CollectedResult | undefined {
    this.line(this.pending + this.decoder.decode())
    this.pending = ""
    if (this.final === undefined) return undefined
    const single = this.raw.trim().indexOf("\n") < 0
    if (single) return { result: this.raw.trim(), completion: this.content }
    const thinking = this.thinking === "" ? {} : { thinking: this.thinking }
    const merged: Json = this.endpoint === "chat"
      ? {
        ...this.final,
        message: {
          ...(isObject(this.final.message) ? this.final.message : { role: "assistant" }),
          content: this.content,
          ...thinking,
          ...(this.toolCalls.length > 0 ? { tool_calls: this.toolCalls } : {})
        }
      }
      : { ...this.final, response: this.content, ...thinking }
    return { result: JSON.stringify(merged), completion: this.content }
  }
}
