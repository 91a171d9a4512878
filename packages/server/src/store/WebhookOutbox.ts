import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Schema } from "effect"
import { ulidTimePrefix } from "../ids/MonotonicUlid.js"
import { deleteInBatches } from "./deleteInBatches.js"
import { SqlLive } from "./SqlLive.js"

/** An undelivered state event as the due read returns it: everything but its body. */
export class DueEvent extends Schema.Class<DueEvent>("DueEvent")({
  eventId: Schema.String,
  jobId: Schema.String,
  url: Schema.String,
  /** Who receives it: the URL's origin, by which delivery slots are shared (ADR-0049). */
  receiver: Schema.String,
  /** Delivery attempts made so far. */
  attempts: Schema.Number
}) {}

/** One undelivered state event, with the exact JSON body to POST (and to sign). */
export class OutboxEvent extends DueEvent.extend<OutboxEvent>("OutboxEvent")({
  payload: Schema.String
}) {}

/** A row of the due read: a receiver and its due events, oldest first, as a JSON array of tuples. */
const DueRow = Schema.Struct({
  receiver: Schema.String,
  due: Schema.parseJson(Schema.Array(Schema.Tuple(Schema.String, Schema.String, Schema.String, Schema.Number)))
})
const PayloadRow = Schema.Struct({ eventId: Schema.String, payload: Schema.String })

/** How much one read of due events may return. */
export interface DueBounds {
  /** Read receivers (origins) that sort after this one ("" for the first). */
  readonly after: string
  readonly receivers: number
  readonly perReceiver: number
  /** Jobs whose head event is already being delivered: left out. */
  readonly exceptJobs: ReadonlyArray<string>
}

/**
 * The due read's statement (exported so a test can ask SQLite for its plan). Each step of
 * `receivers` is one seek in the index (a loose index scan), so a receiver's backlog is never
 * walked to find the next receiver. The hints pin the plans that stop at their limits
 * (migrations 0004, 0006, 0009, 0010). Each receiver's events come back as one JSON array from a
 * scalar subquery, and jobs in flight are left out by `due`: as a join on `event_id IN (…)` with a
 * `NOT IN json_each(…)` the same read cost 3–4× as much (packages/bench/findings.md).
 */
export const dueStatement = (sql: SqlClient.SqlClient, now: number, bounds: DueBounds) =>
  sql`WITH RECURSIVE receivers (receiver, n) AS (
        SELECT (SELECT min(receiver) FROM webhook_outbox INDEXED BY webhook_outbox_receiver
          WHERE status = 'pending' AND receiver > ${bounds.after}), 1
        UNION ALL
        SELECT (SELECT min(receiver) FROM webhook_outbox INDEXED BY webhook_outbox_receiver
          WHERE status = 'pending' AND receiver > r.receiver), r.n + 1
        FROM receivers r WHERE r.receiver IS NOT NULL AND r.n < ${bounds.receivers})
      SELECT r.receiver, (SELECT json_group_array(json_array(picked.event_id, picked.job_id, picked.url, picked.attempts)) FROM (
        SELECT d.event_id, d.job_id, d.url, d.attempts FROM webhook_outbox d INDEXED BY webhook_outbox_receiver
        WHERE d.status = 'pending' AND d.receiver = r.receiver AND d.next_attempt_at <= ${now}
          AND NOT EXISTS (SELECT 1 FROM webhook_outbox p INDEXED BY webhook_outbox_job
            WHERE p.job_id = d.job_id AND p.status = 'pending' AND p.event_id < d.event_id)
        ORDER BY d.event_id LIMIT ${bounds.perReceiver + bounds.exceptJobs.length}) picked) AS due
      FROM receivers r WHERE r.receiver IS NOT NULL`

/**
 * The webhook outbox's delivery side. Rows are written by Store in the transaction of the state
 * change they announce; this service hands them out in order and records how delivery went.
 */
