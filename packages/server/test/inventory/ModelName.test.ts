import { describe, expect, it } from "@effect/vitest"
import { isCloudModel, modelSource, normalizeModel } from "../../src/inventory/ModelName.js"

const sameModel = (a: string, b: string) => normalizeModel(a) === normalizeModel(b)

describe("model names, as Ollama resolves them", () => {
  it("fills in the default tag, namespace and host and ignores case and surrounding spaces", () => {
    for (const spelling of ["llama3", "llama3:latest", "LLAMA3", "library/llama3", "registry.ollama.ai/library/llama3:LATEST", " llama3 "]) {
      expect(normalizeModel(spelling), spelling).toBe("llama3:latest")
    }
  })

  it("keeps what is not a default: other namespaces and hosts, ports, tags, digests", () => {
    expect(normalizeModel("me/model")).toBe("me/model:latest")
    expect(normalizeModel("registry.ollama.ai/me/model:7b")).toBe("me/model:7b")
    expect(normalizeModel("hf.co/Org/Model-GGUF:Q4_K_M")).toBe("hf.co/org/model-gguf:q4_k_m")
    expect(normalizeModel("localhost:5000/ns/model")).toBe("localhost:5000/ns/model:latest")
    expect(normalizeModel("model@sha256:abc")).toBe("model@sha256:abc")
  })

  it("tells different models apart", () => {
    expect(sameModel("llama3.2:1b", "llama3.2:3b")).toBe(false)
    expect(sameModel("me/llama3", "llama3")).toBe(false)
    expect(sameModel("Qwen3:8B", "library/qwen3:8b")).toBe(true)
  })
})

// internal/modelref's parseSourceSuffix, which Ollama applies before looking a name up.
describe("model source suffixes", () => {
  it("`:local` names the installed model it is appended to", () => {
    expect(normalizeModel("llama3.2:1b:local")).toBe("llama3.2:1b")
    expect(normalizeModel("LLAMA3: Local ")).toBe("llama3:latest")
    expect(modelSource("llama3.2:1b:local")).toEqual({ base: "llama3.2:1b", source: "local" })
  })

  it("`:cloud`, or a tag ending in `-cloud`, runs on ollama.com; a registry port or an ordinary tag does not", () => {
    expect(modelSource("gpt-oss:120b-cloud")).toEqual({ base: "gpt-oss:120b", source: "cloud" })
    expect(modelSource("deepseek-v3.1:671B-Cloud")).toEqual({ base: "deepseek-v3.1:671B", source: "cloud" })
    expect(modelSource("kimi-k2:cloud")).toEqual({ base: "kimi-k2", source: "cloud" })
    for (const name of ["llama3.2:1b", "localhost:5000/ns/model-cloud", "registry.example:443/me/m", "cloud", "me/cloud-model"]) {
      expect([name, isCloudModel(name)]).toEqual([name, false])
    }
  })
})
