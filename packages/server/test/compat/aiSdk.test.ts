import { describe, expect, it } from "@effect/vitest"
import { embed, generateText, streamText } from "ai"
import { Effect } from "effect"
import { createOllama } from "ollama-ai-provider-v2"
import { startForeman } from "../support/foreman.js"
import { bodiesSeen, collect, thrown } from "./compat.js"

// The Vercel AI SDK (`ai` with `ollama-ai-provider-v2`) against foreman and against the sim behind it.

const provider = (url: string) => createOllama({ baseURL: `${url}/api` })

const system = "be brief"
const messages = [{ role: "user" as const, content: "what is foreman?" }]
const expected = "qwen3:8b answers: what is foreman?"

describe("Vercel AI SDK with ollama-ai-provider-v2", () => {
  it.live("generateText gives the target's answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const generate = (url: string) => Effect.promise(() => generateText({ model: provider(url)("qwen3:8b"), system, messages, maxRetries: 0 }))
      const viaForeman = yield* generate(foreman.url)
      const direct = yield* generate(foreman.sim.url)

      expect(viaForeman.text).toBe(direct.text)
      expect(viaForeman.text).toBe(expected)
      expect(viaForeman.content).toEqual(direct.content)
      expect(viaForeman.finishReason).toBe(direct.finishReason)
      expect(viaForeman.finishReason).toBe("stop")
      expect(viaForeman.usage).toEqual(direct.usage)
      expect(viaForeman.usage).toMatchObject({ inputTokens: 5, outputTokens: 5, totalTokens: 10 })
      expect(viaForeman.response.modelId).toBe(direct.response.modelId)
      // foreman handed the provider's request to the target as the provider wrote it.
      const [forwarded, sent, ...rest] = yield* bodiesSeen(foreman, "/api/chat")
      expect(rest).toEqual([])
      expect(forwarded).toBe(sent)
      expect(JSON.parse(forwarded ?? "{}")).toMatchObject({ model: "qwen3:8b", stream: false, messages: [{ role: "system" }, { role: "user" }] })

      const prompted = yield* Effect.promise(() =>
        generateText({ model: provider(foreman.url)("gemma3:4b"), prompt: "say hi", maxRetries: 0 })
      )
      expect(prompted.text).toBe("gemma3:4b answers: say hi")
    }).pipe(Effect.scoped))

  it.live("streamText streams the target's answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const stream = (url: string) =>
        Effect.promise(async () => {
          const errors: Array<unknown> = []
          const result = streamText({
            model: provider(url)("qwen3:8b"),
            system,
            messages,
            maxRetries: 0,
            onError: ({ error }) => {
              errors.push(error)
            }
          })
          const parts = await collect(result.textStream)
          return { parts, finishReason: await result.finishReason, usage: await result.usage, errors }
        })
      const viaForeman = yield* stream(foreman.url)
      const direct = yield* stream(foreman.sim.url)

      expect(viaForeman.errors).toEqual([])
      expect(direct.errors).toEqual([])
      expect(viaForeman.parts).toEqual(direct.parts)
      expect(viaForeman.parts.join("")).toBe(expected)
      expect(viaForeman.parts.length).toBeGreaterThan(2)
      expect(viaForeman.finishReason).toBe(direct.finishReason)
      expect(viaForeman.finishReason).toBe("stop")
      expect(viaForeman.usage).toEqual(direct.usage)
      expect(viaForeman.usage).toMatchObject({ inputTokens: 5, outputTokens: 5 })
      const [forwarded, sent, ...rest] = yield* bodiesSeen(foreman, "/api/chat")
      expect(rest).toEqual([])
      expect(forwarded).toBe(sent)
      expect(JSON.parse(forwarded ?? "{}")).toMatchObject({ model: "qwen3:8b", stream: true })

      const stats = yield* foreman.sim.stats
      expect(stats.maxConcurrentGenerations).toBe(1)
    }).pipe(Effect.scoped))

  it.live("an unknown model is an APICallError with status 404, through foreman as from the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const fail = (url: string) => thrown(() => generateText({ model: provider(url)("ghost:1b"), prompt: "hi", maxRetries: 0 }))
      const viaForeman = yield* fail(foreman.url)
      const direct = yield* fail(foreman.sim.url)
      expect({ name: viaForeman.name, status: viaForeman.status }).toEqual({ name: direct.name, status: direct.status })
      expect({ name: viaForeman.name, status: viaForeman.status }).toEqual({ name: "AI_APICallError", status: 404 })
    }).pipe(Effect.scoped))

  it.live("embed gives the target's vector", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const embedding = (url: string) =>
        Effect.promise(() => embed({ model: provider(url).embedding("nomic-embed-text:latest"), value: "alpha", maxRetries: 0 }))
      const viaForeman = yield* embedding(foreman.url)
      const direct = yield* embedding(foreman.sim.url)
      expect(viaForeman.embedding).toEqual(direct.embedding)
      expect(viaForeman.embedding.length).toBe(8)
      expect(viaForeman.usage).toEqual(direct.usage)
    }).pipe(Effect.scoped))
})
