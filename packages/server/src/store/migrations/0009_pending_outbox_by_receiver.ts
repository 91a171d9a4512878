import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// The dispatcher read the oldest due events of all receivers together, so one receiver's backlog of
// retries filled every delivery slot and the others waited minutes (ADR-0048). It now reads each
// receiver's due events apart: pending events by receiver, then in event order. The index it
// replaces held the same rows, so an outbox write still touches one partial index.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP INDEX webhook_outbox_pending`
  yield* sql`CREATE INDEX webhook_outbox_receiver ON webhook_outbox (url, event_id) WHERE status = 'pending'`
})
