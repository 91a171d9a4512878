import type { SqlClient } from "@effect/sql"
import { JobId } from "@foreman/domain"
import { Effect, Layer, Schema } from "effect"
import { monotonicFactory } from "ulid"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { SqlLive } from "../../src/store/SqlLive.js"
import { Store } from "../../src/store/Store.js"

const nextId = monotonicFactory()

/**
 * Runs `seed` on the database at `dbPath` and closes it, leaving what a daemon started on it will
 * find there (the database takes one holder at a time).
 */
export const seedDatabase = <A, E>(dbPath: string, seed: Effect.Effect<A, E, Store | SqlClient.SqlClient>, env: Readonly<Record<string, string>> = {}) =>
  seed.pipe(
    Effect.provide(Layer.merge(SqlLive, Store.Default).pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath, ...env })))),
    Effect.scoped
  )

/** Queues a job without a webhook. */
export const queueJob = (mode: "sync" | "async", model = "llama3.2:1b") =>
  Effect.flatMap(Store, (store) =>
    store.insert({ id: Schema.decodeSync(JobId)(nextId()), mode, endpoint: "chat", model, payload: "{}", webhookUrl: null })
  ).pipe(Effect.map(({ job }) => job))
