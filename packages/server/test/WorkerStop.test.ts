import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Worker } from "../src/jobs/Worker.js"
import { Store } from "../src/store/Store.js"
import { postJson, startForeman } from "./support/foreman.js"

const chat = (content: string) => ({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content }] })

// The drain stops the worker before the server closes (ADR-0042); requests that still arrive in
// that window must not wait for a worker that is gone.
describe("a stopped worker", () => {
  it.live("sync generations are refused with a 503 in the family's shape; async submits are still kept", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      yield* foreman.run(Effect.flatMap(Worker, (worker) => worker.stop))
      // A second stop (the drain, then the worker's own scope) finds it done.
      yield* foreman.run(Effect.flatMap(Worker, (worker) => worker.stop))

      const native = yield* postJson(`${foreman.url}/api/chat`, chat("too late"))
      expect(native.status).toBe(503)
      expect(yield* Effect.promise(() => native.json())).toEqual({ error: "foreman is stopping; try again when it is back" })
      const openAi = yield* postJson(`${foreman.url}/v1/chat/completions`, chat("too late"))
      expect(openAi.status).toBe(503)
      expect(yield* Effect.promise(() => openAi.json())).toMatchObject({ error: { message: "foreman is stopping; try again when it is back" } })

      const accepted = yield* postJson(`${foreman.url}/jobs`, chat("for after the restart"))
      expect(accepted.status).toBe(202)
      const { job_id } = yield* Effect.promise(() => accepted.json() as Promise<{ job_id: string }>)
      const jobs = yield* foreman.run(Effect.flatMap(Store, (store) => store.list({ limit: 10 })))
      // Only the async job was written, and nothing runs it.
      expect(jobs.map((job) => [job.id, job.state])).toEqual([[job_id, "queued"]])
      const sent = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat" || r.path === "/v1/chat/completions")
      expect(sent).toEqual([])
    }).pipe(Effect.scoped))

  it.live("an event stream opened on a stopped worker ends after the job's current state", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      yield* foreman.run(Effect.flatMap(Worker, (worker) => worker.stop))
      const accepted = yield* postJson(`${foreman.url}/jobs`, chat("followed"))
      const { job_id } = yield* Effect.promise(() => accepted.json() as Promise<{ job_id: string }>)
      const text = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${job_id}/events`).then((r) => r.text()))
      expect(text.match(/event: state/g)).toHaveLength(1)
      expect(text).toContain(`"state":"queued"`)
    }).pipe(Effect.scoped))
})
