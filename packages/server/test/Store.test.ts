import * as Reactivity from "@effect/experimental/Reactivity"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { SqlClient } from "@effect/sql"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import { describe, expect, it } from "@effect/vitest"
import { JobId, type JobState } from "@foreman/domain"
import { Duration, Effect, Either, Fiber, Layer, Option, Schema } from "effect"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { encodeTime, monotonicFactory } from "ulid"
import { ForemanConfig } from "../src/config/ForemanConfig.js"
import { JobRecord } from "../src/store/JobRecord.js"
import migration0001 from "../src/store/migrations/0001_jobs.js"
import migration0002 from "../src/store/migrations/0002_webhook_outbox.js"
import migration0003 from "../src/store/migrations/0003_job_api.js"
import migration0004 from "../src/store/migrations/0004_outbox_pending_order.js"
import { isoTimestampSql } from "../src/store/migrations/0005_state_events_by_trigger.js"
import { sweepBatch } from "../src/store/deleteInBatches.js"
import { SqlLive } from "../src/store/SqlLive.js"
import { Store } from "../src/store/Store.js"
import { receiverOfUrl } from "../src/store/migrations/0010_outbox_receiver_by_origin.js"
import { dueStatement, WebhookOutbox } from "../src/store/WebhookOutbox.js"
import { readWebhookUrl } from "../src/webhooks/WebhookUrl.js"
import { tempDir } from "./support/tempDir.js"

const nextId = monotonicFactory()
const newId = () => Schema.decodeSync(JobId)(nextId())

const storeAt = (dbPath: string) =>
  Layer.mergeAll(SqlLive, Store.Default, WebhookOutbox.Default).pipe(
    Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath, FOREMAN_MAX_ATTEMPTS: "3" }))
  )

const withStore = <A, E>(use: (store: Store) => Effect.Effect<A, E, WebhookOutbox | SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    return yield* Effect.provide(Effect.flatMap(Store, use), storeAt(join(dir, "foreman.db")))
  }).pipe(Effect.scoped)

/** Every due event of every receiver, with its body, as the dispatcher would read them with room to spare. */
const dueEvents = (outbox: WebhookOutbox, now: number) =>
  Effect.flatMap(outbox.due(now, { after: "", receivers: 64, perReceiver: 64, exceptJobs: [] }), (due) => outbox.withPayloads(due.events))

const queue = (store: Store, model: string, mode: "sync" | "async" = "async") =>
  store.insert({ id: newId(), mode, endpoint: "chat", model, payload: `{"model":"${model}"}`, webhookUrl: null }).pipe(
    Effect.map((queued) => queued.job)
  )

/** Five jobs over three models, interleaved: a1 b1 a2 c1 b2. */
const interleaved = (store: Store) =>
  Effect.all({ a1: queue(store, "a"), b1: queue(store, "b"), a2: queue(store, "a"), c1: queue(store, "c"), b2: queue(store, "b") })

