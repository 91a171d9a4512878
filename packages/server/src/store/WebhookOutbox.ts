import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Schema } from "effect"
import { ulidTimePrefix } from "../ids/MonotonicUlid.js"
import { deleteInBatches } from "./deleteInBatches.js"
import { SqlLive } from "./SqlLive.js"

/** One undelivered state event, as the dispatcher sees it. */
export class OutboxEvent extends Schema.Class<OutboxEvent>("OutboxEvent")({
  eventId: Schema.String,
  jobId: Schema.String,
  url: Schema.String,
  /** The exact JSON body to POST (and to sign). */
  payload: Schema.String,
  /** Delivery attempts made so far. */
  attempts: Schema.Number
}) {}

/**
 * The webhook outbox's delivery side. Rows are written by Store in the transaction of the state
 * change they announce; this service hands them out in order and records how delivery went.
 */
export class WebhookOutbox extends Effect.Service<WebhookOutbox>()("foreman/WebhookOutbox", {
  dependencies: [SqlLive],
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = Schema.decodeUnknown(Schema.Array(OutboxEvent))

    /**
     * Events ready to send: per job only the oldest pending one (so a job's events arrive in
     * order), and only once its backoff has passed. Oldest first.
     */
    const due = Effect.fn("WebhookOutbox.due")(function*(now: number, limit: number) {
      // The hints pin the plan that stops at the limit: left alone, SQLite sorts every due event,
      // or walks every earlier event for the NOT EXISTS (migrations 0004, 0006).
      const rows = yield* sql`SELECT o.event_id, o.job_id, o.url, o.payload, o.attempts
        FROM webhook_outbox o INDEXED BY webhook_outbox_pending
        WHERE o.status = 'pending' AND o.next_attempt_at <= ${now}
          AND NOT EXISTS (SELECT 1 FROM webhook_outbox p INDEXED BY webhook_outbox_job
            WHERE p.job_id = o.job_id AND p.status = 'pending' AND p.event_id < o.event_id)
        ORDER BY o.event_id LIMIT ${limit}`
      return yield* Effect.orDie(decode(rows))
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

    /** Gives up on an event: the row stays (for inspection) and the job's next event may go. */
    const giveUp = Effect.fn("WebhookOutbox.giveUp")(function*(eventId: string, attempts: number, error: string) {
      const now = Date.now()
      yield* sql`UPDATE webhook_outbox SET status = 'dead', attempts = ${attempts}, finished_at = ${now}, last_error = ${error}
        WHERE event_id = ${eventId}`
    })

    /** Events not yet delivered or given up (read from the pending index alone). */
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

    return { due, delivered, retryLater, giveUp, pendingCount, counts, sweep } as const
  })
}) {}
