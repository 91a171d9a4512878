import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { Store } from "../src/store/Store.js"
import { asBacklog } from "./support/backlog.js"
import { Ollama } from "ollama"
import { postJson, type RunningForeman, startForeman, text } from "./support/foreman.js"

const user = (content: string) => [{ role: "user", content }]

/** The answer's text, whether it came as one JSON body or as NDJSON chunks. */
const contentOf = (body: string) =>
  body.trim().split("\n").map((line) => (JSON.parse(line) as { message?: { content?: string } }).message?.content ?? "").join("")

/** Waits until `n` jobs are queued in the daemon. */
const until = (foreman: RunningForeman, n: number) =>
  foreman.run(Effect.flatMap(Store, (store) => Effect.orDie(store.countQueued))).pipe(
    Effect.filterOrFail((queued) => queued === n),
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeout("10 seconds"),
    Effect.orDie
  )

describe("native /api/chat through the queue", () => {
  it.live("the ollama npm client gets from foreman what it gets from the sim", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", "qwen3:8b"] } })
      const viaForeman = new Ollama({ host: foreman.url })
      const direct = new Ollama({ host: foreman.sim.url })

      const [listF, listD] = yield* Effect.promise(() => Promise.all([viaForeman.list(), direct.list()]))
      expect(listF).toEqual(listD)

      const request = { model: "llama3.2:1b", messages: user("what is foreman?") }
      const chatF = yield* Effect.promise(() => viaForeman.chat({ ...request, stream: false }))
      const chatD = yield* Effect.promise(() => direct.chat({ ...request, stream: false }))
      expect(chatF.message).toEqual(chatD.message)
      expect(chatF.message.content).toContain("what is foreman?")
      expect(chatF.done).toBe(true)
      expect(chatF.done_reason).toBe(chatD.done_reason)

      const collect = (client: Ollama) =>
        Effect.promise(async () => {
          const parts: Array<string> = []
          let last: unknown
          for await (const part of await client.chat({ ...request, stream: true })) {
            parts.push(part.message.content)
            last = part
          }
          return { parts, last }
        })
      const streamF = yield* collect(viaForeman)
      const streamD = yield* collect(direct)
      expect(streamF.parts).toEqual(streamD.parts)
      expect(streamF.parts.length).toBeGreaterThan(1)
      expect(streamF.last).toMatchObject({ done: true, done_reason: "stop" })

      const [psF, psD] = yield* Effect.promise(() => Promise.all([viaForeman.ps(), direct.ps()]))
      const names = (ps: typeof psF) => ps.models.map((m) => ({ name: m.name, model: m.model, digest: m.digest, size: m.size }))
      expect(names(psF)).toEqual(names(psD))
      expect(names(psF).map((m) => m.name)).toContain("llama3.2:1b")
    }).pipe(Effect.scoped))

  it.live("nine interleaved chats over three models: one generation at a time, exactly three swaps", () =>
    Effect.gen(function*() {
      const models = ["alpha:1b", "beta:1b", "gamma:1b"]
      const foreman = yield* startForeman({ sim: { models, loadDelayMs: 60, tokenDelayMs: 5 } })
      const requests = Array.from({ length: 9 }, (_, i) => ({ model: models[i % 3] ?? "", prompt: `caller ${i}` }))
      // The nine callers wait while the target is away, so they form one backlog.
      const pending = yield* asBacklog(
        foreman,
        Effect.forEach(
          requests,
          ({ model, prompt }, i) =>
            postJson(`${foreman.url}/api/chat`, { model, stream: i % 2 === 0, messages: user(prompt) }).pipe(
              Effect.flatMap(text),
              Effect.map((body) => ({ model, prompt, body: contentOf(body) })),
              Effect.fork
            )
        ).pipe(Effect.tap(() => until(foreman, 9)))
      )
      const answers = yield* Effect.forEach(pending, Fiber.join)
      for (const { model, prompt, body } of answers) {
        expect(body).toContain(prompt)
        expect(body).toContain(model)
        expect(body).toBe(`${model} answers: ${prompt}`)
      }
      const stats = yield* foreman.sim.stats
      expect(stats.maxConcurrentGenerations).toBe(1)
      expect(stats.swaps).toBe(3)
    }).pipe(Effect.scoped))

  it.live("the request body reaches the target byte for byte", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const body = `{"model":"qwen3:8b","stream":false,"messages":[{"role":"user","content":"héllo ✓ 日本"}],` +
        `"options":{"seed":12345678901234567890,"num_ctx":8192},"think":true,` +
        `"format":{"type":"object","properties":{"a":{"type":"integer"}}},"x_unknown":[1.0,2.50]}`
      const response = yield* postJson(`${foreman.url}/api/chat`, body)
      expect(response.status).toBe(200)
      yield* text(response)
      const seen = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat")
      expect(seen.map((r) => r.body)).toContain(body)
    }).pipe(Effect.scoped))

  it.live("FOREMAN_KEEP_ALIVE applies only when the caller sets none", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_KEEP_ALIVE: "30m" } })
      yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: user("a") }).pipe(Effect.flatMap(text))
      yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, keep_alive: "5s", messages: user("b") }).pipe(Effect.flatMap(text))
      // null sets none: Ollama, like JSON.parse, keeps the last of a repeated key, so foreman's must come after it.
      yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, keep_alive: null, messages: user("c") }).pipe(Effect.flatMap(text))
      // Go's decoder reads "Keep_Alive" as keep_alive: the caller set one.
      yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, Keep_Alive: "5s", messages: user("d") }).pipe(Effect.flatMap(text))
      const bodies = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat").map((r) =>
        JSON.parse(r.body) as { keep_alive?: unknown; Keep_Alive?: unknown; messages: Array<{ content: string }> }
      )
      expect(bodies.find((b) => b.messages[0]?.content === "a")?.keep_alive).toBe("30m")
      expect(bodies.find((b) => b.messages[0]?.content === "b")?.keep_alive).toBe("5s")
      expect(bodies.find((b) => b.messages[0]?.content === "c")?.keep_alive).toBe("30m")
      const d = bodies.find((b) => b.messages[0]?.content === "d")
      expect([d?.Keep_Alive, d !== undefined && "keep_alive" in d]).toEqual(["5s", false])
      const loads = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat" && JSON.parse(r.body).messages.length === 0)
      expect(loads.map((r) => JSON.parse(r.body))).toEqual([{ model: "llama3.2:1b", messages: [], keep_alive: "30m" }])
    }).pipe(Effect.scoped))

  it.live("an upstream error fails the job with Ollama's status and text", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      yield* foreman.sim.failNext(1, 500, "llama runner process has terminated")
      const response = yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: user("x") })
      expect(response.status).toBe(500)
      expect(JSON.parse(yield* text(response))).toEqual({ error: "llama runner process has terminated" })
      const ok = yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: user("y") })
      expect(ok.status).toBe(200)
    }).pipe(Effect.scoped))
})
