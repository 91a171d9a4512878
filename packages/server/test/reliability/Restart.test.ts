import { describe, expect, it } from "@effect/vitest"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect, Fiber } from "effect"
import { eventsByJob, startReceiver } from "../support/webhookReceiver.js"
import { answerOf, getJob, health, until } from "./support/jobsApi.js"
import { foremanPlace, startForemanAt } from "./support/process.js"

const submit = (url: string, body: unknown) =>
  Effect.tryPromise(() =>
    fetch(`${url}/jobs`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ job_id: string }>)
  ).pipe(Effect.orDie)

/**
 * A daemon with `FOREMAN_MAX_ATTEMPTS` set, in front of a sim with long answers (so a stop or a
 * kill lands mid-generation), and two async jobs with webhooks: the first runs, the second waits.
 */
const twoJobsQueued = (maxAttempts: string, firstContent: string, secondContent: string) =>
  Effect.gen(function*() {
    const sim = yield* OllamaSim.start({ models: ["a:1b"], tokens: 200, tokenDelayMs: 15 })
    const receiver = yield* startReceiver()
    const place = yield* foremanPlace(sim.url, { FOREMAN_MAX_ATTEMPTS: maxAttempts })
    const daemon = yield* startForemanAt(place)
    const job = (content: string) =>
      submit(place.url, { model: "a:1b", messages: [{ role: "user", content }], state_webhook_url: receiver.url })
    const first = yield* job(firstContent)
    const second = yield* job(secondContent)
    return { receiver, place: { ...place, sim }, url: place.url, daemon, first, second }
  })

describe("restart: foreman stopped or killed while a job runs", () => {
  it.live("the running async job goes back to the queue, not counted against it, and finishes after the restart", () =>
    Effect.gen(function*() {
      const { daemon: first, first: running, place, receiver, second: waiting, url } = yield* twoJobsQueued("1", "long", "next")
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
      const queued = yield* twoJobsQueued("2", "poison", "behind")
      const { first: poison, place, receiver, second: behind, url } = queued
      let daemon = queued.daemon

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

  // Before ADR-0042 the platform's close waited for every open connection: with a sync caller
  // waiting behind the running job the daemon never exited (nor did this test), and the worker
  // went on claiming until it was killed.
  it.live("a stop with callers still waiting ends them: sync callers get a 503, event streams end, nothing more runs", () =>
    Effect.gen(function*() {
      const { daemon, first: running, place, second: queuedAsync, url } = yield* twoJobsQueued("3", "long", "next")
      yield* until(getJob(url, running.job_id), (job) => job.state === "working", () => "the first job to be working")
      const ask = (path: string, content: string) =>
        Effect.promise(() =>
          fetch(`${url}${path}`, {
            method: "POST",
            body: JSON.stringify({ model: "a:1b", stream: false, messages: [{ role: "user", content }] })
          }).then(async (r) => ({ status: r.status, job: r.headers.get("x-foreman-job-id"), body: await r.json() as unknown }))
        )
      const native = yield* Effect.fork(ask("/api/chat", "sync native"))
      const openAi = yield* Effect.fork(ask("/v1/chat/completions", "sync openai"))
      const follower = yield* Effect.fork(Effect.promise(() => fetch(`${url}/jobs/${queuedAsync.job_id}/events`).then((r) => r.text())))
      yield* until(health(url), (h) => h.queued === 3, () => "both sync jobs queued behind the async one")

      expect(yield* daemon.stop).toEqual({ code: 0, signal: null })
      const nativeAnswer = yield* Fiber.join(native)
      expect(nativeAnswer).toMatchObject({ status: 503, body: { error: "foreman stopped while the caller waited" } })
      const openAiAnswer = yield* Fiber.join(openAi)
      expect(openAiAnswer).toMatchObject({ status: 503, body: { error: { message: "foreman stopped while the caller waited" } } })
      // The stream ended with the daemon, after the job's current state.
      expect(yield* Fiber.join(follower)).toContain(`"job_id":"${queuedAsync.job_id}","state":"queued"`)

      // Once stopping, the worker claimed nothing: the sync jobs never reached the target.
      const sent = (yield* place.sim.requests).map((r) => r.body)
      expect(sent.filter((body) => body.includes("sync native") || body.includes("sync openai"))).toEqual([])

      yield* startForemanAt(place)
      for (const answer of [nativeAnswer, openAiAnswer]) {
        expect(yield* getJob(url, answer.job ?? "")).toMatchObject({ state: "cancelled", error: "foreman stopped while the caller waited" })
      }
      for (const id of [running.job_id, queuedAsync.job_id]) {
        const job = yield* until(getJob(url, id), (j) => j.state === "done", () => `async job ${id} done after the restart`)
        expect(job.attempt).toBe(1)
      }
    }).pipe(Effect.scoped), 120_000)
})
