import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { isoTimestampSql } from "./0005_state_events_by_trigger.js"

// The result is the target's answer as stored: JSON goes in as JSON, anything else as a string,
// as `parsedResult` hands it out. SQLite keeps its bytes (escapes, number spellings) where
// JSON.parse and JSON.stringify would respell them, so the two bodies are equal as JSON.
const terminalPayload = `json_object(
    'event_id', NEW.event_id,
    'job_id', NEW.id,
    'state', NEW.state,
    'previous_state', OLD.state,
    'timestamp', ${isoTimestampSql("NEW.updated_at")},
    'model', NEW.model,
    'attempt', NEW.attempt,
    'result', CASE WHEN json_valid(NEW.result) THEN json(NEW.result) ELSE NEW.result END,
    'artifacts', json_array(),
    'error', NEW.error)`

// A terminal event of a job with a webhook was an outbox row Store wrote beside the state change,
// which made every such change a transaction of two statements (ADR-0033). Without artifacts the
// body needs nothing SQLite lacks, so the trigger writes it in the statement that changes the
// state. Artifacts (inline base64 under 256 KiB) are still rendered by Store: it writes them before
// the state, so the trigger sees them and leaves that event to Store.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TRIGGER jobs_terminal_event AFTER UPDATE OF state ON jobs
    WHEN NEW.webhook_url IS NOT NULL AND NEW.event_id IS NOT NULL AND NEW.event_id IS NOT OLD.event_id
      AND NEW.state IN ('done', 'failed', 'cancelled')
      AND NOT EXISTS (SELECT 1 FROM artifacts WHERE job_id = NEW.id)
    BEGIN
      INSERT INTO webhook_outbox (event_id, job_id, url, payload, status, attempts, next_attempt_at, created_at)
      VALUES (NEW.event_id, NEW.id, NEW.webhook_url, ${terminalPayload}, 'pending', 0, NEW.updated_at, NEW.updated_at);
    END`)
})
