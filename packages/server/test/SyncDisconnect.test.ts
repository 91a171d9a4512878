import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { startForeman } from "./support/foreman.js"
import { eventually, listJobs } from "./support/jobList.js"



const chatBody = (content: string) =>
  JSON.stringify({ model: "llama3.2:1b", messages: [{ role: "user", content }] })

describe("a sync caller that disconnects", () => {
  it.live("mid-stream: the upstream request is aborted, the job cancelled, and the worker moves on", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 300, tokenDelayMs: 10 } })
      const controller = new AbortController()
      const response = yield* Effect.promise(() => fetch(`${foreman.url}/api/chat`, { method: "POST", body: chatBody("hang up"), signal: controller.signal }))
      const reader = response.body?.getReader()
      const first = yield* Effect.promise(() => reader?.read() ?? Promise.resolve({ done: true, value: undefined }))
      expect(first.done).toBe(false)
      controller.abort()

      const listed = yield* eventually(listJobs(foreman.url), (list) => list.jobs[0]?.state === "cancelled")
      expect(listed.jobs).toHaveLength(1)
      const stats = yield* eventually(foreman.sim.stats, (s) => s.aborted === 1 && s.activeGenerations === 0)
      expect(stats.aborted).toBe(1)
    }).pipe(Effect.scoped))

  // Aborting destroys the pooled socket, and node reports that as the reset of a stale one: the
  // request was sent again, and the target ran a second generation nobody read, beside the next job.
  it.live("non-streamed, on a kept-alive connection: the upstream request is aborted once and never sent again", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 100, tokenDelayMs: 20 } })
      const plain = (content: string) => JSON.stringify({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content }] })
      // One exchange first, so the next goes out on a socket from the pool.
      yield* Effect.promise(() => fetch(`${foreman.url}/api/chat`, { method: "POST", body: plain("warm up") }).then((r) => r.text()))
      const controller = new AbortController()
      const gone = fetch(`${foreman.url}/api/chat`, { method: "POST", body: plain("hang up unstreamed"), signal: controller.signal }).catch(() => undefined)
      yield* eventually(listJobs(foreman.url), (list) => list.jobs.some((job) => job.state === "working" && job.id !== list.jobs.at(-1)?.id))
      controller.abort()
      yield* Effect.promise(() => gone)
      yield* eventually(foreman.sim.stats, (s) => s.aborted === 1 && s.activeGenerations === 0)
      yield* Effect.sleep("300 millis")
      const sent = (yield* foreman.sim.requests).filter((r) => r.body.includes("hang up unstreamed"))
      expect(sent).toHaveLength(1)
      expect((yield* foreman.sim.stats).activeGenerations).toBe(0)
    }).pipe(Effect.scoped))

  it.live("while queued: the job is dropped and never reaches the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 60, tokenDelayMs: 10 } })
      const first = Effect.promise(() => fetch(`${foreman.url}/api/chat`, { method: "POST", body: chatBody("first in line") }).then((r) => r.text()))
      const running = yield* Effect.fork(first)
      yield* eventually(listJobs(foreman.url), (list) => list.jobs[0]?.state === "working")

      const controller = new AbortController()
      const waiting = fetch(`${foreman.url}/api/chat`, { method: "POST", body: chatBody("gives up"), signal: controller.signal }).catch(() => undefined)
      yield* eventually(listJobs(foreman.url), (list) => list.jobs.length === 2)
      controller.abort()
      yield* Effect.promise(() => waiting)

      const list = yield* eventually(listJobs(foreman.url), (l) => l.jobs.some((j) => j.state === "cancelled"))
      expect(list.jobs.find((j) => j.state === "cancelled")?.started_at).toBeNull()
      yield* Fiber.join(running)
      const prompts = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat").map((r) => r.body)
      expect(prompts.some((p) => p.includes("first in line"))).toBe(true)
      expect(prompts.some((p) => p.includes("gives up"))).toBe(false)
    }).pipe(Effect.scoped))
})