describe("Store", () => {
  it.effect("claims drain-by-model: the resident model's oldest job first, then the oldest overall", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const { a1, b1, a2, c1, b2 } = yield* interleaved(store)
        const order: Array<string> = []
        const moreQueued: Array<boolean> = []
        let resident: string | null = null
        while (true) {
          const claimed = yield* store.claimNext(resident)
          if (Option.isNone(claimed)) break
          const next: JobRecord = claimed.value.job
          order.push(next.id)
          moreQueued.push(claimed.value.moreQueued)
          expect(next.state).toBe(next.model === resident ? "working" : "loading")
          expect([next.attempt, claimed.value.previous, claimed.value.event.state]).toEqual([1, "queued", next.state])
          resident = next.model
          yield* store.transition(next, "done", { result: "{}" })
        }
        expect(order).toEqual([a1.id, a2.id, b1.id, b2.id, c1.id])
        // Only the last claim left the queue empty.
        expect(moreQueued).toEqual([true, true, true, true, false])
      })))

  it.effect("a queued job's position follows the claim order: the resident model's backlog, then the oldest", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const { a1, b1, a2, c1, b2 } = yield* interleaved(store)
        const positions = (resident: string | null) =>
          Effect.forEach([a1, b1, a2, c1, b2], (job) =>
            Effect.flatMap(store.get(job.id), (now) => store.queuePosition(now, resident)))
        expect(yield* positions(null)).toEqual([1, 2, 3, 4, 5])
        expect(yield* positions("b")).toEqual([3, 1, 4, 5, 2])
        expect(yield* positions("c")).toEqual([2, 3, 4, 1, 5])
        // A model with nothing queued changes nothing.
        expect(yield* positions("z")).toEqual([1, 2, 3, 4, 5])
        // Claiming b1 for "b" moves everyone up; the claimed job has no position.
        const claimed = yield* store.claimNext("b")
        expect(Option.map(claimed, (c) => c.job.id)).toEqual(Option.some(b1.id))
        expect(yield* positions("b")).toEqual([2, null, 3, 4, 1])
      })))

  it.effect("a transition names its from-state and refuses when the job moved on", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const job = yield* queue(store, "a")
        const { job: cancelled } = yield* store.transition(job, "cancelled", { error: "cancelled" })
        expect(cancelled.state).toBe("cancelled")
        expect(cancelled.finishedAt).not.toBeNull()
        const again = yield* Effect.either(store.transition(job, "working"))
        expect(Either.getLeft(again).pipe(Option.map((e) => e._tag))).toEqual(Option.some("InvalidTransition"))
        const missing = yield* Effect.either(store.get(newId()))
        expect(Either.getLeft(missing).pipe(Option.map((e) => e._tag))).toEqual(Option.some("JobNotFound"))
        expect(Option.isNone(yield* store.claimNext(null))).toBe(true)
      })))

  it.effect("stores the completion artifact with the done transition", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const job = yield* queue(store, "a")
        const claimed = Option.getOrThrow(yield* store.claimNext(null)).job
        yield* store.transition(claimed, "done", { result: `{"done":true}` }, [{
          name: "completion",
          contentType: "text/plain; charset=utf-8",
          data: new TextEncoder().encode("héllo")
        }])
        const artifact = Option.getOrThrow(yield* store.getArtifact(job.id, "completion"))
        expect(new TextDecoder().decode(artifact.data)).toBe("héllo")
        expect(artifact.size).toBe(6)
        expect(yield* store.listArtifacts(job.id)).toEqual([{ name: "completion", contentType: "text/plain; charset=utf-8", size: 6 }])
      })))

  it.effect("recovery re-queues running async jobs and cancels sync ones", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const asyncJob = yield* queue(store, "a", "async")
        const syncJob = yield* queue(store, "a", "sync")
        const waiting = yield* queue(store, "b", "sync")
        yield* store.claimNext(null)
        yield* store.claimNext("a")
        const { requeued, cancelled } = yield* store.recover()
        expect(requeued.map((r) => r.job.id)).toEqual([asyncJob.id])
        expect(requeued.map((r) => [r.previous, r.event.state])).toEqual([["loading", "queued"]])
        expect(cancelled.map((j) => j.id).sort()).toEqual([syncJob.id, waiting.id].sort())
        expect((yield* store.get(asyncJob.id)).state).toBe("queued")
        expect((yield* store.get(syncJob.id)).state).toBe("cancelled")
      })))

  it.effect("recovery fails an async job whose every attempt ended in a crash, and announces it", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const { job } = yield* store.insert({
          id: newId(), mode: "async", endpoint: "chat", model: "a", payload: `{"model":"a"}`, webhookUrl: "http://127.0.0.1:1/hook"
        })
        // Attempts 1 and 2 crash and go back to the queue; the third crash is the last one allowed.
        for (const attempt of [1, 2]) {
          expect(Option.getOrThrow(yield* store.claimNext(null)).job.attempt).toBe(attempt)
          const { failed, requeued } = yield* store.recover()
          expect([requeued.map((r) => r.job.id), failed]).toEqual([[job.id], []])
        }
        expect(Option.getOrThrow(yield* store.claimNext("a")).job.attempt).toBe(3)
        const { failed, requeued } = yield* store.recover()
        expect(requeued).toEqual([])
        expect(failed.map((f) => [f.job.id, f.previous, f.job.state, f.job.attempt])).toEqual([[job.id, "working", "failed", 3]])
        const stored = yield* store.get(job.id)
        expect([stored.state, stored.errorStatus, stored.finishedAt !== null]).toEqual(["failed", 500, true])
        expect(stored.error).toMatch(/stopped unexpectedly during all 3 attempts/)
        expect(Option.isNone(yield* store.claimNext(null))).toBe(true)
        // The webhook hears the failure like any other terminal state.
        const last = (yield* sql<{ readonly payload: string }>`SELECT payload FROM webhook_outbox ORDER BY event_id DESC LIMIT 1`)[0]
        expect(JSON.parse(last?.payload ?? "{}")).toMatchObject({ job_id: job.id, state: "failed", previous_state: "working", attempt: 3 })
      })))

  it.effect("the sweep deletes terminal jobs that finished before the cutoff, with their artifacts", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const old = yield* queue(store, "a")
        const live = yield* queue(store, "a")
        yield* store.transition(old, "cancelled", {}, [{ name: "x", contentType: "text/plain", data: new Uint8Array([1]) }])
        expect(yield* store.sweep(Date.now() + 1000)).toBe(1)
        expect(Either.isLeft(yield* Effect.either(store.get(old.id)))).toBe(true)
        expect(Option.isNone(yield* store.getArtifact(old.id, "x"))).toBe(true)
        expect((yield* store.get(live.id)).state).toBe("queued")
      })))

  it.effect("the sweep keeps an expired job while a webhook event of it is pending, and takes it once the event is settled", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const outbox = yield* WebhookOutbox
        const hooked = (model: string) =>
          store.insert({ id: newId(), mode: "async", endpoint: "chat", model, payload: "{}", webhookUrl: "http://127.0.0.1:9/hook" })
        const delivering = (yield* hooked("a")).job
        const dying = (yield* hooked("b")).job
        yield* store.transition(delivering, "cancelled")
        yield* store.transition(dying, "cancelled")
        const pastTtl = Date.now() + 1000
        const pendingOf = (id: string) => Effect.map(dueEvents(outbox, pastTtl), (events) => events.filter((e) => e.jobId === id))

        expect(yield* store.sweep(pastTtl)).toBe(0)
        expect((yield* store.get(delivering.id)).state).toBe("cancelled")
        expect((yield* store.get(dying.id)).state).toBe("cancelled")

        // Each job has two events (queued, cancelled); the dispatcher settles the head one at a time.
        const settle = <E>(id: string, mark: (eventId: string) => Effect.Effect<void, E>) =>
          Effect.repeatN(Effect.flatMap(pendingOf(id), Effect.forEach((event) => mark(event.eventId))), 1)
        yield* settle(delivering.id, (eventId) => outbox.delivered([eventId]))
        expect(yield* store.sweep(pastTtl)).toBe(1)
        expect(Either.isLeft(yield* Effect.either(store.get(delivering.id)))).toBe(true)
        expect((yield* store.get(dying.id)).state).toBe("cancelled")

        yield* settle(dying.id, (eventId) => outbox.giveUp(eventId, 30, "receiver gone"))
        expect(yield* outbox.counts).toEqual({ pending: 0, delivered: 0, dead: 2 })
        expect(yield* store.sweep(pastTtl)).toBe(1)
        expect(Either.isLeft(yield* Effect.either(store.get(dying.id)))).toBe(true)
      })))

  // Live clock: the sweep yields to the event loop on a real timer.
  it.live("a large sweep goes in batches, letting other work in between, and deletes every expired row", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* WebhookOutbox
        const expired = 2 * sweepBatch + 500
        const now = Date.now()
        // Rows written straight in: expired finished jobs, one live job, and delivered events of the live one.
        yield* sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${expired})
          INSERT INTO jobs (id, mode, endpoint, model, payload, state, attempt, max_attempts, created_at, updated_at, finished_at)
          SELECT printf('OLD%023d', i), 'async', 'chat', 'a', '{}', 'done', 1, 3, ${now}, ${now}, ${now} FROM n`
        const live = yield* queue(store, "a")
        yield* sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${expired})
          INSERT INTO webhook_outbox (event_id, job_id, url, payload, status, attempts, next_attempt_at, created_at, finished_at)
          SELECT printf('%s%016d', ${encodeTime(now, 10)}, i), ${live.id}, 'http://127.0.0.1:9/hook', '{}', 'delivered', 1, ${now}, ${now}, ${now} FROM n`
        const count = (table: "jobs" | "webhook_outbox") =>
          Effect.map(sql.unsafe<{ readonly n: number }>(`SELECT count(*) AS n FROM ${table}`), (rows) => rows[0]?.n ?? 0)

        // A timer set as the sweep starts fires between its batches, not after the last one.
        for (const [table, sweep] of [["jobs", store.sweep], ["webhook_outbox", outbox.sweep]] as const) {
          const before = yield* count(table)
          const midway = yield* Effect.fork(Effect.zipRight(Effect.sleep(Duration.zero), count(table)))
          expect(yield* sweep(now + 1000)).toBe(expired)
          const seen = yield* Fiber.join(midway)
          expect(seen, table).toBeLessThan(before)
          expect(seen, table).toBeGreaterThan(before - expired)
          expect(yield* count(table)).toBe(before - expired)
        }
        expect((yield* store.get(live.id)).state).toBe("queued")
        expect(yield* store.countByState).toEqual([{ state: "queued", n: 1 }])
      })))

  it.effect("the outbox sweep drops settled events finished before the cutoff and keeps the rest", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* WebhookOutbox
        const live = yield* queue(store, "a")
        const now = Date.now()
        const day = 86_400_000
        const rows = [
          { id: `${encodeTime(now - 3 * day, 10)}0000000000000001`, status: "delivered", finishedAt: now - 3 * day },
          { id: `${encodeTime(now - 3 * day, 10)}0000000000000002`, status: "dead", finishedAt: now - 2 * day },
          { id: `${encodeTime(now - 3 * day, 10)}0000000000000003`, status: "pending", finishedAt: null },
          // Written before the cutoff but settled after it: kept for its own TTL.
          { id: `${encodeTime(now - 3 * day, 10)}0000000000000004`, status: "delivered", finishedAt: now },
          { id: `${encodeTime(now, 10)}0000000000000005`, status: "delivered", finishedAt: now }
        ]
        for (const row of rows) {
          yield* sql`INSERT INTO webhook_outbox (event_id, job_id, url, payload, status, attempts, next_attempt_at, created_at, finished_at)
            VALUES (${row.id}, ${live.id}, 'http://127.0.0.1:9/hook', '{}', ${row.status}, 1, ${now}, ${now}, ${row.finishedAt})`
        }
        expect(yield* outbox.sweep(now - day)).toBe(2)
        const kept = yield* sql<{ readonly eventId: string }>`SELECT event_id FROM webhook_outbox WHERE job_id = ${live.id} AND event_id LIKE '%000000000000000_' ORDER BY event_id`
        expect(kept.map((r) => r.eventId.slice(-1))).toEqual(["3", "4", "5"])
      })))

  it.effect("a second holder of the same database is refused with a clear message", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dbPath = join(dir, "foreman.db")
      const config = ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath })
      yield* Layer.build(SqlLive.pipe(Layer.provide(config)))
      const second = yield* Effect.either(Layer.build(SqlLive.pipe(Layer.provide(config))).pipe(Effect.scoped))
      const error = Either.getLeft(second)
      expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("DatabaseLocked"))
      expect(Option.map(error, (e) => e.message).pipe(Option.getOrElse(() => ""))).toContain(dbPath)
    }).pipe(Effect.scoped))

  it.effect("a database SQLite cannot open (missing directory, a directory, not a database) is refused with one line naming FOREMAN_DB_PATH and the path", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const notADatabase = join(dir, "notes.txt")
      yield* Effect.promise(() => writeFile(notADatabase, "meeting notes, not a database: ".repeat(20)))
      for (const dbPath of [join(dir, "missing", "foreman.db"), dir, notADatabase]) {
        const built = Layer.build(SqlLive.pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath }))))
        const error = Either.getLeft(yield* Effect.either(Effect.scoped(built)))
        expect(Option.map(error, (e) => e._tag)).toEqual(Option.some("DatabaseUnopenable"))
        const message = Option.map(error, (e) => e.message).pipe(Option.getOrElse(() => ""))
        expect(message).toContain(dbPath)
        expect(message).toContain("FOREMAN_DB_PATH")
        expect(message.split("\n")).toHaveLength(1)
      }
    }).pipe(Effect.scoped))

  it.effect("the due read goes receiver by receiver: a bounded number of them, each its oldest due job heads, resumable after the last", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const outbox = yield* WebhookOutbox
        const [a, b, c] = ["http://a.test/hook", "http://b.test/hook", "http://c.test/hook"]
        const hooked = (url: string) =>
          Effect.map(store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "m", payload: "{}", webhookUrl: url }), (q) => q.job)
        const a1 = yield* hooked(a)
        const b1 = yield* hooked(b)
        const a2 = yield* hooked(a)
        yield* hooked(a)
        const c1 = yield* hooked(c)
        // a1 has two pending events: only the first is due. b1's one event waits out a backoff.
        yield* store.transition(a1, "cancelled")
        const now = Date.now() + 1000
        const bHead = (yield* dueEvents(outbox, now)).find((event) => event.jobId === b1.id)
        yield* outbox.retryLater(bHead?.eventId ?? "", 1, now + 60_000, "receiver answered 500")

        const first = yield* outbox.due(now, { after: "", receivers: 2, perReceiver: 2, exceptJobs: [] })
        expect(first.receivers).toEqual(["http://a.test", "http://b.test"])
        // The read leaves the bodies out; they are read for the events picked.
        expect(first.events.map((event) => [event.url, event.jobId, "payload" in event])).toEqual([[a, a1.id, false], [a, a2.id, false]])
        const picked = yield* outbox.withPayloads([...first.events].reverse())
        expect(picked.map((event) => [event.jobId, JSON.parse(event.payload).state])).toEqual([[a2.id, "queued"], [a1.id, "queued"]])
        // A job whose head is being delivered is left out, and the next of its receiver's takes its place.
        const beside = yield* outbox.due(now, { after: "", receivers: 1, perReceiver: 1, exceptJobs: [a1.id] })
        expect(beside.events.map((event) => event.jobId)).toEqual([a2.id])
        const rest = yield* outbox.due(now, { after: "http://b.test", receivers: 2, perReceiver: 2, exceptJobs: [] })
        expect(rest.receivers).toEqual(["http://c.test"])
        expect(rest.events.map((event) => event.jobId)).toEqual([c1.id])
        expect(yield* outbox.due(now, { after: "http://c.test", receivers: 2, perReceiver: 2, exceptJobs: [] })).toEqual({ receivers: [], events: [] })
        // Once its backoff has passed, b's event is due again.
        expect((yield* outbox.due(now + 60_000, { after: "http://a.test", receivers: 1, perReceiver: 2, exceptJobs: [] })).events.map((event) => event.jobId)).toEqual([b1.id])
      })))

  it.effect("a receiver is its URL's origin: per-job paths, queries and credentials of one host are one receiver", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* WebhookOutbox
        // The column's expression, on URLs as URL.href writes them and as callers write them.
        const spellings = [
          "http://a.test/hook",
          "https://User:Pa%40ss@Example.COM:8443/x/y?token=1#z",
          "http://[::1]:8080/jobs/01JD3Q5R7W8X9Y0Z1A2B3C4D5E",
          "http://127.0.0.1:9/hook?secret=s/lash",
          "HTTP://Host.Test/Hook",
          "http://host.test?only=query",
          "https://host.test#fragment",
          "http://user@host.test:81"
        ]
        const receiverOf = (url: string) =>
          Effect.map(sql.unsafe<{ readonly receiver: string }>(`SELECT ${receiverOfUrl} AS receiver FROM (SELECT ? AS url)`, [url]), (rows) => rows[0]?.receiver)
        for (const url of [...spellings, ...spellings.map((url) => new URL(url).href)]) {
          expect([url, yield* receiverOf(url)]).toEqual([url, new URL(url).origin])
        }
        // Spellings the URL parser reads as a host but the text does not show as one: stored as
        // readWebhookUrl writes them, each is its own origin (read as written, two were one "http:").
        for (const url of ["http:/hostA/x", "http:///hostB/y", "HTTP:\\\\Host.test\\hook", "http://a@b@host.test/"]) {
          const stored = Either.getOrThrow(readWebhookUrl(url))
          expect([url, yield* receiverOf(stored ?? "")]).toEqual([url, new URL(url).origin])
        }
        // Stored and read: five jobs calling back to paths of their own on two hosts are two receivers.
        const urls = ["http://one.test/job/1", "http://one.test/job/2?t=x", "http://u:p@one.test/job/3", "http://two.test/a", "http://two.test/b"]
        const jobs = yield* Effect.forEach(urls, (url) =>
          Effect.map(store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "m", payload: "{}", webhookUrl: url }), (q) => q.job))
        const due = yield* outbox.due(Date.now() + 1000, { after: "", receivers: 64, perReceiver: 64, exceptJobs: [] })
        expect(due.receivers).toEqual(["http://one.test", "http://two.test"])
        expect(due.events.map((event) => [event.jobId, event.url, event.receiver])).toEqual(
          jobs.map((job, i) => [job.id, urls[i], i < 3 ? "http://one.test" : "http://two.test"])
        )
      })))

  it.effect("a job with a webhook gets one outbox event per state change, in the same transaction, swept once delivered", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const outbox = yield* WebhookOutbox
        const { job } = yield* store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "a", payload: "{}", webhookUrl: "http://127.0.0.1:9/hook" })
        yield* store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "a", payload: "{}", webhookUrl: null })
        const claimed = Option.getOrThrow(yield* store.claimNext("a"))
        yield* store.transition(claimed.job, "done", { result: `{"done":true}` })
        // Only the head event of the job is due: its next event waits until this one is settled.
        const head = yield* dueEvents(outbox, Date.now() + 1000)
        expect(head.map((e) => JSON.parse(e.payload).state)).toEqual(["queued"])
        yield* outbox.delivered([head[0]?.eventId ?? ""])
        const next = yield* dueEvents(outbox, Date.now() + 1000)
        expect(next.map((e) => JSON.parse(e.payload))).toEqual([expect.objectContaining({ state: "working", previous_state: "queued", job_id: job.id })])
        expect(yield* outbox.counts).toEqual({ pending: 2, delivered: 1, dead: 0 })
        expect(yield* outbox.sweep(Date.now() + 1000)).toBe(1)
        expect(yield* outbox.counts).toEqual({ pending: 2, delivered: 0, dead: 0 })
      })))

  it.effect("every outbox row is byte for byte the event the store announced, whether SQLite or the store wrote it", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const hook = "http://127.0.0.1:9/hook"
        const submit = (model: string) =>
          store.insert({ id: newId(), mode: "async", endpoint: "chat", model, payload: "{}", webhookUrl: hook })
        const first = yield* submit("a")
        const second = yield* submit("b")
        yield* store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "a", payload: "{}", webhookUrl: null })
        const loading = Option.getOrThrow(yield* store.claimNext(null))
        const working = yield* store.transition(loading.job, "working")
        const requeued = yield* store.transition(working.job, "queued", { attempt: 0 })
        const again = Option.getOrThrow(yield* store.claimNext("a"))
        const done = yield* store.transition(again.job, "done", { result: `{"message":{"content":"hé \\"quoted\\""}}` }, [{
          name: "completion",
          contentType: "text/plain; charset=utf-8",
          data: new TextEncoder().encode("hé")
        }])
        const cancelled = yield* store.transition(second.job, "cancelled", { error: "cancelled" })
        const announced = [first, second, loading, working, requeued, again, done, cancelled]
        expect(announced.map((change) => change.event.state)).toEqual(["queued", "queued", "loading", "working", "queued", "working", "done", "cancelled"])

        const rows = yield* sql<{ readonly eventId: string; readonly payload: string }>`SELECT event_id, payload FROM webhook_outbox ORDER BY event_id`
        const byId = new Map(announced.map((change) => [change.event.event_id, JSON.stringify(change.event)]))
        expect(rows.map((row) => row.eventId)).toEqual(announced.map((change) => change.event.event_id).sort())
        for (const row of rows) expect(row.payload).toBe(byId.get(row.eventId))
      })))

  it.effect("a terminal event without artifacts is queued by SQLite: its body equals the announced event as JSON, whatever the result's spelling", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const outbox = yield* WebhookOutbox
        const finish = (to: JobState, patch: { readonly result?: string; readonly error?: string }) =>
          Effect.gen(function*() {
            yield* store.insert({ id: newId(), mode: "async", endpoint: "chat", model: "a", payload: "{}", webhookUrl: "http://127.0.0.1:9/hook" })
            const claimed = Option.getOrThrow(yield* store.claimNext("a"))
            return yield* store.transition(claimed.job, to, patch)
          })
        // Go's escapes, spaces, a number JSON.stringify would respell; text that is not JSON; no result at all.
        const finished = [
          yield* finish("done", { result: String.raw`{"message": {"content": "\u003cb\u003e \/ é"}, "eval_duration": 1.50, "done": true}` }),
          yield* finish("done", { result: "plain text, not JSON" }),
          yield* finish("failed", { error: "the target answered 500" }),
          yield* finish("cancelled", { error: "cancelled" })
        ]
        for (const change of finished) {
          const rows = yield* sql<{ readonly payload: string }>`SELECT payload FROM webhook_outbox WHERE event_id = ${change.event.event_id}`
          expect(rows.length).toBe(1)
          expect(JSON.parse(rows[0]?.payload ?? "null")).toEqual(change.event)
        }
        // The target's spelling reaches the receiver as it wrote it.
        const [goSpelled] = yield* sql<{ readonly payload: string }>`SELECT payload FROM webhook_outbox WHERE event_id = ${finished[0]?.event.event_id ?? ""}`
        expect(goSpelled?.payload).toContain(String.raw`"content":"\u003cb\u003e \/ é"},"eval_duration":1.50`)
        expect(finished.map((change) => change.event)).toMatchObject([
          { state: "done", result: { message: { content: "<b> / é" }, eval_duration: 1.5 }, artifacts: [], error: null },
          { state: "done", result: "plain text, not JSON" },
          { state: "failed", result: null, error: "the target answered 500" },
          { state: "cancelled", previous_state: "working" }
        ])
        // Three events a job: queued, working and the terminal one, each once.
        expect(yield* outbox.counts).toEqual({ pending: 12, delivered: 0, dead: 0 })
      })))

  it.effect("a database from before the outbox trigger upgrades in place: its pending events go first, then the trigger's", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dbPath = join(dir, "foreman.db")
      const jobId = newId()
      const oldEvent = { event_id: nextId(), job_id: jobId, state: "queued", previous_state: null, timestamp: new Date().toISOString(), model: "a", attempt: 0 }
      // What a foreman of migrations 0001–0004 left behind: a queued job with a webhook, its event pending.
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* SqliteMigrator.run({
          loader: SqliteMigrator.fromRecord({
            "0001_jobs": migration0001,
            "0002_webhook_outbox": migration0002,
            "0003_job_api": migration0003,
            "0004_outbox_pending_order": migration0004
          })
        })
        const now = Date.now()
        yield* sql`INSERT INTO jobs (id, mode, endpoint, model, payload, state, attempt, max_attempts, webhook_url, created_at, updated_at)
          VALUES (${jobId}, 'async', 'chat', 'a', '{}', 'queued', 0, 3, 'http://127.0.0.1:9/hook', ${now}, ${now})`
        yield* sql`INSERT INTO webhook_outbox (event_id, job_id, url, payload, status, attempts, next_attempt_at, created_at)
          VALUES (${oldEvent.event_id}, ${jobId}, 'http://127.0.0.1:9/hook', ${JSON.stringify(oldEvent)}, 'pending', 0, ${now}, ${now})`
      }).pipe(
        Effect.provide(SqliteClient.layer({ filename: dbPath }).pipe(Layer.provideMerge(Layer.merge(NodeContext.layer, Reactivity.layer)))),
        Effect.scoped
      )

      yield* Effect.gen(function*() {
        const store = yield* Store
        const outbox = yield* WebhookOutbox
        // Migration 0007 counted the jobs already there.
        expect([yield* store.countQueued, yield* store.queuedByModel]).toEqual([1, [{ model: "a", n: 1 }]])
        const claimed = Option.getOrThrow(yield* store.claimNext(null))
        expect(yield* store.countByState).toEqual([{ state: "loading", n: 1 }])
        expect(claimed.job.id).toBe(jobId)
        const head = yield* dueEvents(outbox, Date.now() + 1000)
        expect(head.map((e) => e.payload)).toEqual([JSON.stringify(oldEvent)])
        yield* outbox.delivered([oldEvent.event_id])
        const next = yield* dueEvents(outbox, Date.now() + 1000)
        expect(next.map((e) => e.payload)).toEqual([JSON.stringify(claimed.event)])
        expect(yield* outbox.pendingCount).toBe(1)
      }).pipe(Effect.provide(storeAt(dbPath)), Effect.scoped)
    }).pipe(Effect.scoped))

  it.effect("the job counts equal the rows through every kind of write, and reading them never reads the jobs", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        let seed = 7
        const random = (n: number) => {
          seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
          return Math.floor(seed / 65_536) % n
        }
        const models = ["a", "b", "c"]
        const inState = (state: JobState) =>
          sql`SELECT * FROM jobs WHERE state = ${state} ORDER BY id`.pipe(
            Effect.flatMap((rows) => Effect.orDie(Schema.decodeUnknown(Schema.Array(JobRecord))(rows)))
          )
        const pick = <A>(items: ReadonlyArray<A>) => items[random(Math.max(items.length, 1))]
        const kinds = new Set<string>()
        for (let step = 0; step < 400; step++) {
          const kind = ["insert", "insert", "claim", "finish", "cancel", "requeue", "recover", "sweep"][random(8)] ?? "insert"
          const running = [...yield* inState("loading"), ...yield* inState("working")]
          const queued = yield* inState("queued")
          if (kind === "insert") {
            yield* store.insert({
              id: newId(), mode: random(2) === 0 ? "sync" : "async", endpoint: "chat", model: pick(models) ?? "a", payload: "{}",
              webhookUrl: random(2) === 0 ? "http://127.0.0.1:9/hook" : null
            })
          } else if (kind === "claim" && running.length === 0) {
            yield* store.claimNext(pick([null, ...models]) ?? null)
          } else if (kind === "finish" && running[0] !== undefined) {
            const to = pick(["done", "failed", "cancelled"] as const) ?? "done"
            yield* store.transition(running[0], to, {}, to === "done" ? [{ name: "completion", contentType: "text/plain", data: new Uint8Array([1]) }] : [])
          } else if (kind === "cancel" && queued.length > 0) {
            yield* store.transition(pick(queued) ?? queued[0]!, "cancelled", { error: "cancelled" })
          } else if (kind === "requeue" && running[0] !== undefined) {
            yield* store.transition(running[0], "queued", { attempt: 0 })
          } else if (kind === "recover") {
            yield* store.recover()
          } else if (kind === "sweep") {
            yield* store.sweep(Date.now() + 1)
          } else {
            continue
          }
          kinds.add(kind)
          const counted = yield* sql`SELECT state, model, n FROM job_counts ORDER BY state, model`
          const rows = yield* sql`SELECT state, model, count(*) AS n FROM jobs GROUP BY state, model ORDER BY state, model`
          expect(counted, `after step ${step} (${kind})`).toEqual(rows)
        }
        expect([...kinds].sort()).toEqual(["cancel", "claim", "finish", "insert", "recover", "requeue", "sweep"])
        // The readers' answers, against the rows they stand for.
        const byState = yield* sql<{ readonly state: string; readonly n: number }>`SELECT state, count(*) AS n FROM jobs GROUP BY state`
        expect([...yield* store.countByState].sort((x, y) => x.state.localeCompare(y.state))).toEqual(byState)
        const byModel = yield* sql`SELECT model, count(*) AS n FROM jobs WHERE state = 'queued' GROUP BY model`
        expect([...yield* store.queuedByModel].sort((x, y) => x.model.localeCompare(y.model))).toEqual(byModel)
        expect(yield* store.countQueued).toBe(byModel.reduce((sum, row) => sum + Number(row["n"]), 0))
        for (const reader of ["SELECT state, sum(n) AS n FROM job_counts GROUP BY state", "SELECT model, n FROM job_counts WHERE state = 'queued'"]) {
          const plan = yield* sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${reader}`)
          expect(plan.map((row) => row.detail).join(" | ")).not.toMatch(/\bjobs\b/)
        }
      })))

  it.effect("SQLite writes an epoch millisecond as Date.toISOString does", () =>
    withStore(() =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const samples = [0, 1, 999, 1_000, 1_764_567_591_720, 1_764_567_591_001, 1_764_567_591_999, 4_102_444_799_999]
        for (let i = 0; i < 2_000; i++) samples.push(1_700_000_000_000 + Math.floor(Math.random() * 200_000_000_000))
        for (const millis of samples) {
          const rows = yield* sql.unsafe<{ readonly iso: string }>(`SELECT ${isoTimestampSql("?")} AS iso`, [millis])
          expect(rows[0]?.iso, `${millis}`).toBe(new Date(millis).toISOString())
        }
      })))

  it.effect("the worker's claim and the dispatcher's scan walk an index and stop at their limit, however long the backlog", () =>
    withStore(() =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        // The statements of Store.claimNext and WebhookOutbox.due, as SQLite plans them.
        const plan = (statement: string) =>
          Effect.map(sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${statement}`), (rows) => rows.map((r) => r.detail).join(" | "))
        const plans = [
          yield* plan(`UPDATE jobs SET state = CASE WHEN model = 'a' THEN 'working' ELSE 'loading' END, attempt = attempt + 1
            WHERE state = 'queued' AND id = COALESCE(
              (SELECT id FROM (SELECT id, created_at FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1) WHERE created_at < 1),
              (SELECT id FROM jobs WHERE state = 'queued' AND model = 'a' ORDER BY id LIMIT 1),
              (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1))
            RETURNING *, EXISTS (SELECT 1 FROM jobs WHERE state = 'queued') AS more_queued`),
        ]
        for (const detail of plans) {
          expect(detail).toMatch(/USING (COVERING )?INDEX/)
          expect(detail).not.toMatch(/SCAN (jobs|webhook_outbox)\b|TEMP B-TREE/)
        }
        // The dispatcher's read, the very statement it runs: each next receiver is one seek, each
        // receiver's due events a walk of its own pending events in order, the job's earlier events
        // a seek; nothing scans a table.
        const [dueSql, dueParams] = dueStatement(sql, 1, { after: "", receivers: 64, perReceiver: 64, exceptJobs: [] }).compile()
        const due = yield* Effect.map(
          sql.unsafe<{ readonly detail: string }>(`EXPLAIN QUERY PLAN ${dueSql}`, dueParams),
          (rows) => rows.map((r) => r.detail).join(" | ")
        )
        // (Not a covering seek: SQLite reads a virtual column from its row, one row per receiver.)
        expect(due).toMatch(/SEARCH webhook_outbox USING INDEX webhook_outbox_receiver \(receiver>\?\)/)
        expect(due).toMatch(/SEARCH d USING INDEX webhook_outbox_receiver \(receiver=\?\)/)
        expect(due).toMatch(/SEARCH p USING INDEX webhook_outbox_job \(job_id=\? AND event_id<\?\)/)
        expect(due).not.toMatch(/SCAN (webhook_outbox|d|p)\b|TEMP B-TREE/)
        // The metrics scrape counts pending events in the index that holds only them.
        expect(yield* plan(`SELECT count(*) AS n FROM webhook_outbox WHERE status = 'pending'`)).toMatch(/USING COVERING INDEX webhook_outbox_receiver/)
        // The outbox sweep walks the ids written before its cutoff, not every kept row.
        expect(yield* plan(`SELECT event_id FROM webhook_outbox
          WHERE event_id < '01K' AND status != 'pending' AND finished_at < 1 LIMIT 2000`)).toMatch(/SEARCH webhook_outbox USING INDEX sqlite_autoindex_webhook_outbox_1 \(event_id<\?\)/)
        // A queued job's position counts from indexes alone: reading the rows was 24 ms at 100k queued.
        const position = yield* plan(`SELECT
          (SELECT coalesce(sum(n), 0) FROM job_counts WHERE state = 'queued' AND model = 'a')
          + (SELECT count(*) FROM jobs WHERE state = 'queued' AND id < 'z')
          - (SELECT count(*) FROM jobs WHERE state = 'queued' AND model = 'a' AND id < 'z') AS n`)
        expect(position).toMatch(/SEARCH jobs USING COVERING INDEX jobs_state_id .*SEARCH jobs USING COVERING INDEX jobs_state_model_id/)
        expect(position).not.toMatch(/SCAN (jobs|job_counts)\b/)
      })))

  it.effect("insertAll queues more jobs than one statement binds, in order, and all or none", () =>
    withStore((store) =>
      Effect.gen(function*() {
        const job = (id: JobId) => ({ id, mode: "async" as const, endpoint: "chat" as const, model: "a", payload: "{}", webhookUrl: null })
        const ids = Array.from({ length: 600 }, newId)
        const queued = yield* store.insertAll(ids.map(job))
        expect(queued.map((q) => q.job.id)).toEqual(ids)
        expect(queued.every((q) => q.job.state === "queued" && q.previous === null && q.event.state === "queued")).toBe(true)
        expect(yield* store.countQueued).toBe(600)

        // The duplicate is in the last of three statements: the first two go back with it.
        const fresh = Array.from({ length: 599 }, newId)
        const refused = yield* Effect.either(store.insertAll([...fresh.slice(0, 550), ...ids.slice(0, 1), ...fresh.slice(550)].map(job)))
        expect(Either.isLeft(refused)).toBe(true)
        expect(yield* store.countQueued).toBe(600)
        const lookups = yield* Effect.forEach([...fresh.slice(0, 1), ...fresh.slice(300, 301)], (id) => Effect.either(store.get(id)))
        expect(lookups.map(Either.isLeft)).toEqual([true, true])
      })))

  // foreman turns WAL on itself, after its short busy timeout, rather than letting the client do it
  // as it opens (ADR-0041); a database left in rollback-journal mode would still work, only slower
  // and with readers blocked by every write, so nothing else would notice.
  it.effect("the database is in WAL mode and held with an exclusive lock", () =>
    withStore(() =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [journal] = yield* sql<{ readonly journalMode: string }>`PRAGMA journal_mode`
        const [locking] = yield* sql<{ readonly lockingMode: string }>`PRAGMA locking_mode`
        const [timeout] = yield* sql<{ readonly timeout: number }>`PRAGMA busy_timeout`
        expect(journal?.journalMode).toBe("wal")
        expect(locking?.lockingMode).toBe("exclusive")
        expect(timeout?.timeout).toBe(200)
      })
    ))
})
