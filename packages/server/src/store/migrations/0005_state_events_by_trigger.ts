import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

/** Epoch milliseconds as `Date.toISOString` writes them: `%f` is seconds with three decimals. */
export const isoTimestampSql = (millis: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${millis} / 1000.0, 'unixepoch')`

/**
 * The webhook body of a non-terminal state event, built by SQLite from the jobs row. Key for key
 * what `jobEventBody` builds for the same row (Store.test.ts compares the two byte for byte).
 */
const eventPayload = (previousState: string) =>
  `json_object(
    'event_id', NEW.event_id,
    'job_id', NEW.id,
    'state', NEW.state,
    'previous_state', ${previousState},
    'timestamp', ${isoTimestampSql("NEW.updated_at")},
    'model', NEW.model,
    'attempt', NEW.attempt)`

const queueEvent = (previousState: string) =>
  `INSERT INTO webhook_outbox (event_id, job_id, url, payload, status, attempts, next_attempt_at, created_at)
    VALUES (NEW.event_id, NEW.id, NEW.webhook_url, ${eventPayload(previousState)}, 'pending', 0, NEW.updated_at, NEW.updated_at);`

// A state change and its outbox row must be written together. As one statement with a trigger they
// cost a third of a transaction of two statements through the SQL client (ADR-0026). `event_id` is
// the id of the event that announced the job's current state; Store sets it with every change, so
// the in-memory event (SSE) and the webhook share it. Terminal events carry the result and the
// artifacts, which only the application renders: Store writes those rows itself, in the terminal
// transaction.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE jobs ADD COLUMN event_id TEXT`
  yield* sql.unsafe(`CREATE TRIGGER jobs_queued_event AFTER INSERT ON jobs
    WHEN NEW.webhook_url IS NOT NULL AND NEW.event_id IS NOT NULL
    BEGIN ${queueEvent("NULL")} END`)
  yield* sql.unsafe(`CREATE TRIGGER jobs_state_event AFTER UPDATE OF state ON jobs
    WHEN NEW.webhook_url IS NOT NULL AND NEW.event_id IS NOT NULL AND NEW.event_id IS NOT OLD.event_id
      AND NEW.state IN ('queued', 'loading', 'working')
    BEGIN ${queueEvent("OLD.state")} END`)
})
