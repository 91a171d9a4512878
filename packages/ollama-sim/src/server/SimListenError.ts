import { Data } from "effect"

/** The sim could not listen on its host and port (e.g. the port is taken). */
export class SimListenError extends Data.TaggedError("SimListenError")<{
  readonly host: string
  readonly port: number
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `ollama-sim cannot listen on ${this.host}:${this.port}: ${reason}`
  }
}
