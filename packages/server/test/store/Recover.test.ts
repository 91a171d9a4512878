import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { join } from "node:path"
import { Store } from "../../src/store/Store.js"
import { tempDir } from "../support/tempDir.js"
import { queueJob, seedDatabase } from "./seed.js"

describe("Store.recover", () => {
  // It used to die on any failed statement, so `foreman serve` on a read-only database printed a
  // defect's stack instead of its one line.
  it.live("a database that refuses the writes fails it with SqlError, not a defect", () =>
    Effect.gen(function*() {
      const dbPath = join(yield* tempDir, "foreman.db")
      const recovered = yield* seedDatabase(
        dbPath,
        Effect.gen(function*() {
          yield* queueJob("sync")
          const sql = yield* SqlClient.SqlClient
          // SQLite's own read-only switch: every write fails with SQLITE_READONLY, as on a file it may not write.
          yield* sql.unsafe("PRAGMA query_only = ON")
          return yield* Effect.either(Effect.flatMap(Store, (store) => store.recover()))
        })
      )
      expect(Option.map(Either.getLeft(recovered), (error) => error._tag)).toEqual(Option.some("SqlError"))
    }).pipe(Effect.scoped))
})
