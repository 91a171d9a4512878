import { describe, expect, it } from "@effect/vitest"
import { isTerminal, type JobList } from "@foreman/domain"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect, Schedule } from "effect"
import { join } from "node:path"
import { awaitHealthy, freePort, spawnDaemon } from "./support/daemon.js"
import { tempDir } from "./support/tempDir.js"
import { eventsByJob, startReceiver } from "./support/webhookReceiver.js"

const list = (url: string) =>
  Effect.tryPromise(() => fetch(`${url}/jobs?limit=500`).then((r) => r.json() as Promise<JobList>))

const until = <A>(check: Effect.Effect<A, unknown>, ok: (a: A) => boolean, what: string) =>
  check.pipe(
    Effect.filterOrFail(ok),
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

describe("crash recovery", () => {
  it.live("SIGKILL mid-run: async jobs finish after restart, sync ones are cancelled, every event is delivered", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ models: ["a:1b", "b:1b", "c:1b"], tokens: 30, tokenDelayMs: 10, loadDelayMs: 30 })
      const receiver = yield* startReceiver()
      const dir = yield* tempDir
      const port = yield* freePort
      const url = `http://127.0.0.1:${port}`
      const env = {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: sim.url,
        FOREMAN_DB_PATH: join(dir, "foreman.db"),
        FOREMAN_POLL_INTERVAL: "200ms",
        FOREMAN_WEBHOOK_SECRET: "crash-secret"
      }

      const first = yield* spawnDaemon(env)
      yield* awaitHealthy(url).pipe(Effect.tapError(() => Effect.sync(() => console.error("first daemon:", first.output()))))
      const submitted: Array<string> = []
      for (let i = 0; i < 9; i++) {
        const body = { model: ["a:1b", "b:1b", "c:1b"][i % 3], stream: i % 2 === 0, messages: [{ role: "user", content: `job ${i}` }], state_webhook_url: receiver.url }
        const accepted = yield* Effect.tryPromise(() =>
          fetch(`${url}/jobs`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ job_id: string }>)
        )
        submitted.push(accepted.job_id)
      }
      // A sync caller too: its job dies with the daemon, and nobody is left waiting for it.
      const syncCall = fetch(`${url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "c:1b", messages: [{ role: "user", content: "sync" }] }) })
        .then((r) => r.text())
        .catch(() => "connection lost")

      yield* until(list(url), (l) => l.jobs.some((j) => j.state === "done") && l.jobs.some((j) => j.state === "working" || j.state === "loading"), "a job running after one finished")
      yield* first.kill
      expect(first.process.signalCode).toBe("SIGKILL")
      yield* Effect.promise(() => syncCall)

      const second = yield* spawnDaemon(env)
      yield* awaitHealthy(url).pipe(Effect.tapError(() => Effect.sync(() => console.error("second daemon:", second.output()))))
      const final = yield* until(list(url), (l) => l.jobs.length === 10 && l.jobs.every((j) => isTerminal(j.state)), "every job terminal")

      const asyncJobs = final.jobs.filter((j) => j.mode === "async")
      expect(asyncJobs.map((j) => j.id).sort()).toEqual([...submitted].sort())
      expect(asyncJobs.every((j) => j.state === "done")).toBe(true)
      const syncJob = final.jobs.find((j) => j.mode === "sync")
      expect(syncJob?.state === "cancelled" || syncJob?.state === "done").toBe(true)

      // Every state change reached the receiver at least once, in order, and nothing else did.
      yield* until(Effect.sync(() => eventsByJob(receiver.received)), (byJob) => submitted.every((id) => byJob.get(id)?.at(-1)?.state === "done"), "every done event")
      const byJob = eventsByJob(receiver.received)
      for (const id of submitted) {
        const events = byJob.get(id) ?? []
        expect(events[0]).toMatchObject({ state: "queued", previous_state: null })
        for (let i = 1; i < events.length; i++) expect(events[i]?.previous_state).toBe(events[i - 1]?.state)
        expect(events.at(-1)?.result).toMatchObject({ done: true })
      }
      const bodiesById = new Map<string, string>()
      for (const { event, body } of receiver.received) {
        expect(bodiesById.get(event.event_id) ?? body).toBe(body)
        bodiesById.set(event.event_id, body)
      }
      expect(new Set(receiver.received.map((r) => r.event.job_id))).toEqual(new Set(submitted))
    }).pipe(Effect.scoped), 120_000)
})
