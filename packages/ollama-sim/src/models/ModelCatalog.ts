import { createHash } from "node:crypto"

// What /api/tags, /api/ps and /api/show say about a model. Well-known names get
// realistic numbers; anything else gets plausible ones derived from its name.

export type ModelKind = "generate" | "embed"

export interface ModelSpec {
  readonly kind: ModelKind
  readonly family: string
  readonly parameterSize: string
  readonly quantizationLevel: string
  readonly size: number
  /** Manifest digest, bare hex as /api/tags prints it. */
  readonly digest: string
  readonly contextLength: number
  readonly embeddingLength: number
  readonly capabilities: ReadonlyArray<string>
}

/** Length of the sim's deterministic embedding vectors (real models use hundreds). */
export const embeddingDims = 8

type Known = Omit<ModelSpec, "digest" | "kind">

const known: Readonly<Record<string, Known>> = {
  "llama3.2:1b": {
    family: "llama",
    parameterSize: "1.2B",
    quantizationLevel: "Q8_0",
    size: 1321098329,
    contextLength: 131072,
    embeddingLength: 2048,
    capabilities: ["completion", "tools"]
  },
  "llama3.2:latest": {
    family: "llama",
    parameterSize: "3.2B",
    quantizationLevel: "Q4_K_M",
    size: 2019393189,
    contextLength: 131072,
    embeddingLength: 3072,
    capabilities: ["completion", "tools"]
  },
  "qwen3:8b": {
    family: "qwen3",
    parameterSize: "8.2B",
    quantizationLevel: "Q4_K_M",
    size: 5225388164,
    contextLength: 40960,
    embeddingLength: 4096,
    capabilities: ["completion", "tools", "thinking"]
  },
  "gemma3:4b": {
    family: "gemma3",
    parameterSize: "4.3B",
    quantizationLevel: "Q4_K_M",
    size: 3338801804,
    contextLength: 131072,
    embeddingLength: 2560,
    capabilities: ["completion", "vision"]
  },
  "nomic-embed-text:latest": {
    family: "nomic-bert",
    parameterSize: "137M",
    quantizationLevel: "F16",
    size: 274302450,
    contextLength: 2048,
    embeddingLength: embeddingDims,
    capabilities: ["embedding"]
  }
}

const embedNamePattern = /embed|minilm|bge|gte|e5-|paraphrase/i

/** Kind for a name nobody declared (pulled or created): embedding models usually say so. */
export const guessKind = (displayName: string): ModelKind =>
  embedNamePattern.test(displayName) ? "embed" : "generate"

export const digestOf = (text: string): string => createHash("sha256").update(text).digest("hex")

const derived = (displayName: string, kind: ModelKind): Known => {
  const base = displayName.split("/").pop() ?? displayName
  const [model = base, tag = ""] = base.split(":")
  const family = /^[a-z]+/i.exec(model)?.[0]?.toLowerCase() ?? "llama"
  const sized = /^(\d+(?:\.\d+)?)([bm])/i.exec(tag)
  const parameterSize = sized ? `${sized[1]}${(sized[2] ?? "b").toUpperCase()}` : kind === "embed" ? "335M" : "7.6B"
  const billions = Number.parseFloat(parameterSize) / (parameterSize.endsWith("M") ? 1000 : 1)
  return kind === "embed"
    ? {
      family: family === "nomic" ? "nomic-bert" : "bert",
      parameterSize,
      quantizationLevel: "F16",
      size: Math.round(billions * 2e9),
      contextLength: 512,
      embeddingLength: embeddingDims,
      capabilities: ["embedding"]
    }
    : {
      family,
      parameterSize,
      quantizationLevel: "Q4_K_M",
      size: Math.round(billions * 0.62e9),
      contextLength: 32768,
      embeddingLength: 4096,
      capabilities: ["completion"]
    }
}

export const describeModel = (displayName: string, kind: ModelKind): ModelSpec => {
  const entry = known[displayName]
  const fits = entry !== undefined && entry.capabilities.includes("embedding") === (kind === "embed")
  return {
    ...(fits ? entry : derived(displayName, kind)),
    kind,
    digest: digestOf(`ollama-sim:${displayName}`)
  }
}