export class WebhookOutbox extends Effect.Service<WebhookOutbox>()("foreman/WebhookOutbox", {
  dependencies: [SqlLive],
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(DueRow))
    const decodePayloads = Schema.decodeUnknown(Schema.Array(PayloadRow))

    /**
     * Events ready to send, read receiver by receiver: up to `receivers` receivers (origins) with
     * pending events, those after `after` in order, and for each its oldest due events, up to
     * `perReceiver`. Per job only the oldest pending event, and only once its backoff has passed,
     * so a job's events arrive in order. Every receiver read is listed, with due events or not, so
     * the caller can go on after the last one. Bodies are left out (a `done` body carries the
     * result): the caller reads those of the events it picks with `payloads`.
     */
    const due = Effect.fn("WebhookOutbox.due")(function*(now: number, bounds: DueBounds) {
      const rows = yield* dueStatement(sql, now, bounds)
      const read = yield* Effect.orDie(decode(rows))
      const except = new Set(bounds.exceptJobs)
      const receivers: Array<string> = []
      const events: Array<DueEvent> = []
      for (const { due, receiver } of read) {
        receivers.push(receiver)
        let taken = 0
        for (const [eventId, jobId, url, attempts] of due) {
          if (taken === bounds.perReceiver) break
          if (except.has(jobId)) continue
          taken++
          events.push(new DueEvent({ eventId, jobId, url, receiver, attempts }, true))
        }
      }
      return { receivers, events } as const
    })

    /** The events with their bodies, in the order given; an event no longer in the outbox is left out. */
    const withPayloads = Effect.fn("WebhookOutbox.withPayloads")(function*(events: ReadonlyArray<DueEvent>) {
      if (events.length === 0) return []
      const rows = yield* sql`SELECT event_id, payload FROM webhook_outbox WHERE event_id IN ${sql.in(events.map((e) => e.eventId))}`.pipe(
        Effect.flatMap(decodePayloads),
        Effect.orDie
      )
      const payloads = new Map(rows.map((row) => [row.eventId, row.payload]))
      return events.flatMap((event) => {
        const payload = payloads.get(event.eventId)
        return payload === undefined ? [] : [new OutboxEvent({ ...event, payload }, true)]
      })
    })

    /** Marks events delivered, each by the attempt that is in flight (one more than its row counts). */
    const delivered = Effect.fn("WebhookOutbox.delivered")(function*(eventIds: ReadonlyArray<string>) {
      const now = Date.now()
      yield* sql`UPDATE webhook_outbox SET status = 'delivered', attempts = attempts + 1, finished_at = ${now}, last_error = NULL
        WHERE event_id IN ${sql.in(eventIds)}`
    })

    const retryLater = Effect.fn("WebhookOutbox.retryLater")(function*(eventId: string, attempts: number, nextAttemptAt: number, error: string) {
      yield* sql`UPDATE webhook_outbox SET attempts = ${attempts}, next_attempt_at = ${nextAttemptAt}, last_error = ${error}
        WHERE event_id = ${eventId}`
    })

    /**
     * Makes every retry due later than `latest` due at `now`. Retry times are wall-clock times:
     * a clock that stepped back across a restart would otherwise hold them back by the step.
     */
    const retryFarOffNow = Effect.fn("WebhookOutbox.retryFarOffNow")(function*(now: number, latest: number) {
      yield* sql`UPDATE webhook_outbox INDEXED BY webhook_outbox_receiver SET next_attempt_at = ${now}
        WHERE status = 'pending' AND next_attempt_at > ${latest}`
    })

    /** Gives up on an event: the row stays (for inspection) and the job's next event may go. */
    const giveUp = Effect.fn("WebhookOutbox.giveUp")(function*(eventId: string, attempts: number, error: string) {
      const now = Date.now()
      yield* sql`UPDATE webhook_outbox SET status = 'dead', attempts = ${attempts}, finished_at = ${now}, last_error = ${error}
        WHERE event_id = ${eventId}`
    })

    /** Events not yet delivered or given up (read from the index of pending events alone). */
    const pendingCount = sql<{ readonly n: number }>`SELECT count(*) AS n FROM webhook_outbox WHERE status = 'pending'`.pipe(
      Effect.map((rows) => rows[0]?.n ?? 0)
    )

    const counts = sql<{ readonly status: string; readonly n: number }>`SELECT status, count(*) AS n FROM webhook_outbox GROUP BY status`.pipe(
      Effect.map((rows) => ({
        pending: rows.find((r) => r.status === "pending")?.n ?? 0,
        delivered: rows.find((r) => r.status === "delivered")?.n ?? 0,
        dead: rows.find((r) => r.status === "dead")?.n ?? 0
      }))
    )

    /**
     * Drops delivered and given-up rows finished before the cutoff (FOREMAN_JOB_TTL). An event
     * finishes after it is written and its id is a ULID of the time it was written, so only ids
     * older than the cutoff can qualify: the search walks those alone, not the whole outbox (a
     * full scan of 1M kept rows held the event loop for 227 ms every sweep). An id minted after the
     * clock stepped back may wait for its job's own sweep.
     */
    const sweep = Effect.fn("WebhookOutbox.sweep")(function*(finishedBefore: number) {
      const writtenBefore = ulidTimePrefix(finishedBefore)
      return yield* deleteInBatches((limit) =>
        sql`DELETE FROM webhook_outbox WHERE event_id IN (SELECT event_id FROM webhook_outbox
          WHERE event_id < ${writtenBefore} AND status != 'pending' AND finished_at < ${finishedBefore} LIMIT ${limit})
          RETURNING event_id`.pipe(
          Effect.map((rows) => rows.length)
        )
      )
    })

    return { due, withPayloads, delivered, retryLater, retryFarOffNow, giveUp, pendingCount, counts, sweep } as const
  })
}) {}
