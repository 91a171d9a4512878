import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { postJson, startForeman, text } from "./support/foreman.js"

/** A streamed native chat (Ollama streams unless told not to). */
const chat = (url: string, content: string) =>
  postJson(`${url}/api/chat`, { model: "llama3.2:1b", messages: [{ role: "user", content }] })

const lines = (body: string) => body.split("\n").filter((line) => line !== "").map((line): unknown => JSON.parse(line))

describe("a streamed sync answer", () => {
  it.live("arrives line for line as the target sent it, headers first, and the job is done", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 40 } })
      const direct = yield* text(yield* chat(foreman.sim.url, "same"))
      const response = yield* chat(foreman.url, "same")
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/x-ndjson")
      const id = response.headers.get("x-foreman-job-id")
      const relayed = yield* text(response)
      const strip = (line: unknown) => ({ ...(line as Record<string, unknown>), created_at: "", total_duration: 0, load_duration: 0, prompt_eval_duration: 0, eval_duration: 0 })
      expect(lines(relayed).map(strip)).toEqual(lines(direct).map(strip))
      expect(lines(relayed)).toHaveLength(41)
      const job = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${id}`).then((r) => r.json() as Promise<{ state: string }>))
      expect(job.state).toBe("done")
    }).pipe(Effect.scoped))

  it.live("the target lost mid-answer: the caller keeps what came, then gets an error line, and the job fails", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 400, tokenDelayMs: 5 } })
      const response = yield* chat(foreman.url, "cut")
      expect(response.status).toBe(200)
      const id = response.headers.get("x-foreman-job-id")
      const reader = response.body?.getReader()
      if (reader === undefined) return yield* Effect.die("no body")
      const first = yield* Effect.promise(() => reader.read())
      expect(first.done).toBe(false)
      yield* foreman.sim.refuse()
      let text = new TextDecoder().decode(first.value)
      for (;;) {
        const next = yield* Effect.promise(() => reader.read())
        if (next.done) break
        text += new TextDecoder().decode(next.value)
      }
      const received = lines(text)
      const last = received.at(-1) as { error?: string }
      expect(last.error).toMatch(/^lost the target mid-answer/)
      expect(received.length).toBeGreaterThan(1)
      expect(received.length).toBeLessThan(401)
      const job = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${id}`).then((r) => r.json() as Promise<{ state: string; error: string }>))
      expect(job.state).toBe("failed")
      expect(job.error).toBe(last.error)
    }).pipe(Effect.scoped))

  // Ollama answers 200 and then an {"error"} line when a runner fails mid-generation.
  it.live("the target fails mid-answer with an error line: the caller gets that line once, and the job fails with it", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 20 } })
      // Go's encoder writes <, > and & as \u003c, \u003e and \u0026: the same error, other bytes.
      const message = "CUDA out of memory <ggml> & more"
      yield* foreman.sim.failMidStreamNext(2, message)
      // Twice, one caller after the other.
      for (const content of ["oom one", "oom two"]) {
        const response = yield* chat(foreman.url, content)
        expect(response.status).toBe(200)
        const id = response.headers.get("x-foreman-job-id")
        const received = lines(yield* text(response))
        expect(received.filter((line) => typeof line === "object" && line !== null && "error" in line)).toEqual([{ error: message }])
        expect(received.at(-1)).toEqual({ error: message })
        expect(received.length).toBeGreaterThan(1)
        const job = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${id}`).then((r) => r.json() as Promise<unknown>))
        expect(job).toMatchObject({ state: "failed", error: message, error_status: 500 })
      }
    }).pipe(Effect.scoped))
})
