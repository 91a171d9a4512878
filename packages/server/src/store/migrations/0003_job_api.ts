import * as SqlClient from "@effect/sql/SqlClient"
import { Effect } from "effect"

// OpenAI-compatible /v1 generations are jobs too. A column beside `endpoint` says which wire
// family to speak to the target; adding it avoids rebuilding the table (and its foreign keys).
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE jobs ADD COLUMN api TEXT NOT NULL DEFAULT 'native' CHECK (api IN ('native', 'openai'))`
})
