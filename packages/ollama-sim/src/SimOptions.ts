import { Context, Layer } from "effect"

/** How a simulated Ollama server is set up. Every field is optional. */
export interface SimOptions {
  /** Installed generation models; default ["llama3.2:1b", "qwen3:8b", "gemma3:4b"]. */
  readonly models?: ReadonlyArray<string>
  /** Installed embedding models; default ["nomic-embed-text:latest"]. */
  readonly embedModels?: ReadonlyArray<string>
  /** Time to load a model that is not resident; default 0. */
  readonly loadDelayMs?: number
  /** Chunks per generation, cycling through the answer's words; default one per word. */
  readonly tokens?: number
  /** Delay before each streamed chunk; default 0 (no sleep at all). */
  readonly tokenDelayMs?: number
  /** Answered by /api/version; default "0.12.6". */
  readonly version?: string
  /** Default 0: a random free port. */
  readonly port?: number
  /** Default "127.0.0.1". */
  readonly host?: string
  /** When set, the Ollama routes answer 401 unless `Authorization: Bearer <token>`; /_sim/* stays open. */
  readonly requireToken?: string
  /** How many recent requests `requests` keeps; default 1000 (benchmarks send far more). */
  readonly recordLimit?: number
}

/** SimOptions with every default filled in. */
export interface SimConfigShape {
  readonly models: ReadonlyArray<string>
  readonly embedModels: ReadonlyArray<string>
  readonly loadDelayMs: number
  readonly tokens: number | undefined
  readonly tokenDelayMs: number
  readonly version: string
  readonly port: number
  readonly host: string
  readonly requireToken: string | undefined
  readonly recordLimit: number
}

export const defaultModels: ReadonlyArray<string> = ["llama3.2:1b", "qwen3:8b", "gemma3:4b"]
export const defaultEmbedModels: ReadonlyArray<string> = ["nomic-embed-text:latest"]

export const resolveOptions = (options: SimOptions): SimConfigShape => ({
  models: options.models ?? defaultModels,
  embedModels: options.embedModels ?? defaultEmbedModels,
  loadDelayMs: Math.max(0, options.loadDelayMs ?? 0),
  tokens: options.tokens !== undefined && options.tokens > 0 ? Math.floor(options.tokens) : undefined,
  tokenDelayMs: Math.max(0, options.tokenDelayMs ?? 0),
  version: options.version ?? "0.12.6",
  port: options.port ?? 0,
  host: options.host ?? "127.0.0.1",
  requireToken: options.requireToken,
  recordLimit: Math.max(0, options.recordLimit ?? 1000)
})

/** The resolved options of one running sim. */
export class SimConfig extends Context.Tag("@foreman/ollama-sim/SimConfig")<SimConfig, SimConfigShape>() {
  static readonly layer = (options: SimOptions): Layer.Layer<SimConfig> =>
    Layer.succeed(SimConfig, resolveOptions(options))
}
