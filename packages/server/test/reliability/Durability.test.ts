import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { JobId } from "@foreman/domain"
import { Effect, Layer, Schema } from "effect"
import { join } from "node:path"
import { monotonicFactory } from "ulid"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { SqlLive } from "../../src/store/SqlLive.js"
import { Store } from "../../src/store/Store.js"
import { tempDir } from "../support/tempDir.js"
import { percentile, report, scaled } from "./support/scale.js"

const levels = [["off", 0], ["normal", 1], ["full", 2], ["extra", 3]] as const
const commits = scaled(300, 3_000)

describe("FOREMAN_SQLITE_SYNCHRONOUS (ADR-0017)", () => {
  it.live("is applied as PRAGMA synchronous, on a fresh file and on a reopened one alike", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      for (const [level, value] of levels) {
        const dbPath = join(dir, `${level}.db`)
        // Twice: the first open turns the file to WAL (where SQLite would otherwise stay at FULL),
        // the second opens a file that is already WAL (where it would otherwise drop to NORMAL).
        for (const round of ["fresh", "reopened"]) {
          const read = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly synchronous: number }>`PRAGMA synchronous`)
          const rows = yield* read.pipe(
            Effect.provide(SqlLive.pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath, FOREMAN_SQLITE_SYNCHRONOUS: level })))),
            Effect.scoped
          )
          expect(rows[0]?.synchronous, `${level}, ${round}`).toBe(value)
        }
      }
      // The default is normal, fresh file included.
      const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly synchronous: number }>`PRAGMA synchronous`).pipe(
        Effect.provide(SqlLive.pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: join(dir, "default.db") })))),
        Effect.scoped
      )
      expect(rows[0]?.synchronous).toBe(1)
    }).pipe(Effect.scoped))

  it.live("what each level costs per committed job on this disk (figures for ADR-0017)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const nextId = monotonicFactory()
      const toJobId = Schema.decodeSync(JobId)
      const figures: Record<string, string> = {}
      for (const [level] of levels) {
        const config = ForemanConfig.fromRecord({ FOREMAN_DB_PATH: join(dir, `cost-${level}.db`), FOREMAN_SQLITE_SYNCHRONOUS: level })
        const millis = yield* Effect.gen(function*() {
          const store = yield* Store
          const each: Array<number> = []
          for (let i = 0; i < commits; i++) {
            const started = performance.now()
            // One accepted job: its row and its queued event, in one transaction, as POST /jobs does.
            yield* store.insert({
              id: toJobId(nextId()),
              mode: "async",
              endpoint: "chat",
              api: "native",
              model: "llama3.2:1b",
              payload: `{"model":"llama3.2:1b","messages":[{"role":"user","content":"${i}"}]}`,
              webhookUrl: "http://127.0.0.1:9/hook"
            })
            each.push(performance.now() - started)
          }
          const count = yield* store.countQueued
          expect(count).toBe(commits)
          return each
        }).pipe(Effect.provide(Store.Default.pipe(Layer.provide(config))), Effect.scoped)
        figures[`${level}_p50_ms`] = percentile(millis, 50).toFixed(3)
        figures[`${level}_p99_ms`] = percentile(millis, 99).toFixed(3)
      }
      report("sqlite-synchronous", { commits, ...figures })
    }).pipe(Effect.scoped))
})
