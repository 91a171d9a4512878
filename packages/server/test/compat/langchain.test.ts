import { describe, expect, it } from "@effect/vitest"
import { ChatOllama, OllamaEmbeddings } from "@langchain/ollama"
import { Effect } from "effect"
import { startForeman } from "../support/foreman.js"
import { bodiesSeen, collect, stable, thrown } from "./compat.js"

// @langchain/ollama against foreman and against the sim behind it.

const prompt: Array<[string, string]> = [["system", "be brief"], ["human", "what is foreman?"]]
const expected = "llama3.2:1b answers: what is foreman?"

describe("@langchain/ollama", () => {
  it.live("ChatOllama invoke and stream give the target's answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const chat = (baseUrl: string) => new ChatOllama({ baseUrl, model: "llama3.2:1b", maxRetries: 0 })
      const viaForeman = chat(foreman.url)
      const direct = chat(foreman.sim.url)

      const invokedF = yield* Effect.promise(() => viaForeman.invoke(prompt))
      const invokedD = yield* Effect.promise(() => direct.invoke(prompt))
      expect(invokedF.text).toBe(invokedD.text)
      expect(invokedF.text).toBe(expected)
      expect(invokedF.usage_metadata).toEqual(invokedD.usage_metadata)
      expect(invokedF.usage_metadata).toMatchObject({ input_tokens: 5, output_tokens: 5, total_tokens: 10 })
      expect(stable(invokedF.response_metadata)).toEqual(stable(invokedD.response_metadata))
      expect(invokedF.response_metadata).toMatchObject({ model: "llama3.2:1b", done: true, done_reason: "stop" })
      expect(invokedF.response_metadata["total_duration"]).toEqual(expect.any(Number))
      // foreman handed LangChain's request to the target as LangChain wrote it.
      const [forwarded, sent] = yield* bodiesSeen(foreman, "/api/chat")
      expect(forwarded).toBe(sent)
      expect(JSON.parse(forwarded ?? "{}")).toMatchObject({ model: "llama3.2:1b", messages: [{ role: "system" }, { role: "user" }] })

      const streamedF = yield* Effect.promise(async () => collect(await viaForeman.stream(prompt)))
      const streamedD = yield* Effect.promise(async () => collect(await direct.stream(prompt)))
      expect(streamedF.map((chunk) => chunk.text)).toEqual(streamedD.map((chunk) => chunk.text))
      expect(streamedF.map((chunk) => chunk.text).join("")).toBe(expected)
      expect(streamedF.filter((chunk) => chunk.text !== "").length).toBeGreaterThan(2)
      const lastF = streamedF.at(-1)
      const lastD = streamedD.at(-1)
      expect(lastF?.usage_metadata).toEqual(lastD?.usage_metadata)
      expect(stable(lastF?.response_metadata ?? {})).toEqual(stable(lastD?.response_metadata ?? {}))
      expect(lastF?.response_metadata).toMatchObject({ done: true, done_reason: "stop" })

      const stats = yield* foreman.sim.stats
      expect(stats.maxConcurrentGenerations).toBe(1)
    }).pipe(Effect.scoped))

  it.live("ChatOllama with an unknown model fails as it does against the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const invoke = (baseUrl: string) =>
        thrown(() => new ChatOllama({ baseUrl, model: "ghost:1b", maxRetries: 0 }).invoke(prompt))
      const viaForeman = yield* invoke(foreman.url)
      const direct = yield* invoke(foreman.sim.url)
      expect({ name: viaForeman.name, status: viaForeman.status }).toEqual({ name: direct.name, status: direct.status })
      expect({ name: viaForeman.name, status: viaForeman.status }).toEqual({ name: "ResponseError", status: 404 })
    }).pipe(Effect.scoped))

  it.live("OllamaEmbeddings embedQuery and embedDocuments give the target's vectors", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const embeddings = (baseUrl: string) => new OllamaEmbeddings({ baseUrl, model: "nomic-embed-text:latest" })
      const viaForeman = embeddings(foreman.url)
      const direct = embeddings(foreman.sim.url)

      const queryF = yield* Effect.promise(() => viaForeman.embedQuery("alpha"))
      const queryD = yield* Effect.promise(() => direct.embedQuery("alpha"))
      expect(queryF).toEqual(queryD)
      expect(queryF.length).toBe(8)

      const documents = ["alpha", "beta gamma", "delta"]
      const docsF = yield* Effect.promise(() => viaForeman.embedDocuments(documents))
      const docsD = yield* Effect.promise(() => direct.embedDocuments(documents))
      expect(docsF).toEqual(docsD)
      expect(docsF.length).toBe(3)
      expect(docsF[0]).toEqual(queryF)
      expect(new Set(docsF.map((vector) => vector.join(","))).size).toBe(3)
    }).pipe(Effect.scoped))
})
