import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// One row per state event of a job with a webhook, written in the transaction that changes the
// state. Event ids are monotonic ULIDs, so ordering by event_id is the order the states happened.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE webhook_outbox (
    event_id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  )`
  yield* sql`CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at)`
  yield* sql`CREATE INDEX webhook_outbox_job ON webhook_outbox (job_id, event_id)`
})
