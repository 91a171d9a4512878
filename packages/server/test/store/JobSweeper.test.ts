import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import type { JobId } from "@foreman/domain"
import { Effect, Either, Schedule } from "effect"
import { join } from "node:path"
import { Store } from "../../src/store/Store.js"
import { startForeman } from "../support/foreman.js"
import { tempDir } from "../support/tempDir.js"
import { queueJob, seedDatabase } from "./seed.js"

/** A job cancelled `ago` milliseconds back. */
const finishedAgo = (ago: number) =>
  Effect.gen(function*() {
    const store = yield* Store
    const sql = yield* SqlClient.SqlClient
    const job = yield* queueJob("async")
    yield* store.transition(job, "cancelled")
    yield* sql`UPDATE jobs SET finished_at = ${Date.now() - ago} WHERE id = ${job.id}`
    return job.id
  })

describe("JobSweeper", () => {
  it.live("sweeps at start: jobs already past the TTL are gone soon after the daemon starts, not a quarter TTL later", () =>
    Effect.gen(function*() {
      const dbPath = join(yield* tempDir, "foreman.db")
      const minute = 60_000
      const { expired, kept } = yield* seedDatabase(dbPath, Effect.all({ expired: finishedAgo(5 * minute), kept: finishedAgo(minute) }))

      // A 4m TTL: the first scheduled sweep would come a minute after start.
      const foreman = yield* startForeman({ env: { FOREMAN_DB_PATH: dbPath, FOREMAN_JOB_TTL: "4m" } })
      const exists = (id: JobId) => foreman.run(Effect.map(Effect.either(Effect.flatMap(Store, (store) => store.get(id))), Either.isRight))
      yield* exists(expired).pipe(
        Effect.repeat({ schedule: Schedule.spaced("50 millis"), while: (found) => found }),
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the expired job was not swept at start") })
      )
      expect(yield* exists(kept)).toBe(true)
    }).pipe(Effect.scoped))
})
