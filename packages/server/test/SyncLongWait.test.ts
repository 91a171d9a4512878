import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ollama } from "ollama"
import { startForeman } from "./support/foreman.js"
import { eventually, listJobs } from "./support/jobList.js"

const model = "llama3.2:1b"



/**
 * The ollama npm client, giving up when no response headers have come within `headersTimeout`,
 * as Node's fetch does after 300 s (undici's headersTimeout; here scaled down with the wait).
 */
const impatientOllama = (host: string, headersTimeout: number) =>
  new Ollama({
    host,
    fetch: async (input, init) => {
      const impatience = new AbortController()
      const timer = setTimeout(() => impatience.abort(new Error("no response headers in time")), headersTimeout)
      const signal = init?.signal ? AbortSignal.any([init.signal, impatience.signal]) : impatience.signal
      try {
        return await fetch(input, { ...init, signal })
      } finally {
        clearTimeout(timer)
      }
    }
  })

/** A streamed chat's text, or the message of the error the client threw. */
const streamedChat = (ollama: Ollama, content: string) =>
  Effect.promise(async () => {
    try {
      let text = ""
      for await (const part of await ollama.chat({ model, stream: true, messages: [{ role: "user", content }] })) text += part.message.content
      return { text }
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) }
    }
  })

/** An async job that keeps the worker busy for about 2.5 s (the sim's 25 tokens, 100 ms apart). */
const occupyWorker = (url: string) =>
  Effect.promise(() =>
    fetch(`${url}/jobs`, { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "long" }] }) }).then((r) => r.json())
  )

// A sync caller waits without response headers while its job waits its turn, as Ollama's own
// callers wait for the model. Clients on Node's fetch give up after 300 s, and the job is cancelled
// with them; a streamed one gets its headers after FOREMAN_STREAM_HEADERS_AFTER (ADR-0050).
describe("a sync caller whose job waits long", () => {
  it.live("a streamed chat gets its headers while queued, so a client that gives up waiting for headers keeps its place", () =>
    Effect.gen(function*() {
      for (const [after, expected] of [["200ms", "answered"], ["1h", "no response headers in time"]] as const) {
        const foreman = yield* startForeman({ sim: { tokens: 25, tokenDelayMs: 100 }, env: { FOREMAN_STREAM_HEADERS_AFTER: after } })
        yield* occupyWorker(foreman.url)
        yield* eventually(listJobs(foreman.url), (list) => list.jobs[0]?.state === "working")
        // Queued behind the 2.5 s job, twice the client's patience for headers.
        const queued = yield* Effect.fork(streamedChat(impatientOllama(foreman.url, 1000), "hello"))
        const direct = yield* streamedChat(impatientOllama(foreman.sim.url, 10_000), "hello")
        const answer = yield* queued.await.pipe(Effect.flatten)
        expect([after, "error" in answer ? answer.error : answer.text === direct.text && answer.text !== "" ? "answered" : answer]).toEqual([after, expected])
      }
    }).pipe(Effect.scoped))

  it.live("a streamed job that ends without output after its headers went out tells the client in the stream", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 25, tokenDelayMs: 100 }, env: { FOREMAN_STREAM_HEADERS_AFTER: "100ms" } })
      yield* occupyWorker(foreman.url)
      yield* eventually(listJobs(foreman.url), (list) => list.jobs[0]?.state === "working")
      const body = JSON.stringify({ model, messages: [{ role: "user", content: "to be cancelled" }] })
      // The headers come while the job is still queued.
      const response = yield* Effect.promise(() => fetch(`${foreman.url}/api/chat`, { method: "POST", body }))
      const id = response.headers.get("x-foreman-job-id")
      expect([response.status, response.headers.get("content-type")]).toEqual([200, "application/x-ndjson"])
      expect((yield* listJobs(foreman.url)).jobs.find((job) => job.id === id)?.state).toBe("queued")
      const cancel = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${id}`, { method: "DELETE" }))
      expect(cancel.status).toBe(200)
      // As Ollama reports an error after its headers: one NDJSON line, which the ollama client throws.
      expect(yield* Effect.promise(() => response.text())).toBe(`{"error":"job ${id} was cancelled"}\n`)
    }).pipe(Effect.scoped))
  it.live("a caller that goes away after its early headers still cancels its queued job, which never reaches the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 25, tokenDelayMs: 100 }, env: { FOREMAN_STREAM_HEADERS_AFTER: "100ms" } })
      yield* occupyWorker(foreman.url)
      yield* eventually(listJobs(foreman.url), (list) => list.jobs[0]?.state === "working")
      const controller = new AbortController()
      const body = JSON.stringify({ model, messages: [{ role: "user", content: "gone early" }] })
      const response = yield* Effect.promise(() => fetch(`${foreman.url}/api/chat`, { method: "POST", body, signal: controller.signal }))
      const id = response.headers.get("x-foreman-job-id")
      expect(response.status).toBe(200)
      controller.abort()
      const list = yield* eventually(listJobs(foreman.url), (l) => l.jobs.some((job) => job.id === id && job.state === "cancelled"))
      expect(list.jobs.find((job) => job.id === id)?.started_at).toBeNull()
      yield* eventually(listJobs(foreman.url), (l) => l.jobs.every((job) => job.state !== "working"))
      expect((yield* foreman.sim.requests).some((r) => r.body.includes("gone early"))).toBe(false)
    }).pipe(Effect.scoped))
})
