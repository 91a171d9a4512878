import { describe, expect, it } from "@effect/vitest"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect } from "effect"
import { eventsByJob, startReceiver } from "../support/webhookReceiver.js"
import { answerOf, getJob, until } from "./support/jobsApi.js"
import { foremanPlace, startForemanAt } from "./support/process.js"

const submit = (url: string, body: unknown) =>
  Effect.tryPromise(() =>
    fetch(`${url}/jobs`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ job_id: string }>)
  ).pipe(Effect.orDie)

describe("restart: foreman stopped or killed while a job runs", () => {
  it.live("the running async job goes back to the queue, not counted against it, and finishes after the restart", () =>
    Effect.gen(function*() {
      // A long answer, so the stop lands mid-generation.
      const sim = yield* OllamaSim.start({ models: ["a:1b"], tokens: 200, tokenDelayMs: 15 })
      const receiver = yield* startReceiver()
      const place = yield* foremanPlace(sim.url, { FOREMAN_MAX_ATTEMPTS: "1" })
      const url = place.url
      const first = yield* startForemanAt(place)
      const running = yield* submit(url, { model: "a:1b", messages: [{ role: "user", content: "long" }], state_webhook_url: receiver.url })
      const waiting = yield* submit(url, { model: "a:1b", messages: [{ role: "user", content: "next" }], state_webhook_url: receiver.url })
      yield* until(getJob(url, running.job_id), (job) => job.state === "working", () => "the first job to be working")

      const exit = yield* first.stop
      expect(exit).toEqual({ code: 0, signal: null })
      // Stopped in its first and only allowed attempt: a restart is foreman's doing, not the job's.
      yield* startForemanAt(place)
      for (const id of [running.job_id, waiting.job_id]) {
        const job = yield* until(getJob(url, id), (j) => j.state === "done" || j.state === "failed" || j.state === "cancelled", () => `job ${id} to finish`)
        expect({ state: job.state, attempt: job.attempt, error: job.error }).toEqual({ state: "done", attempt: 1, error: null })
        expect(answerOf(job)?.length).toBeGreaterThan(0)
      }
      const states = yield* until(
        Effect.sync(() => eventsByJob(receiver.received).get(running.job_id)?.map((e) => e.state) ?? []),
        (s) => s.includes("done"),
        () => "the first job's done event"
      )
      // The first daemon had to load the model; the second may find it resident already.
      expect(states.slice(0, 4)).toEqual(["queued", "loading", "working", "queued"])
      expect(states.filter((state) => state !== "loading").slice(2)).toEqual(["queued", "working", "done"])
    }).pipe(Effect.scoped), 120_000)

  it.live("a job that foreman crashes on in every allowed attempt fails instead of crash-looping it", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ models: ["a:1b"], tokens: 200, tokenDelayMs: 15 })
      const receiver = yield* startReceiver()
      const place = yield* foremanPlace(sim.url, { FOREMAN_MAX_ATTEMPTS: "2" })
      const url = place.url
      let daemon = yield* startForemanAt(place)
      const poison = yield* submit(url, { model: "a:1b", messages: [{ role: "user", content: "poison" }], state_webhook_url: receiver.url })
      const behind = yield* submit(url, { model: "a:1b", messages: [{ role: "user", content: "behind" }], state_webhook_url: receiver.url })

      // SIGKILL mid-answer stands in for a job that brings the daemon down (the OOM killer, a crash).
      for (const attempt of [1, 2]) {
        yield* until(getJob(url, poison.job_id), (job) => job.state === "working" && job.attempt === attempt, () => `attempt ${attempt} working`)
        expect((yield* daemon.kill).signal).toBe("SIGKILL")
        daemon = yield* startForemanAt(place)
      }
      const failed = yield* getJob(url, poison.job_id)
      expect({ state: failed.state, attempt: failed.attempt, max: failed.max_attempts }).toEqual({ state: "failed", attempt: 2, max: 2 })
      expect(failed.error).toMatch(/foreman stopped unexpectedly during all 2 attempts/)
      const next = yield* until(getJob(url, behind.job_id), (j) => j.state === "done", () => "the job behind it to finish")
      expect(answerOf(next)).toMatch(/^a:1b answers: behind/)
      const states = yield* until(
        Effect.sync(() => eventsByJob(receiver.received).get(poison.job_id)?.map((e) => e.state) ?? []),
        (s) => s.includes("failed"),
        () => "the poison job's failed event"
      )
      expect(states.filter((state) => state !== "loading")).toEqual(["queued", "working", "queued", "working", "failed"])
    }).pipe(Effect.scoped), 120_000)
})
