import { describe, expect, it } from "@effect/vitest"
import type { JobList } from "@foreman/domain"
import { Effect, Redacted, Schedule } from "effect"
import { WebhookDispatcher } from "../src/webhooks/WebhookDispatcher.js"
import { verifyForemanSignature, verifyStandardWebhook } from "../src/webhooks/WebhookSignature.js"
import { postJson, startForeman } from "./support/foreman.js"
import { asBacklog } from "./support/backlog.js"
import { eventsByJob, startReceiver } from "./support/webhookReceiver.js"

const secret = `whsec_${Buffer.from("thirty jobs, three models").toString("base64")}`

describe("webhooks at the issue's scale", () => {
  it.live("30 jobs over 3 models: all done, each job's events in order and signed twice, 3 swaps", () =>
    Effect.gen(function*() {
      const models = ["a:1b", "b:1b", "c:1b"]
      const foreman = yield* startForeman({ sim: { models, loadDelayMs: 50 }, env: { FOREMAN_WEBHOOK_SECRET: secret } })
      const receiver = yield* startReceiver()
      // Queued while the target is away, so the worker drains one real backlog.
      const ids = yield* asBacklog(foreman, Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        (i) =>
          postJson(`${foreman.url}/jobs`, {
            model: models[i % 3],
            stream: i % 2 === 0,
            messages: [{ role: "user", content: `job ${i}` }],
            state_webhook_url: receiver.url
          }).pipe(Effect.flatMap((response) => Effect.promise(() => response.json() as Promise<{ job_id: string }>)), Effect.map((r) => r.job_id)),
        { concurrency: "unbounded" }
      ))
      const list = yield* Effect.promise(() => fetch(`${foreman.url}/jobs?limit=100`).then((r) => r.json() as Promise<JobList>)).pipe(
        Effect.filterOrFail((l) => l.jobs.length === 30 && l.jobs.every((j) => j.state === "done")),
        Effect.retry(Schedule.spaced("50 millis")),
        Effect.timeout("60 seconds")
      )
      expect(list.jobs).toHaveLength(30)
      expect((yield* foreman.sim.stats).swaps).toBe(3)

      const byJob = yield* Effect.sync(() => eventsByJob(receiver.received)).pipe(
        Effect.filterOrFail((m) => ids.every((id) => m.get(id)?.at(-1)?.state === "done")),
        Effect.retry(Schedule.spaced("50 millis")),
        Effect.timeout("30 seconds")
      )
      for (const id of ids) {
        const states = (byJob.get(id) ?? []).map((e) => [e.previous_state, e.state])
        // The first job of each model pays the swap (loading); the rest go straight to working.
        expect([
          [[null, "queued"], ["queued", "working"], ["working", "done"]],
          [[null, "queued"], ["queued", "loading"], ["loading", "working"], ["working", "done"]]
        ]).toContainEqual(states)
      }
      const key = Redacted.make(secret)
      for (const { body, headers } of receiver.received) {
        expect(verifyForemanSignature(key, body, headers["x-foreman-signature"])).toBe(true)
        expect(verifyStandardWebhook(key, headers, body)).toBe(true)
        expect(headers["webhook-id"]).toBe((JSON.parse(body) as { event_id: string }).event_id)
      }
      expect(receiver.received.length).toBeGreaterThanOrEqual(30 * 3 + 3)
      // Each event once, and each marked delivered (the marks are written in batches).
      expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).toBe(receiver.received.length)
      const counts = yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.counts)).pipe(
        Effect.filterOrFail((c) => c.pending === 0),
        Effect.retry(Schedule.spaced("50 millis")),
        Effect.timeout("10 seconds")
      )
      expect(counts).toEqual({ pending: 0, delivered: receiver.received.length, dead: 0 })
    }).pipe(Effect.scoped), 120_000)
})
