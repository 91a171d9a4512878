import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// Two indexes carry the drain-by-model claim: (state, model, id) answers "oldest queued job for
// the resident model", (state, id) answers "oldest queued job overall". ULIDs sort by creation
// time, so ordering by id is FIFO without a separate created_at index.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL CHECK (mode IN ('sync', 'async')),
    endpoint TEXT NOT NULL CHECK (endpoint IN ('chat', 'generate')),
    model TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'loading', 'working', 'done', 'failed', 'cancelled')),
    attempt INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    webhook_url TEXT,
    error TEXT,
    error_status INTEGER,
    result TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  )`
  yield* sql`CREATE INDEX jobs_state_model_id ON jobs (state, model, id)`
  yield* sql`CREATE INDEX jobs_state_id ON jobs (state, id)`
  yield* sql`CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL`
  yield* sql`CREATE TABLE artifacts (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, name)
  )`
})
