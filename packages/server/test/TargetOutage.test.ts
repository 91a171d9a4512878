import { describe, expect, it } from "@effect/vitest"
import { JobId } from "@foreman/domain"
import { Effect, Fiber, Schedule, Schema } from "effect"
import { Store } from "../src/store/Store.js"
import { postJson, startForeman, text } from "./support/foreman.js"

const health = (url: string) =>
  Effect.promise(() => fetch(`${url}/healthz`).then((r) => r.json() as Promise<{ degraded: boolean }>))

const until = (check: Effect.Effect<boolean>) =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("condition not reached in 10s") })
  )

describe("the target going away", () => {
  it.live("degraded, last-known models kept, a chat waits without spending attempts, recovery without restart", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b"] } })
      expect((yield* health(foreman.url)).degraded).toBe(false)

      yield* foreman.sim.refuse()
      yield* until(Effect.map(health(foreman.url), (h) => h.degraded))
      const tags = yield* Effect.promise(() => fetch(`${foreman.url}/api/tags`).then((r) => r.json() as Promise<{ models: Array<{ name: string }> }>))
      expect(tags.models.map((m) => m.name)).toContain("llama3.2:1b")

      const pending = yield* postJson(`${foreman.url}/api/chat`, {
        model: "llama3.2:1b",
        stream: false,
        messages: [{ role: "user", content: "while you slept" }]
      }).pipe(Effect.fork)
      yield* until(foreman.run(Effect.map(Effect.flatMap(Store, (s) => Effect.orDie(s.countQueued)), (n) => n === 1)))
      yield* Effect.sleep("1 second")
      expect(yield* foreman.run(Effect.flatMap(Store, (s) => s.countQueued))).toBe(1)

      yield* foreman.sim.restore
      const response = yield* Fiber.join(pending)
      expect(response.status).toBe(200)
      expect(yield* text(response)).toContain("while you slept")
      const id = Schema.decodeSync(JobId)(response.headers.get("x-foreman-job-id") ?? "")
      const job = yield* foreman.run(Effect.flatMap(Store, (s) => s.get(id)))
      expect(job.state).toBe("done")
      expect(job.attempt).toBe(1)
      yield* until(Effect.map(health(foreman.url), (h) => !h.degraded))
    }).pipe(Effect.scoped))

  it.live("a connection reset mid-dispatch re-queues the job instead of failing it", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b"] }, env: { FOREMAN_MAX_ATTEMPTS: "1" } })
      yield* foreman.sim.reset(1500)
      const response = yield* postJson(`${foreman.url}/api/chat`, {
        model: "llama3.2:1b",
        stream: false,
        messages: [{ role: "user", content: "reset me" }]
      })
      expect(response.status).toBe(200)
      expect(yield* text(response)).toContain("reset me")
    }).pipe(Effect.scoped))
})
