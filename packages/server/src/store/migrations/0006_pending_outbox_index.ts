import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// Every outbox write touched two indexes on `status`: one for a "next due" query nothing used, one
// that kept delivered events (hours of them, until FOREMAN_JOB_TTL sweeps them) beside the pending
// ones. Pending events alone now, in event order: a delivered mark takes the row out of the index,
// and counting pending events (the metrics scrape) reads only them.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP INDEX webhook_outbox_due`
  yield* sql`DROP INDEX webhook_outbox_pending`
  yield* sql`CREATE INDEX webhook_outbox_pending ON webhook_outbox (event_id) WHERE status = 'pending'`
})
