import { describe, expect, it } from "@effect/vitest"
import { isTerminal, type JobView } from "@foreman/domain"
import { OllamaSim } from "@foreman/ollama-sim"
import { Duration, Effect, Fiber, Schedule } from "effect"
import { join } from "node:path"
import { verifyForemanSignature } from "../../src/webhooks/WebhookSignature.js"
import { freePort } from "../support/daemon.js"
import { tempDir } from "../support/tempDir.js"
import { startReceiver } from "../support/webhookReceiver.js"
import { checkChains } from "./support/events.js"
import { answerOf, getJob, listAll, until } from "./support/jobsApi.js"
import { awaitReady, type ForemanProcess, spawnForeman } from "./support/process.js"
import { percentile, randomSource, report, scaled, seed, testTimeout } from "./support/scale.js"

const models = ["a:1b", "b:1b", "c:1b"] as const
const jobCount = scaled(200, 1000)
const killCount = scaled(10, 50)
const secret = "crash-suite-secret"
// A process crash loses nothing at any level (ADR-0017), so each restart picks one at random.
const levels = ["off", "normal", "full", "extra"] as const

interface Submission {
  readonly n: number
  readonly model: string
  readonly content: string
  readonly body: string
}

describe("crash: SIGKILL at random moments during a mixed async run", () => {
  it.live(
    `${jobCount} async jobs, ${killCount} kills: nothing lost or stuck, every transition's webhook delivered, none invented`,
    () =>
      Effect.gen(function*() {
        const rng = randomSource(seed)
        const sim = yield* OllamaSim.start({ models, tokenDelayMs: 8, loadDelayMs: 20, recordLimit: 0 })
        // The receiver turns some deliveries away so retries and restarts overlap.
        const answers = randomSource(seed + 1)
        const receiver = yield* startReceiver(() => (answers.chance(0.03) ? 503 : 200))
        const dir = yield* tempDir
        const port = yield* freePort
        const url = `http://127.0.0.1:${port}`
        const env = {
          FOREMAN_ADDR: `127.0.0.1:${port}`,
          FOREMAN_OLLAMA_URL: sim.url,
          FOREMAN_DB_PATH: join(dir, "foreman.db"),
          FOREMAN_POLL_INTERVAL: "200ms",
          FOREMAN_WEBHOOK_SECRET: secret,
          // A kill can land on the same job again and again; the kills are the suite's, not the
          // job's, so no job may run out of attempts (Restart.test covers that limit).
          FOREMAN_MAX_ATTEMPTS: String(killCount + 1)
        }

        // Everything random is drawn up front, so one seed replays the same run.
        const submissions: ReadonlyArray<Submission> = Array.from({ length: jobCount }, (_, n) => {
          const model = rng.pick(models)
          const content = `crash-job-${n}`
          const stream = rng.chance(0.5)
          const payload = rng.chance(0.3)
            ? { model, endpoint: "generate", prompt: content, stream, state_webhook_url: receiver.url }
            : { model, stream, messages: [{ role: "user", content }], state_webhook_url: receiver.url }
          return { n, model, content, body: JSON.stringify(payload) }
        })
        const pauses = submissions.map(() => rng.between(0, 30))
        const kills = Array.from({ length: killCount }, () => ({ after: rng.between(150, 1000), level: rng.pick(levels) }))

        const started = Date.now()
        const restartMillis: Array<number> = []
        const start = (level: (typeof levels)[number]) =>
          Effect.gen(function*() {
            const t0 = Date.now()
            const daemon = yield* spawnForeman({ ...env, FOREMAN_SQLITE_SYNCHRONOUS: level })
            yield* awaitReady(url, daemon)
            restartMillis.push(Date.now() - t0)
            return daemon
          })
        let current: ForemanProcess = yield* start("normal")

        // Submit every job, retrying through the outages. A request cut by a kill may or may not
        // have been committed: it is sent again, and a duplicate must then finish like any job.
        const acknowledged = new Map<number, string>()
        let cutOff = 0
        const submitOne = (s: Submission) =>
          Effect.tryPromise(async () => {
            const response = await fetch(`${url}/jobs`, { method: "POST", body: s.body, headers: { "content-type": "application/json" } })
            // Read the body inside the retry too: a kill can fall between the headers and the body.
            return { status: response.status, text: await response.text() }
          }).pipe(
            Effect.tapError((error) =>
              Effect.sync(() => {
                const code = error.error instanceof Error && error.error.cause instanceof Error && "code" in error.error.cause
                  ? String(error.error.cause.code)
                  : ""
                if (code !== "ECONNREFUSED") cutOff += 1
              })
            ),
            Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("120 seconds"))),
            Effect.orDie,
            Effect.flatMap(({ status, text }) =>
              status === 202
                ? Effect.sync(() => acknowledged.set(s.n, (JSON.parse(text) as { job_id: string }).job_id))
                : Effect.die(new Error(`POST /jobs for job ${s.n} answered ${status}: ${text}`))
            )
          )
        const submitter = yield* Effect.fork(
          Effect.forEach(submissions, (s, i) => Effect.zipRight(submitOne(s), Effect.sleep(Duration.millis(pauses[i] ?? 0))), { discard: true })
        )

        // Kill at random moments, each daemon living 150–1000 ms after it answered, and restart.
        let midJob = 0
        let duringSubmission = 0
        for (const kill of kills) {
          yield* Effect.sleep(Duration.millis(kill.after))
          const running = yield* Effect.either(
            Effect.tryPromise(() =>
              Promise.all(["working", "loading"].map((state) =>
                fetch(`${url}/jobs?state=${state}&limit=1`).then((r) => r.json() as Promise<{ jobs: ReadonlyArray<unknown> }>)
              ))
            )
          )
          yield* current.kill
          expect(current.exitStatus()?.signal).toBe("SIGKILL")
          if (running._tag === "Right" && running.right.some((page) => page.jobs.length > 0)) midJob += 1
          if (acknowledged.size < jobCount) duringSubmission += 1
          current = yield* start(kill.level)
        }
        yield* Fiber.join(submitter)
        const submittedAt = Date.now()

        // Then everything must settle: every job terminal, every job's webhooks through its terminal event.
        const jobs = yield* until(
          listAll(url),
          (all) => all.length >= jobCount && all.every((j) => isTerminal(j.state)),
          () => `every job terminal (daemon output:\n${current.output()})`,
          scaled("120 seconds", "600 seconds")
        )
        const allIds = new Set(jobs.map((j) => j.id))
        const chains = yield* until(
          Effect.sync(() => checkChains(receiver.received, allIds)),
          (c) => c.problems.every((p) => !p.includes("no terminal event") && !p.includes("no event delivered")),
          () => `every job's terminal webhook: ${checkChains(receiver.received, allIds).problems.slice(0, 5).join("; ")}`,
          scaled("120 seconds", "600 seconds")
        )
        const settled = Date.now()

        // Nothing lost: every acknowledged job is there and done with its own answer; a duplicate from
        // a request cut mid-flight is a whole job too, also done.
        const views = yield* Effect.forEach(jobs, (j) => getJob(url, j.id), { concurrency: 8 }).pipe(Effect.orDie)
        const byId = new Map<string, JobView>(views.map((v) => [v.id, v]))
        expect(acknowledged.size).toBe(jobCount)
        for (const s of submissions) {
          const id = acknowledged.get(s.n) ?? ""
          const view = byId.get(id)
          expect(view, `job ${s.n} (${id}) lost`).toBeDefined()
          if (view === undefined) continue
          expect(view.state, `job ${s.n} ${id}: ${view.error}`).toBe("done")
          expect(answerOf(view)).toBe(`${s.model} answers: ${s.content}`)
        }
        const extra = views.filter((v) => ![...acknowledged.values()].includes(v.id))
        for (const view of extra) {
          expect(view.state).toBe("done")
          expect(submissions.some((s) => answerOf(view) === `${s.model} answers: ${s.content}`)).toBe(true)
        }
        expect(views.every((v) => v.state === "done" && v.mode === "async")).toBe(true)

        // Every state change announced at least once, in order, and nothing that did not happen.
        expect(chains.problems).toEqual([])
        for (const view of views) {
          const events = chains.byJob.get(view.id) ?? []
          const last = events.at(-1)
          expect(last?.state).toBe("done")
          expect(last?.attempt).toBe(view.attempt)
          expect(last?.result).toEqual(view.result)
        }
        for (const { body, headers } of receiver.received) {
          expect(verifyForemanSignature(secret, body, headers["x-foreman-signature"])).toBe(true)
        }

        report("crash", {
          jobs: jobCount,
          kills: killCount,
          kills_mid_job: midJob,
          kills_during_submission: duringSubmission,
          cut_off_submissions: cutOff,
          duplicate_jobs: extra.length,
          requeued_by_recovery: chains.requeues,
          max_attempt: Math.max(...views.map((v) => v.attempt)),
          webhook_deliveries: chains.deliveries,
          distinct_events: chains.distinct,
          redeliveries: chains.deliveries - chains.distinct,
          restart_p50_ms: percentile(restartMillis, 50),
          restart_max_ms: Math.max(...restartMillis),
          submit_phase_s: ((submittedAt - started) / 1000).toFixed(1),
          total_s: ((settled - started) / 1000).toFixed(1)
        })
      }).pipe(Effect.scoped),
    testTimeout(240_000, 1_800_000)
  )
})
