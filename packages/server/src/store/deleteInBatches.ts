import type * as SqlError from "@effect/sql/SqlError"
import { Duration, Effect } from "effect"

/** Rows one sweep statement deletes: about 20 ms of SQLite work here, so no request waits long. */
export const sweepBatch = 2_000

/**
 * Runs `deleteBatch(limit)` (a DELETE of at most `limit` rows, returning how many it deleted) until
 * a batch comes back short, and returns the total. A sweep after a busy hour deletes hundreds of
 * thousands of rows: as one statement that held the event loop for seconds (1M jobs: 9 s). Between
 * batches it yields to the event loop (a timer, not just the fiber scheduler), so requests go on.
 */
export const deleteInBatches = (deleteBatch: (limit: number) => Effect.Effect<number, SqlError.SqlError>) =>
  Effect.gen(function*() {
    let total = 0
    while (true) {
      const deleted = yield* deleteBatch(sweepBatch)
      total += deleted
      if (deleted < sweepBatch) return total
      yield* Effect.sleep(Duration.zero)
    }
  })
