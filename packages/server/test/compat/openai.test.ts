import { describe, expect, it } from "@effect/vitest"
import type { JobList } from "@foreman/domain"
import { Effect, Fiber, Schedule } from "effect"
import OpenAI from "openai"
import { type RunningForeman, startForeman } from "../support/foreman.js"

// The official `openai` client against foreman's /v1 and against the sim's /v1 directly.
const clients = (foreman: RunningForeman) => ({
  viaForeman: new OpenAI({ baseURL: `${foreman.url}/v1`, apiKey: "unused", maxRetries: 0 }),
  direct: new OpenAI({ baseURL: `${foreman.sim.url}/v1`, apiKey: "unused", maxRetries: 0 })
})

const both = <A>(foreman: RunningForeman, call: (client: OpenAI) => Promise<A>) =>
  Effect.gen(function*() {
    const { viaForeman, direct } = clients(foreman)
    const fromForeman = yield* Effect.promise(() => call(viaForeman))
    const fromSim = yield* Effect.promise(() => call(direct))
    return { fromForeman, fromSim } as const
  })

const rejection = (call: Promise<unknown>) =>
  Effect.promise(() =>
    call.then(
      () => ({ name: "resolved", status: 0 }),
      (error: unknown) => ({
        name: error instanceof Error ? error.constructor.name : typeof error,
        status: error instanceof OpenAI.APIError ? error.status : 0
      })
    )
  )

const messages = [{ role: "user" as const, content: "speak openai" }]

