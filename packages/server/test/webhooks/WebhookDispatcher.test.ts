import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { JobEvent, type JobId } from "@foreman/domain"
import { OllamaSim } from "@foreman/ollama-sim"
import { Duration, Effect, Schedule, Schema } from "effect"
import { join } from "node:path"
import { Jobs } from "../../src/jobs/Jobs.js"
import { WebhookDispatcher, type WebhookPolicyValues, webhookRetrySchedule } from "../../src/webhooks/WebhookDispatcher.js"
import { verifyForemanSignature, verifyStandardWebhook } from "../../src/webhooks/WebhookSignature.js"
import { type RunningForeman, startForeman } from "../support/foreman.js"
import { tempDir } from "../support/tempDir.js"
import { type Receiver, type ReceivedEvent, startReceiver } from "../support/webhookReceiver.js"

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const model = "llama3.2:1b"
const decodeEvent = Schema.decodeUnknownSync(Schema.parseJson(JobEvent))

const submit = (foreman: RunningForeman, webhookUrl: string | null, content = "hi") =>
  foreman.run(Effect.flatMap(Jobs, (jobs) =>
    Effect.flatMap(jobs.newId, (id) =>
      jobs.submit({
        id,
        mode: "async",
        endpoint: "chat",
        model,
        payload: JSON.stringify({ model, stream: false, messages: [{ role: "user", content }] }),
        webhookUrl
      })))).pipe(Effect.orDie)

const until = (check: Effect.Effect<boolean>, within: Duration.DurationInput = "20 seconds") =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`condition not reached within ${Duration.format(within)}`) })
  )

/** The distinct events one job's receiver got, in arrival order (a retry repeats an event id). */
const eventsOf = (received: ReadonlyArray<ReceivedEvent>, jobId: JobId) => {
  const seen = new Set<string>()
  return received.map((r) => decodeEvent(r.body)).filter((event) => {
    if (event.job_id !== jobId || seen.has(event.event_id)) return false
    seen.add(event.event_id)
    return true
  })
}

const isTerminalState = (state: string) => state === "done" || state === "failed" || state === "cancelled"

const finished = (foreman: RunningForeman, ids: ReadonlyArray<JobId>) =>
  foreman.run(Effect.flatMap(Jobs, (jobs) => Effect.forEach(ids, jobs.get))).pipe(
    Effect.orDie,
    Effect.map((jobs) => jobs.every((job) => isTerminalState(job.state)))
  )

const terminalReceived = (receiver: Receiver, ids: ReadonlyArray<JobId>) =>
  Effect.sync(() => ids.every((id) => eventsOf(receiver.received, id).some((event) => isTerminalState(event.state))))

/** One job with a webhook, run by a foreman without a secret, its terminal event received. */
const oneJobDelivered = Effect.gen(function*() {
  const receiver = yield* startReceiver()
  const foreman = yield* startForeman({ sim: { models: [model] } })
  const job = yield* submit(foreman, receiver.url)
  yield* until(terminalReceived(receiver, [job.id]))
  return receiver
})

/** A foreman in front of a sim, its webhook delivery scaled down by `policy`. */
const startWithPolicy = (policy: WebhookPolicyValues) => startForeman({ sim: { models: [model] }, webhookPolicy: policy })

/**
 * `count` receivers answering 500, each on a port (an origin) of its own, and a healthy one whose
 * URL sorts after all of theirs, so the reads reach it last.
 */
const failingBeforeHealthy = (count: number) =>
  Effect.gen(function*() {
    const started = yield* Effect.forEach(Array.from({ length: count + 1 }), () => startReceiver())
    const sorted = [...started].sort((a, b) => a.url < b.url ? -1 : 1)
    const failing = sorted.slice(0, count)
    yield* Effect.forEach(failing, (receiver) => receiver.answerWith(() => 500))
    const healthy = sorted[count]
    if (healthy === undefined) return yield* Effect.die("no healthy receiver started")
    return { failing, healthy, failedRequests: () => failing.reduce((n, receiver) => n + receiver.received.length, 0) }
  })

/** queued → (loading →) working → done, each naming the state before it. */
const expectLifecycle = (events: ReadonlyArray<JobEvent>) => {
  const states = events.map((e) => e.state)
  expect([["queued", "loading", "working", "done"], ["queued", "working", "done"]]).toContainEqual(states)
  expect(events.map((e) => e.previous_state)).toEqual([null, ...states.slice(0, -1)])
}

