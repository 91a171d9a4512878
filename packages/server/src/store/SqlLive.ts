import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqliteMigrator from "@effect/sql-sqlite-node/SqliteMigrator"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Context, Data, Effect, Layer, Option, Predicate, String } from "effect"
import { dirname } from "node:path"
import { ForemanConfig, type SqliteSynchronous } from "../config/ForemanConfig.js"
import jobs from "./migrations/0001_jobs.js"
import webhookOutbox from "./migrations/0002_webhook_outbox.js"
import jobApi from "./migrations/0003_job_api.js"
import outboxPendingOrder from "./migrations/0004_outbox_pending_order.js"
import stateEventsByTrigger from "./migrations/0005_state_events_by_trigger.js"
import pendingOutboxIndex from "./migrations/0006_pending_outbox_index.js"
import jobCounts from "./migrations/0007_job_counts.js"
import terminalEventsByTrigger from "./migrations/0008_terminal_events_by_trigger.js"
import pendingOutboxByReceiver from "./migrations/0009_pending_outbox_by_receiver.js"

export class DatabaseLocked extends Data.TaggedError("DatabaseLocked")<{ readonly path: string }> {
  override get message() {
    return `another foreman daemon is using the database ${this.path} (one daemon per database); stop it or set FOREMAN_DB_PATH to another file`
  }
}

/** FOREMAN_DB_PATH names a file SQLite cannot open: in a missing directory, a directory, unwritable. */
export class DatabaseUnopenable extends Data.TaggedError("DatabaseUnopenable")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot open the database ${this.path}: ${this.reason}; fix it or set FOREMAN_DB_PATH to another file`
  }
}

// EXCLUSIVE locking mode makes SQLite keep its file lock for the life of the connection, and the
// operating system drops it when the process dies, so a SIGKILLed daemon never leaves a stale lock.
// WAL is turned on here, after the short busy timeout, not by the client as it opens: there it
// would wait better-sqlite3's default 5 s on a database another daemon holds (ADR-0041).
// `synchronous` is set explicitly (ADR-0017): left alone, it would be FULL on the run that turns a
// new file to WAL and NORMAL on every later one (better-sqlite3's SQLITE_DEFAULT_WAL_SYNCHRONOUS).
const holdExclusiveLock = (path: string, synchronous: SqliteSynchronous) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe("PRAGMA busy_timeout = 200")
    yield* sql.unsafe("PRAGMA journal_mode = WAL")
    yield* sql.unsafe("PRAGMA locking_mode = EXCLUSIVE")
    yield* sql.unsafe("PRAGMA foreign_keys = ON")
    yield* sql.unsafe(`PRAGMA synchronous = ${synchronous.toUpperCase()}`)
    yield* sql.unsafe("BEGIN EXCLUSIVE").pipe(Effect.zipRight(sql.unsafe("COMMIT")))
  }).pipe(
    Effect.mapError((error) => {
      if (/locked|busy/i.test(`${error.message} ${error.cause}`)) return new DatabaseLocked({ path })
      // SQLite opens any file lazily: one that is not a database fails at the first statement.
      const code = Predicate.hasProperty(error.cause, "code") ? error.cause.code : undefined
      if (code === "SQLITE_NOTADB") return new DatabaseUnopenable({ path, reason: "it is not a SQLite database" })
      if (code === "SQLITE_CORRUPT") return new DatabaseUnopenable({ path, reason: "SQLite finds it corrupt" })
      return error
    })
  )

// The constructor reports what stops it opening the file as a defect, not a failure: a lock error
// is turned into DatabaseLocked too, and a file it cannot open into DatabaseUnopenable.
const openFailure = (path: string, defect: unknown): Option.Option<DatabaseLocked | DatabaseUnopenable> => {
  if (/locked|busy/i.test(`${defect}`)) return Option.some(new DatabaseLocked({ path }))
  if (/directory does not exist/i.test(`${defect}`)) {
    return Option.some(new DatabaseUnopenable({ path, reason: `its directory ${dirname(path)} does not exist` }))
  }
  if (Predicate.hasProperty(defect, "code") && defect.code === "SQLITE_CANTOPEN") {
    return Option.some(new DatabaseUnopenable({ path, reason: "SQLite cannot open it (a directory, or not writable?)" }))
  }
  return Option.none()
}

const ClientLive = Layer.scopedContext(
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    const client = yield* SqliteClient.make({
      filename: config.dbPath,
      disableWAL: true,
      transformQueryNames: String.camelToSnake,
      transformResultNames: String.snakeToCamel
    }).pipe(
      Effect.catchAllDefect((defect) =>
        Option.match(openFailure(config.dbPath, defect), { onNone: () => Effect.die(defect), onSome: Effect.fail })
      )
    )
    return Context.make(SqliteClient.SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client))
  })
).pipe(Layer.provide(Reactivity.layer))

const LockAndMigrate = Layer.effectDiscard(
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    yield* holdExclusiveLock(config.dbPath, config.sqliteSynchronous)
    yield* SqliteMigrator.run({
      loader: SqliteMigrator.fromRecord({
        "0001_jobs": jobs,
        "0002_webhook_outbox": webhookOutbox,
        "0003_job_api": jobApi,
        "0004_outbox_pending_order": outboxPendingOrder,
        "0005_state_events_by_trigger": stateEventsByTrigger,
        "0006_pending_outbox_index": pendingOutboxIndex,
        "0007_job_counts": jobCounts,
        "0008_terminal_events_by_trigger": terminalEventsByTrigger,
        "0009_pending_outbox_by_receiver": pendingOutboxByReceiver
      })
    })
  })
).pipe(Layer.provide(NodeContext.layer))

/** The SQLite client, holding the database's lock, with every migration applied. */
export const SqlLive = LockAndMigrate.pipe(Layer.provideMerge(ClientLive))