describe("the openai client through /v1", () => {
  it.live("chat completions, not streaming: the same answer as from the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const { fromForeman, fromSim } = yield* both(foreman, (c) => c.chat.completions.create({ model: "llama3.2:1b", messages }))
      expect(fromForeman.choices).toEqual(fromSim.choices)
      expect(fromForeman.choices[0]?.message.content).toBe("llama3.2:1b answers: speak openai")
      expect(fromForeman.usage).toEqual(fromSim.usage)
      expect({ ...fromForeman, id: "", created: 0 }).toEqual({ ...fromSim, id: "", created: 0 })
    }).pipe(Effect.scoped))

  it.live("chat completions, streaming: the same deltas, ending with [DONE]", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const { fromForeman, fromSim } = yield* both(foreman, async (c) => {
        const stream = await c.chat.completions.create({ model: "qwen3:8b", messages, stream: true, stream_options: { include_usage: true } })
        const deltas: Array<string> = []
        let finish: string | null = null
        let usage: unknown
        for await (const chunk of stream) {
          deltas.push(chunk.choices[0]?.delta.content ?? "")
          finish = chunk.choices[0]?.finish_reason ?? finish
          usage = chunk.usage ?? usage
        }
        return { deltas, finish, usage }
      })
      expect(fromForeman).toEqual(fromSim)
      expect(fromForeman.deltas.join("")).toBe("qwen3:8b answers: speak openai")
      expect(fromForeman.finish).toBe("stop")
    }).pipe(Effect.scoped))

  it.live("legacy completions, models list and retrieve, embeddings", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const completion = yield* both(foreman, (c) => c.completions.create({ model: "gemma3:4b", prompt: "complete me" }))
      expect(completion.fromForeman.choices).toEqual(completion.fromSim.choices)
      expect(completion.fromForeman.choices[0]?.text).toBe("gemma3:4b answers: complete me")

      const models = yield* both(foreman, async (c) => (await c.models.list()).data)
      expect(models.fromForeman).toEqual(models.fromSim)
      expect(models.fromForeman.map((m) => m.id)).toContain("llama3.2:1b")
      const one = yield* both(foreman, (c) => c.models.retrieve("llama3.2:1b"))
      expect(one.fromForeman).toEqual(one.fromSim)

      const embeddings = yield* both(foreman, (c) => c.embeddings.create({ model: "nomic-embed-text:latest", input: ["a", "b"] }))
      expect(embeddings.fromForeman).toEqual(embeddings.fromSim)
      expect(embeddings.fromForeman.data).toHaveLength(2)
    }).pipe(Effect.scoped))

  it.live("an unknown model is a 404 NotFoundError, as from the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const { viaForeman, direct } = clients(foreman)
      const request = { model: "ghost:1b", messages }
      const throughForeman = yield* rejection(viaForeman.chat.completions.create(request))
      const fromSim = yield* rejection(direct.chat.completions.create(request))
      expect(throughForeman).toEqual({ name: "NotFoundError", status: 404 })
      expect(throughForeman).toEqual(fromSim)
      expect(yield* rejection(viaForeman.models.retrieve("ghost:1b"))).toEqual(yield* rejection(direct.models.retrieve("ghost:1b")))
    }).pipe(Effect.scoped))

  // Ollama's newer routes: not queued yet (ADR-0053). A clear 404 the SDKs do not retry, in the
  // caller's own error shape, not a bare "404 page not found"; nothing reaches the target.
  it.live("/v1/responses, /v1/messages and /v1/audio/transcriptions are refused with a clear 404, not passed through", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const { viaForeman } = clients(foreman)
      const responses = yield* Effect.promise(() =>
        viaForeman.responses.create({ model: "llama3.2:1b", input: "hi" }).then(() => undefined, (error: unknown) => error)
      )
      expect(responses).toBeInstanceOf(OpenAI.NotFoundError)
      expect(responses instanceof OpenAI.APIError ? responses.message : "").toContain("foreman does not serve /v1/responses yet")
      const post = (path: string) =>
        Effect.promise(() =>
          fetch(`${foreman.url}${path}`, { method: "POST", body: JSON.stringify({ model: "llama3.2:1b", messages, max_tokens: 9 }) })
            .then(async (r) => ({ status: r.status, body: await r.json() as unknown }))
        )
      expect(yield* post("/v1/messages")).toEqual({
        status: 404,
        body: { type: "error", error: { type: "not_found_error", message: expect.stringContaining("foreman does not serve /v1/messages") } }
      })
      expect(yield* post("/v1/audio/transcriptions")).toEqual({
        status: 404,
        body: { error: expect.objectContaining({ type: "not_found_error", message: expect.stringContaining("/v1/audio/transcriptions") }) }
      })
      const stats = yield* foreman.sim.stats
      expect(Object.keys(stats.calls).filter((call) => call.startsWith("POST"))).toEqual([])
    }).pipe(Effect.scoped))

  it.live("/v1 generations are queued jobs: one at a time beside native ones, listed with api openai", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 5 } })
      const { viaForeman } = clients(foreman)
      const calls = Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0
          ? viaForeman.chat.completions.create({ model: "llama3.2:1b", messages: [{ role: "user", content: `v1 ${i}` }] }).then((r) => r.choices[0]?.message.content)
          : fetch(`${foreman.url}/api/chat`, {
            method: "POST",
            body: JSON.stringify({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: `native ${i}` }] })
          }).then((r) => r.json() as Promise<{ message: { content: string } }>).then((r) => r.message.content))
      const answers = yield* Effect.promise(() => Promise.all(calls))
      answers.forEach((answer, i) => expect(answer).toBe(`llama3.2:1b answers: ${i % 2 === 0 ? "v1" : "native"} ${i}`))
      expect((yield* foreman.sim.stats).maxConcurrentGenerations).toBe(1)
      const list = yield* Effect.promise(() => fetch(`${foreman.url}/jobs`).then((r) => r.json() as Promise<JobList>))
      expect(list.jobs.filter((j) => j.api === "openai")).toHaveLength(3)
      expect(list.jobs.every((j) => j.state === "done")).toBe(true)
    }).pipe(Effect.scoped))

  // The client retries a 503 by default (twice): a cancelled job answered with one came straight back.
  it.live("a sync chat someone cancels ends in a 410 the client does not retry, and no second job is submitted", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 400, tokenDelayMs: 10 } })
      const listed = Effect.promise(() => fetch(`${foreman.url}/jobs`).then((r) => r.json() as Promise<JobList>))
      const working = listed.pipe(
        Effect.map((list) => list.jobs.find((job) => job.state === "working")),
        Effect.flatMap(Effect.fromNullable),
        Effect.retry(Schedule.spaced("20 millis")),
        Effect.timeout("10 seconds")
      )
      const retrying = new OpenAI({ baseURL: `${foreman.url}/v1`, apiKey: "unused" })
      for (const call of [
        () => rejection(retrying.chat.completions.create({ model: "llama3.2:1b", messages })),
        () =>
          Effect.promise(() =>
            fetch(`${foreman.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "llama3.2:1b", stream: false, messages }) })
              .then(async (response) => ({ name: await response.text(), status: response.status }))
          )
      ]) {
        const caller = yield* Effect.fork(call())
        const job = yield* working
        yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${job.id}`, { method: "DELETE" }))
        const outcome = yield* Fiber.join(caller)
        expect(outcome.status).toBe(410)
        if (job.api === "native") expect(JSON.parse(outcome.name)).toEqual({ error: `job ${job.id} was cancelled` })
      }
      const jobs = (yield* listed).jobs
      expect(jobs.map((job) => [job.api, job.state])).toEqual([["native", "cancelled"], ["openai", "cancelled"]])
    }).pipe(Effect.scoped))
})
