import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Option, Schedule } from "effect"
import { join } from "node:path"
import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format"
import { ForemanMetrics } from "../src/metrics/ForemanMetrics.js"
import { Store } from "../src/store/Store.js"
import { postJson, startForeman } from "./support/foreman.js"
import { tempDir } from "./support/tempDir.js"
import { queueJob, seedDatabase } from "./store/seed.js"

const scrape = (url: string) =>
  Effect.promise(() => fetch(`${url}/metrics`).then(async (r) => ({ contentType: r.headers.get("content-type"), text: await r.text() })))

// The exposition format lets a histogram's _sum and _count come before its buckets (OpenTelemetry's
// serializer writes them first); this parser wants the buckets first, so put them there.
const bucketsFirst = (text: string) => {
  const lines = text.split("\n")
  const rank = (line: string) => (/^[a-z_]+_(sum|count)[ {]/.test(line) ? 1 : 0)
  const out: Array<string> = []
  let samples: Array<string> = []
  const flush = () => {
    out.push(...samples.map((line, i) => ({ line, i })).sort((a, b) => rank(a.line) - rank(b.line) || a.i - b.i).map((x) => x.line))
    samples = []
  }
  for (const line of lines) {
    if (line.startsWith("#")) {
      flush()
      out.push(line)
    } else samples.push(line)
  }
  flush()
  return out.join("\n")
}

const families = (text: string) => new Map(parsePrometheusTextFormat(bucketsFirst(text)).map((family) => [family.name, family]))

/** The value of one sample of a counter or gauge, 0 when absent. */
const sample = (family: PrometheusFamily | undefined, labels: Record<string, string> = {}) =>
  Number(family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0)

/** Observations in a histogram: its +Inf bucket, summed over label sets. */
const histogramCount = (family: PrometheusFamily | undefined) =>
  (family?.metrics ?? []).reduce((total, m) => total + Number(m.buckets?.["+Inf"] ?? 0), 0)

describe("/metrics", () => {
  it.live("is Prometheus text whose values move as jobs run", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["m1:1b", "m2:1b"] } })
      const before = yield* scrape(foreman.url)
      expect(before.contentType).toContain("text/plain")
      const b = families(before.text)
      expect(sample(b.get("foreman_target_up"))).toBe(1)
      expect(sample(b.get("foreman_jobs"), { state: "done" })).toBe(0)

      for (const [i, model] of ["m1:1b", "m2:1b", "m1:1b"].entries()) {
        const response = yield* postJson(`${foreman.url}/api/chat`, { model, stream: false, messages: [{ role: "user", content: `m${i}` }] })
        yield* Effect.promise(() => response.text())
      }
      yield* foreman.sim.failNext(1, 500, "boom")
      yield* postJson(`${foreman.url}/api/chat`, { model: "m2:1b", stream: false, messages: [{ role: "user", content: "fails" }] }).pipe(
        Effect.flatMap((r) => Effect.promise(() => r.text()))
      )

      const a = families((yield* scrape(foreman.url)).text)
      expect(sample(a.get("foreman_jobs"), { state: "done" })).toBe(3)
      expect(sample(a.get("foreman_jobs"), { state: "failed" })).toBe(1)
      expect(sample(a.get("foreman_swaps_total")) - sample(b.get("foreman_swaps_total"))).toBe(3)
      expect(sample(a.get("foreman_upstream_errors_total"), { kind: "http" }) - sample(b.get("foreman_upstream_errors_total"), { kind: "http" })).toBe(1)
      expect(histogramCount(a.get("foreman_job_duration_seconds")) - histogramCount(b.get("foreman_job_duration_seconds"))).toBe(4)
      expect(histogramCount(a.get("foreman_job_queue_wait_seconds")) - histogramCount(b.get("foreman_job_queue_wait_seconds"))).toBe(4)
      expect(sample(a.get("foreman_http_requests_total"), { route: "/api/chat", method: "POST", status: "200" })).toBeGreaterThanOrEqual(3)
      expect(a.get("foreman_job_duration_seconds")?.type).toBe("HISTOGRAM")
      expect(a.get("foreman_webhook_pending")?.type).toBe("GAUGE")

      yield* foreman.sim.refuse()
      const degraded = yield* scrape(foreman.url).pipe(
        Effect.map((s) => sample(families(s.text).get("foreman_target_up"))),
        Effect.filterOrFail((up) => up === 0),
        Effect.retry(Schedule.spaced("50 millis")),
        Effect.timeout("10 seconds")
      )
      expect(degraded).toBe(0)
    }).pipe(Effect.scoped))

  it.live("counts the jobs crash recovery ends among the finished ones", () =>
    Effect.gen(function*() {
      // What a daemon killed mid-job leaves: an async job working on its last attempt, a sync job queued.
      const dbPath = join(yield* tempDir, "foreman.db")
      yield* seedDatabase(dbPath, Effect.gen(function*() {
        const store = yield* Store
        yield* queueJob("async")
        yield* Effect.flatMap(store.claimNext(null), Option.match({ onNone: () => Effect.die("nothing claimed"), onSome: Effect.succeed }))
        yield* queueJob("sync")
      }), { FOREMAN_MAX_ATTEMPTS: "1" })
      // Metrics are process-wide and other tests here finish jobs too: compare with the count before.
      const finished = (state: string) => Metric.value(ForemanMetrics.jobsFinished.pipe(Metric.tagged("state", state)))
      const before = yield* Effect.all({ failed: finished("failed"), cancelled: finished("cancelled") })

      const foreman = yield* startForeman({ env: { FOREMAN_DB_PATH: dbPath, FOREMAN_MAX_ATTEMPTS: "1" } })
      const a = families((yield* scrape(foreman.url)).text)
      expect(sample(a.get("foreman_jobs"), { state: "failed" })).toBe(1)
      expect(sample(a.get("foreman_jobs"), { state: "cancelled" })).toBe(1)
      expect(sample(a.get("foreman_jobs_finished_total"), { state: "failed" }) - before.failed.count).toBe(1)
      expect(sample(a.get("foreman_jobs_finished_total"), { state: "cancelled" }) - before.cancelled.count).toBe(1)
    }).pipe(Effect.scoped))

  it.live("counts a request whose caller went away before the answer, as 499", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 100, tokenDelayMs: 20 } })
      const controller = new AbortController()
      const gone = fetch(`${foreman.url}/api/chat`, {
        method: "POST",
        body: JSON.stringify({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: "hang up" }] }),
        signal: controller.signal
      }).catch(() => undefined)
      yield* Effect.sleep("300 millis")
      controller.abort()
      yield* Effect.promise(() => gone)
      const counted = yield* scrape(foreman.url).pipe(
        Effect.map((s) => sample(families(s.text).get("foreman_http_requests_total"), { route: "/api/chat", method: "POST", status: "499" })),
        Effect.filterOrFail((n) => n === 1),
        Effect.retry(Schedule.spaced("50 millis")),
        Effect.timeout("5 seconds")
      )
      expect(counted).toBe(1)
    }).pipe(Effect.scoped))

  it.live("shows the queue depth per model while jobs wait", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["m1:1b", "m2:1b"], tokens: 40, tokenDelayMs: 10 } })
      for (const model of ["m1:1b", "m2:1b", "m2:1b"]) {
        yield* postJson(`${foreman.url}/jobs`, { model, stream: false, messages: [{ role: "user", content: "wait" }] })
      }
      const depth = families((yield* scrape(foreman.url)).text).get("foreman_queue_depth")
      expect(sample(depth, { model: "m2:1b" })).toBe(2)
    }).pipe(Effect.scoped))

  // A dispatch that fails while the target is away hands its attempt back, so the job is claimed
  // at attempt 1 twice; its wait in the queue is still one wait.
  it.live("a job re-queued while the target was away is one queue wait, not two", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["llama3.2:1b"] } })
      const before = families((yield* scrape(foreman.url)).text)
      yield* foreman.sim.reset(1500)
      const response = yield* postJson(`${foreman.url}/api/chat`, { model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: "reset me" }] })
      expect(response.status).toBe(200)
      const after = families((yield* scrape(foreman.url)).text)
      const observed = (name: string) => histogramCount(after.get(name)) - histogramCount(before.get(name))
      expect([observed("foreman_job_queue_wait_seconds"), observed("foreman_job_duration_seconds")]).toEqual([1, 1])
    }).pipe(Effect.scoped))
})