describe("WebhookDispatcher", () => {
  it.live("delivers every state of each job in order, signed both ways, the last one with result and artifacts", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver()
      const foreman = yield* startForeman({ sim: { models: [model] }, env: { FOREMAN_WEBHOOK_SECRET: secret } })
      const jobs = yield* Effect.forEach(["one", "two", "three"], (content) => submit(foreman, receiver.url, content))
      const ids = jobs.map((job) => job.id)
      yield* until(terminalReceived(receiver, ids))

      const received = [...receiver.received]
      for (const job of jobs) {
        const events = eventsOf(received, job.id)
        expectLifecycle(events)
        expect(events.every((e) => e.model === model)).toBe(true)
        const last = events[events.length - 1]
        expect(last?.result).toMatchObject({ done: true, message: { role: "assistant" } })
        const completion = last?.artifacts?.find((a) => a.name === "completion")
        expect(completion).toMatchObject({ encoding: "utf-8", url: `/jobs/${job.id}/artifacts/completion` })
        expect(completion?.data).toEqual(expect.any(String))
      }
      for (const request of received) {
        const event = decodeEvent(request.body)
        expect(request.headers["content-type"]).toBe("application/json")
        expect(request.headers["user-agent"]).toBe("foreman-webhooks")
        expect(request.headers["webhook-id"]).toBe(event.event_id)
        expect(verifyStandardWebhook(secret, request.headers, request.body)).toBe(true)
        expect(verifyForemanSignature(secret, request.body, request.headers["x-foreman-signature"])).toBe(true)
      }
      // Exactly once here: a healthy receiver sees no duplicates, and the outbox is drained.
      expect(new Set(received.map((r) => r.headers["webhook-id"])).size).toBe(received.length)
      yield* until(foreman.run(Effect.map(Effect.flatMap(WebhookDispatcher, (d) => Effect.orDie(d.counts)), (c) => c.pending === 0)))
      const counts = yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.counts))
      expect(counts).toEqual({ pending: 0, delivered: received.length, dead: 0 })
    }).pipe(Effect.scoped))

  it.live("sends no signature without a secret, but always webhook-id and webhook-timestamp", () =>
    Effect.gen(function*() {
      const receiver = yield* oneJobDelivered
      for (const request of receiver.received) {
        expect(request.headers["webhook-id"]).toBe(decodeEvent(request.body).event_id)
        expect(Math.abs(Number(request.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30)
        expect(request.headers["webhook-signature"]).toBeUndefined()
        expect(request.headers["x-foreman-signature"]).toBeUndefined()
      }
    }).pipe(Effect.scoped))

  it.live("a job's events go over one kept-alive connection", () =>
    Effect.gen(function*() {
      const receiver = yield* oneJobDelivered
      const received = [...receiver.received]
      expect(received.length).toBeGreaterThanOrEqual(3)
      expect(new Set(received.map((r) => r.port)).size).toBe(1)
    }).pipe(Effect.scoped))

  it.live("a receiver answering 500 twice gets the same event again with backoff, then the rest in order", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver((_, n) => (n <= 2 ? 500 : 200))
      const foreman = yield* startForeman({ sim: { models: [model] }, env: { FOREMAN_WEBHOOK_SECRET: secret } })
      const job = yield* submit(foreman, receiver.url)
      yield* until(terminalReceived(receiver, [job.id]))

      const received = [...receiver.received]
      const [first, second, third] = received
      const queued = eventsOf(received, job.id)[0]
      expect(queued?.state).toBe("queued")
      for (const attempt of [first, second, third]) {
        expect(attempt?.headers["webhook-id"]).toBe(queued?.event_id)
        expect(attempt?.body).toBe(first?.body)
        // Re-signed per attempt (fresh timestamp), and still valid.
        expect(attempt !== undefined && verifyStandardWebhook(secret, attempt.headers, attempt.body)).toBe(true)
      }
      // 1s then 2s of backoff (a little slack for timer granularity).
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
      expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(1950)
      // The job's later events waited for the first one: nothing else arrived before the third try.
      expect(received.slice(3).every((r) => decodeEvent(r.body).state !== "queued")).toBe(true)
      expectLifecycle(eventsOf(received, job.id))
      expect(received.length).toBe(eventsOf(received, job.id).length + 2)
    }).pipe(Effect.scoped))

  it.live("a hanging receiver slows neither the worker nor other jobs' webhooks", () =>
    Effect.gen(function*() {
      const hanging = yield* startReceiver(() => "hang")
      const healthy = yield* startReceiver()
      const foreman = yield* startForeman({ sim: { models: [model] } })
      const started = Date.now()
      const stuck = yield* submit(foreman, hanging.url, "stuck")
      const fine = yield* submit(foreman, healthy.url, "fine")
      const plain = yield* submit(foreman, null, "plain")
      // Well under the 10s per-attempt timeout: nobody waited for the hanging receiver.
      yield* until(finished(foreman, [stuck.id, fine.id, plain.id]), "5 seconds")
      yield* until(terminalReceived(healthy, [fine.id]), "5 seconds")
      expect(Date.now() - started).toBeLessThan(5000)
      expectLifecycle(eventsOf(healthy.received, fine.id))
      // The stuck job's later events wait behind its first one (order per job).
      const stuckRequests = [...hanging.received]
      expect(stuckRequests.map((r) => decodeEvent(r.body).state)).toEqual(["queued"])
    }).pipe(Effect.scoped))

  it.live("no more deliveries in flight than the policy's concurrency, each for a different job", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver(() => "hang")
      const foreman = yield* startWithPolicy({
        retrySchedule: webhookRetrySchedule("1 minute", "1 minute", 1),
        attemptTimeout: "4 seconds",
        concurrency: 3,
        receiverSlots: 3,
        pollInterval: "50 millis"
      })
      const jobs = yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => `job ${i}`), (content) => submit(foreman, receiver.url, content))
      yield* until(finished(foreman, jobs.map((job) => job.id)))
      yield* until(Effect.sync(() => receiver.received.length >= 3))
      // Every attempt hangs until its 4 s deadline: nothing more may start meanwhile.
      yield* Effect.sleep("1 second")
      expect(receiver.received).toHaveLength(3)
      expect(new Set(receiver.received.map((r) => r.event.job_id)).size).toBe(3)
      expect(receiver.received.every((r) => r.event.state === "queued")).toBe(true)
      expect(yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.inFlight))).toBe(3)
    }).pipe(Effect.scoped))

  /**
   * 24 jobs' events at a receiver that never answers, each sent to `stuckUrl(hanging, i)`, then one
   * job at a healthy receiver: its whole lifecycle must arrive while the hanging receiver holds
   * exactly its 6 of the 8 slots (all within the first attempts' 20 s deadline).
   */
  const hangingHoldsItsShare = (stuckUrl: (hanging: Receiver, i: number) => string) =>
    Effect.gen(function*() {
      const hanging = yield* startReceiver(() => "hang")
      const healthy = yield* startReceiver()
      const foreman = yield* startWithPolicy({
        retrySchedule: webhookRetrySchedule("10 millis", "10 millis", 3),
        attemptTimeout: "20 seconds",
        concurrency: 8,
        receiverSlots: 6,
        pollInterval: "50 millis"
      })
      const stuck = yield* Effect.forEach(Array.from({ length: 24 }, (_, i) => i), (i) => submit(foreman, stuckUrl(hanging, i), `stuck ${i}`))
      yield* until(finished(foreman, stuck.map((job) => job.id)))
      yield* until(Effect.sync(() => hanging.received.length >= 6))
      const fine = yield* submit(foreman, healthy.url, "fine")
      yield* until(terminalReceived(healthy, [fine.id]), "10 seconds")
      expectLifecycle(eventsOf(healthy.received, fine.id))
      expect(hanging.received).toHaveLength(6)
      // The healthy receiver has its last event a moment before that delivery ends and frees its
      // slot; after it, only the hanging receiver's share stays in flight (for 20 s).
      const inFlight = foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.inFlight))
      yield* until(Effect.map(inFlight, (n) => n <= 6), "5 seconds")
      expect(yield* inFlight).toBe(6)
    }).pipe(Effect.scoped)

  // Events used to go out oldest first, so another receiver's backlog took every slot and a
  // healthy receiver's events waited for it: 277 s behind 320 jobs at a hanging receiver.
  it.live("a hanging receiver holds its share of slots, not all: another receiver's events go at once", () =>
    hangingHoldsItsShare((hanging) => hanging.url))

  // A receiver was its whole URL, so a host taking per-job callback URLs was as many receivers as
  // jobs and, hanging, held every slot until the attempts timed out (ADR-0049).
  it.live("a hanging host's per-job callback URLs are one receiver: they hold its share of slots, not all", () =>
    hangingHoldsItsShare((hanging, i) => `${hanging.url}/jobs/${i}?token=t${i}`))

  it.live("a receiver that fails at once does not crowd out another: its retries share the slots", () =>
    Effect.gen(function*() {
      const failing = yield* startReceiver(() => 500)
      const healthy = yield* startReceiver()
      const foreman = yield* startWithPolicy({
        // 41 attempts 50 ms apart: each of the failing receiver's events lives for seconds.
        retrySchedule: webhookRetrySchedule("50 millis", "50 millis", 40),
        attemptTimeout: "5 seconds",
        concurrency: 8,
        receiverSlots: 6,
        pollInterval: "50 millis"
      })
      const failed = yield* Effect.forEach(Array.from({ length: 40 }, (_, i) => `failing ${i}`), (content) => submit(foreman, failing.url, content))
      yield* until(finished(foreman, failed.map((job) => job.id)))
      const fine = yield* submit(foreman, healthy.url, "fine")
      yield* until(terminalReceived(healthy, [fine.id]))
      expectLifecycle(eventsOf(healthy.received, fine.id))
      // Oldest first, the failing receiver's due retries filled every scan until each was given up.
      const counts = yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.counts))
      expect(counts.dead).toBe(0)
      expect(counts.pending).toBeGreaterThanOrEqual(40)
    }).pipe(Effect.scoped))

  it.live("with more receivers than one read takes, the reads go round them all", () =>
    Effect.gen(function*() {
      const { failing, healthy } = yield* failingBeforeHealthy(5)
      const foreman = yield* startWithPolicy({
        retrySchedule: webhookRetrySchedule("50 millis", "50 millis", 40),
        attemptTimeout: "5 seconds",
        // A read takes 3 receivers; 5 failing ones come before the healthy one.
        concurrency: 3,
        receiverSlots: 1,
        receiversPerRead: 3,
        pollInterval: "50 millis"
      })
      const failed = yield* Effect.forEach([...failing, ...failing, ...failing, ...failing], (receiver, i) =>
        submit(foreman, receiver.url, `failing ${i}`))
      yield* until(finished(foreman, failed.map((job) => job.id)))
      const fine = yield* submit(foreman, healthy.url, "fine")
      yield* until(terminalReceived(healthy, [fine.id]))
      expectLifecycle(eventsOf(healthy.received, fine.id))
      expect((yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.counts))).dead).toBe(0)
    }).pipe(Effect.scoped))

  /** Failing receivers, each an origin of its own sorting before the healthy receiver's, all in a 10-minute backoff. */
  const inBackoff = (count: number, policy: Partial<WebhookPolicyValues>) =>
    Effect.gen(function*() {
      const { failedRequests, failing, healthy } = yield* failingBeforeHealthy(count)
      const foreman = yield* startWithPolicy({
        retrySchedule: webhookRetrySchedule("10 minutes", "10 minutes", 3),
        attemptTimeout: "5 seconds",
        concurrency: 3,
        receiverSlots: 1,
        receiversPerRead: 3,
        pollInterval: "1 second",
        ...policy
      })
      const failed = yield* Effect.forEach(failing, (receiver, i) => submit(foreman, receiver.url, `failing ${i}`))
      yield* until(finished(foreman, failed.map((job) => job.id)))
      yield* until(Effect.sync(() => failedRequests() >= count))
      return { foreman, failedRequests, healthy }
    })

  // A scan read one block of receivers and stopped: receivers with nothing due (all in backoff)
  // filled it, the scan started nothing, and the next came with the poll, so each event of a
  // healthy receiver sorted after them waited a pass over every block.
  it.live("receivers with nothing due are read past in the same scan", () =>
    Effect.gen(function*() {
      // 9 receivers in backoff: 3 reads of 3, within the 4 reads a scan makes.
      const { failedRequests, foreman, healthy } = yield* inBackoff(9, {})
      const fine = yield* submit(foreman, healthy.url, "fine")
      // Three events, each well inside the 1 s poll a scan that stopped early would wait for.
      yield* until(terminalReceived(healthy, [fine.id]), "2 seconds")
      expectLifecycle(eventsOf(healthy.received, fine.id))
      expect(failedRequests()).toBe(9)
    }).pipe(Effect.scoped))

  // A scan's reads are bounded (webhookReadsPerScan); the next scan goes on where it stopped.
  it.live("past a scan's reads, the next scan goes on where it stopped", () =>
    Effect.gen(function*() {
      // 30 receivers in backoff: 10 reads of 3, three scans' worth.
      const { failedRequests, foreman, healthy } = yield* inBackoff(30, { pollInterval: "200 millis" })
      const fine = yield* submit(foreman, healthy.url, "fine")
      yield* until(terminalReceived(healthy, [fine.id]), "15 seconds")
      expectLifecycle(eventsOf(healthy.received, fine.id))
      expect(failedRequests()).toBe(30)
    }).pipe(Effect.scoped))

  it.live("an attempt past its deadline fails, whether no answer came or its body never ended; the retry gets a fresh connection", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver((_, n) => n === 1 ? "hang" : n === 2 ? "stall" : 200)
      const stalling = yield* startReceiver(() => "stall")
      const foreman = yield* startWithPolicy({
        retrySchedule: webhookRetrySchedule("50 millis", "1 second", 5),
        attemptTimeout: "400 millis",
        concurrency: 16,
        receiverSlots: 16,
        pollInterval: "50 millis"
      })
      const job = yield* submit(foreman, receiver.url)
      const neverDone = yield* submit(foreman, stalling.url)
      yield* until(terminalReceived(receiver, [job.id]))
      const received = [...receiver.received]
      const [hung, stalled, third] = received
      // The queued event three times: no answer, a 200 cut short, then delivered.
      expect(new Set([hung, stalled, third].map((r) => r?.headers["webhook-id"])).size).toBe(1)
      expect((stalled?.at ?? 0) - (hung?.at ?? 0)).toBeGreaterThanOrEqual(400)
      expect((third?.at ?? 0) - (stalled?.at ?? 0)).toBeGreaterThanOrEqual(400)
      // A socket a timed-out attempt held is destroyed, never handed to the next attempt.
      expect(new Set([hung, stalled, third].map((r) => r?.port)).size).toBe(3)
      expectLifecycle(eventsOf(received, job.id))
      // Six attempts (the policy's five retries) at a receiver that always stalls, then given up.
      yield* until(Effect.sync(() => stalling.received.length >= 6), "10 seconds")
      const rows = (eventId: string) =>
        foreman.run(Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ readonly attempts: number; readonly status: string; readonly lastError: string | null }>`
            SELECT attempts, status, last_error FROM webhook_outbox WHERE event_id = ${eventId}`
        )).pipe(Effect.orDie)
      const firstOfStalled = decodeEvent(stalling.received[0]?.body ?? "").event_id
      yield* until(Effect.map(rows(firstOfStalled), (found) => found[0]?.status === "dead"))
      expect(yield* rows(firstOfStalled)).toEqual([{ attempts: 6, status: "dead", lastError: "receiver did not answer within 400ms" }])
      expect(yield* finished(foreman, [neverDone.id])).toBe(true)
      expect(yield* rows(decodeEvent(hung?.body ?? "").event_id)).toEqual([{ attempts: 3, status: "delivered", lastError: null }])
    }).pipe(Effect.scoped))

  it.live("redirects are not followed: a 302 is a failed attempt and its target never hears of the event", () =>
    Effect.gen(function*() {
      const target = yield* startReceiver()
      const redirecting = yield* startReceiver(() => ({ status: 302, location: target.url }))
      const foreman = yield* startForeman({ sim: { models: [model] } })
      const job = yield* submit(foreman, redirecting.url)
      yield* until(finished(foreman, [job.id]))
      // A second try of the same event shows the 302 was recorded as a failure.
      yield* until(Effect.sync(() => redirecting.received.length >= 2))
      const attempts = [...redirecting.received]
      expect(new Set(attempts.map((r) => r.headers["webhook-id"])).size).toBe(1)
      expect(target.received).toEqual([])
      const counts = yield* foreman.run(Effect.flatMap(WebhookDispatcher, (d) => d.counts))
      expect(counts.delivered).toBe(0)
      expect(counts.pending).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("events left pending by a previous run are delivered after a restart, with the same ids", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start({ models: [model] })
      const dbPath = join(yield* tempDir, "foreman.db")
      const receiver = yield* startReceiver(() => 503)

      const jobId = yield* Effect.scoped(Effect.gen(function*() {
        const foreman = yield* startForeman({ target: sim, env: { FOREMAN_DB_PATH: dbPath } })
        const job = yield* submit(foreman, receiver.url)
        yield* until(finished(foreman, [job.id]))
        yield* until(Effect.sync(() => receiver.received.length >= 1))
        return job.id
      }))
      const before = [...receiver.received]
      yield* receiver.answerWith(() => 200)

      yield* startForeman({ target: sim, env: { FOREMAN_DB_PATH: dbPath } })
      yield* until(terminalReceived(receiver, [jobId]))
      const events = eventsOf(receiver.received, jobId)
      expectLifecycle(events)
      expect(events[0]?.event_id).toBe(before[0]?.headers["webhook-id"])
    }).pipe(Effect.scoped))
})
