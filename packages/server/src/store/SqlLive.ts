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
import outboxReceiverByOrigin from "./migrations/0010_outbox_receiver_by_origin.js"

export class DatabaseLocked extends Data.TaggedError("DatabaseLocked")<{ readonly path: string }> {
  override get message() {
    return `another foreman daemon is using the database ${this.path} (one daemon per database); stop it or set FOREMAN_DB_PATH to another file`
  }
}

/** FOREMAN_DB_PATH names a file SQLite cannot open or write: in a missing directory, a directory, read-only. */
export class DatabaseUnopenable extends Data.TaggedError("DatabaseUnopenable")<{ readonly path: string; readonly reason: string }> {
  override get message() {
    return `cannot open the database ${this.path}: ${this.reason}; fix it or set FOREMAN_DB_PATH to another file`
  }
}

/**
 * SQLite opens a file it may not write read-only without a word, and then reads, locks and even
 * migrates an up-to-date database: only a write tells. Rewriting `user_version` (foreman does not
 * use it) with the value it has is the smallest one.
 */
const provesWritable = (sql: SqlClient.SqlClient) =>
  sql.unsafe<{ readonly userVersion: number }>("PRAGMA user_version").pipe(
    Effect.flatMap((rows) => sql.unsafe(`PRAGMA user_version = ${rows[0]?.userVersion ?? 0}`))
  )

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
    yield* sql.unsafe("BEGIN EXCLUSIVE").pipe(Effect.zipRight(provesWritable(sql)), Effect.zipRight(sql.unsafe("COMMIT")))
  }).pipe(
    // SQLite opens any file lazily: one that is not a database fails here, at the first statement.
    Effect.mapError((error) => Option.getOrElse(openFailure(path, error.cause), () => error))
  )

/**
 * What stops SQLite using the file, said in one line: from the constructor (which reports it as a
 * defect, not a failure) or from the first statements. None for anything else.
 */
const openFailure = (path: string, cause: unknown): Option.Option<DatabaseLocked | DatabaseUnopenable> => {
  if (/locked|busy/i.test(`${cause}`)) return Option.some(new DatabaseLocked({ path }))
  if (/directory does not exist/i.test(`${cause}`)) {
    return Option.some(new DatabaseUnopenable({ path, reason: `its directory ${dirname(path)} does not exist` }))
  }
  const code = Predicate.hasProperty(cause, "code") ? cause.code : undefined
  const reason = code === "SQLITE_CANTOPEN"
    ? "SQLite cannot open it (a directory, or not writable?)"
    : typeof code === "string" && code.startsWith("SQLITE_READONLY")
    ? "it is not writable (check the owner and mode of the file and its directory)"
    : code === "SQLITE_NOTADB"
    ? "it is not a SQLite database"
    : code === "SQLITE_CORRUPT"
    ? "SQLite finds it corrupt"
    : undefined
  return reason === undefined ? Option.none() : Option.some(new DatabaseUnopenable({ path, reason }))
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
        "0009_pending_outbox_by_receiver": pendingOutboxByReceiver,
        "0010_outbox_receiver_by_origin": outboxReceiverByOrigin
      })
    })
  })
).pipe(Layer.provide(NodeContext.layer))

/** The SQLite client, holding the database's lock, with every migration applied. */
export const SqlLive = LockAndMigrate.pipe(Layer.provideMerge(ClientLive))
