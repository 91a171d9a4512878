import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { postJson, startForeman, text } from "./support/foreman.js"
import { listJobs } from "./support/jobList.js"

const user = (content: string) => [{ role: "user", content }]

const answered = (url: string, body: unknown) =>
  postJson(url, body).pipe(Effect.flatMap((response) => Effect.map(text(response), (raw) => ({ status: response.status, raw }))))

// Ollama reads a source suffix before anything else (internal/modelref): `:local` is the installed
// model, a cloud model is proxied to ollama.com with no install and no load on the target's GPU.
describe("model names with a source suffix", () => {
  it.live("a cloud model goes straight through, unqueued, even while a job holds the GPU; it is never a job", () =>
    Effect.gen(function*() {
      const cloud = "gpt-oss:120b-cloud"
      // The local model takes 3 s to load; the cloud one loads nothing, on the target or here.
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", cloud], loadDelayMs: 3000 } })
      const long = yield* Effect.fork(answered(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: user("long") }))
      yield* listJobs(foreman.url).pipe(
        Effect.filterOrFail((list) => list.jobs[0]?.state === "loading"),
        Effect.retry(Schedule.spaced("25 millis")),
        Effect.orDie
      )
      const started = Date.now()
      const native = yield* answered(`${foreman.url}/api/chat`, { model: cloud, stream: false, messages: user("from the cloud") })
      const openai = yield* answered(`${foreman.url}/v1/chat/completions`, { model: cloud, messages: user("from the cloud too") })
      // Both answered while the job still loaded its model: nothing waited for it.
      expect((yield* listJobs(foreman.url)).jobs.map((job) => [job.model, job.state])).toEqual([["llama3.2:1b", "loading"]])
      expect(Date.now() - started).toBeLessThan(3000)
      expect([native.status, JSON.parse(native.raw).model]).toEqual([200, cloud])
      expect([openai.status, JSON.parse(openai.raw).object]).toEqual([200, "chat.completion"])
      // Two spellings of "model": JSON.parse and Go's decoder disagree on which counts, so refused
      // rather than risk passing a local generation through as a cloud one.
      const spelled = yield* answered(`${foreman.url}/api/chat`, `{"model":"llama3.2:1b","Model":"${cloud}","model":"llama3.2:1b","stream":false,"messages":[{"role":"user","content":"sneak"}]}`)
      expect(spelled.status).toBe(400)
      expect((yield* foreman.sim.requests).some((r) => r.body.includes("sneak"))).toBe(false)
      yield* long.await
      // A job for it would hold the queue for work done elsewhere: refused, nothing queued.
      const submit = yield* answered(`${foreman.url}/jobs`, { model: cloud, messages: user("later") })
      expect(submit.status).toBe(400)
      expect(JSON.parse(submit.raw).error).toContain(`model "${cloud}" runs on ollama.com`)
      expect((yield* listJobs(foreman.url)).jobs).toHaveLength(1)
    }).pipe(Effect.scoped))

  it.live("`:local` is the installed model: found, queued with it, and no swap between the two spellings", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b", "qwen3:8b"] } })
      for (const model of ["llama3.2:1b", "llama3.2:1b:local", "LLAMA3.2:1b:Local"]) {
        const answer = yield* answered(`${foreman.url}/api/chat`, { model, stream: false, messages: user(model) })
        expect([model, answer.status]).toEqual([model, 200])
      }
      expect((yield* foreman.sim.stats).swaps).toBe(1)
      expect((yield* listJobs(foreman.url)).jobs.map((job) => job.model)).toEqual(["llama3.2:1b", "llama3.2:1b", "llama3.2:1b"])
    }).pipe(Effect.scoped))
})
