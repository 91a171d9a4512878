import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

const add = (state: string, model: string, delta: number) =>
  `INSERT INTO job_counts (state, model, n) VALUES (${state}, ${model}, ${delta})
    ON CONFLICT (state, model) DO UPDATE SET n = n + ${delta};`

// A row whose count reaches 0 goes, so models long gone do not pile up.
const remove = (state: string, model: string) =>
  `${add(state, model, -1)}
    DELETE FROM job_counts WHERE state = ${state} AND model = ${model} AND n = 0;`

// The metrics scrape and /healthz counted jobs by state and queued jobs by model: O(rows kept),
// 98 ms at 1.1M rows, which blocks the event loop for every scrape while FOREMAN_JOB_TTL keeps a
// day of finished jobs. Triggers keep the counts in the statement that changes a job, so they can
// never drift from the rows, and the readers read a handful of rows (ADR-0029).
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE job_counts (
    state TEXT NOT NULL,
    model TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (state, model)
  ) WITHOUT ROWID`
  yield* sql`INSERT INTO job_counts (state, model, n) SELECT state, model, count(*) FROM jobs GROUP BY state, model`
  yield* sql.unsafe(`CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
    BEGIN ${add("NEW.state", "NEW.model", 1)} END`)
  yield* sql.unsafe(`CREATE TRIGGER jobs_count_state AFTER UPDATE OF state ON jobs WHEN OLD.state IS NOT NEW.state
    BEGIN ${remove("OLD.state", "OLD.model")} ${add("NEW.state", "NEW.model", 1)} END`)
  yield* sql.unsafe(`CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs
    BEGIN ${remove("OLD.state", "OLD.model")} END`)
})
