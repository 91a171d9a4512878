import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// A receiver was told apart by its whole URL, so a host serving per-job callback URLs counted as
// one receiver per job and, hanging, could hold every delivery slot (ADR-0049). It is now told
// apart by its origin: scheme and authority, user info dropped, lower-cased. URLs are stored as the
// caller gave them, so this is read from the text as written (a URL's authority ends at its first
// `/`, `?` or `#`); a spelling URL.origin would normalise (a default port written out) only
// counts as a receiver of its own, as every URL did before.
const afterScheme = "substr(url, instr(url, '://') + 3)"
const upTo = (text: string, mark: string) => `substr(${text}, 1, instr(${text} || '${mark}', '${mark}') - 1)`
const authority = upTo(upTo(upTo(afterScheme, "/"), "?"), "#")
const hostAndPort = `substr(${authority}, instr(${authority}, '@') + 1)`

/** The outbox's `receiver` column: the origin of the row's `url`, as SQLite computes it. */
export const receiverOfUrl = `lower(substr(url, 1, instr(url, '://') + 2) || ${hostAndPort})`

// A virtual column costs no rewrite of the table; the index stores it, so reads never compute it.
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`ALTER TABLE webhook_outbox ADD COLUMN receiver TEXT GENERATED ALWAYS AS (${receiverOfUrl}) VIRTUAL`)
  yield* sql`DROP INDEX webhook_outbox_receiver`
  yield* sql`CREATE INDEX webhook_outbox_receiver ON webhook_outbox (receiver, event_id) WHERE status = 'pending'`
})
