import * as SqlClient from "@effect/sql/SqlClient"
import { isTerminal, type JobEvent, type JobId, JobNotFound, type JobState } from "@foreman/domain"
import { Array as Arr, Effect, Option, Schema } from "effect"
import { decodeTime } from "ulid"
import { monotonicUlid } from "../ids/MonotonicUlid.js"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { deleteInBatches } from "./deleteInBatches.js"
import { jobEventBody } from "./JobEventBody.js"
import { JobRecord, type NewArtifact, type NewJob, type TransitionPatch } from "./JobRecord.js"
import { SqlLive } from "./SqlLive.js"
import { InvalidTransition } from "./StoreErrors.js"

export interface ArtifactMeta {
  readonly name: string
  readonly contentType: string
  readonly size: number
}

export interface Artifact extends ArtifactMeta {
  readonly data: Uint8Array
}

export interface JobFilter {
  readonly state?: JobState | undefined
  readonly model?: string | undefined
  readonly before?: JobId | undefined
  readonly limit: number
}

/** A job after a state change, with the event that announces it (webhook body, SSE data). */
export interface Transitioned {
  readonly job: JobRecord
  readonly previous: JobState | null
  readonly event: JobEvent
}

/** A job the worker claimed, and whether others were still queued behind it. */
export interface Claimed extends Transitioned {
  readonly moreQueued: boolean
}

const ArtifactRow = Schema.Struct({
  name: Schema.String,
  contentType: Schema.String,
  size: Schema.Number,
  data: Schema.Uint8ArrayFromSelf
})

/** The most job rows one INSERT binds: SQLite takes at most 32,766 parameters, and a row is 17. */
export const maxRowsPerInsert = 256

/** Jobs and artifacts in SQLite, and the job state machine: every transition names its from-state. */
export class Store extends Effect.Service<Store>()("foreman/Store", {
  dependencies: [SqlLive],
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* ForemanConfig
    const decodeJob = Schema.decodeUnknown(JobRecord)
    const decodeJobs = Schema.decodeUnknown(Schema.Array(JobRecord))
    const decodeArtifact = Schema.decodeUnknown(ArtifactRow)

    // Rows we wrote ourselves always decode; a failure here is a bug, not a runtime condition.
    const one = (rows: ReadonlyArray<unknown>) =>
      rows.length === 0 ? Effect.succeedNone : Effect.asSome(Effect.orDie(decodeJob(rows[0])))

    // The newest ids stored (both primary keys: no scan). Job ids order the queue and outbox event
    // ids a job's webhooks, so ids minted from here on sort after them even when the clock stepped
    // back across the restart (MonotonicUlid.ts).
    const newest = yield* sql`SELECT (SELECT max(id) FROM jobs) AS job, (SELECT max(event_id) FROM webhook_outbox) AS event`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Tuple(Schema.Struct({ job: Schema.NullOr(Schema.String), event: Schema.NullOr(Schema.String) })))),
      Effect.map(([row]) => row),
      Effect.orDie
    )
    const nextEventId = monotonicUlid(newest.event ?? undefined)

    /**
     * A write of more than one statement (a state change with artifacts) runs in a transaction; a
     * single statement is atomic by itself and skips one, which costs as much as two statements.
     */
    const atomically = <A, E, R>(inTransaction: boolean, write: Effect.Effect<A, E, R>) =>
      inTransaction ? sql.withTransaction(write) : write

    /**
     * Builds the state event. For a job with a webhook, triggers queue the event in the outbox within
     * the statement that writes the state (migrations 0005, 0008), except a terminal event with
     * artifacts: only Store renders those, so it is queued here, in the terminal write's transaction.
     */
    const announce = (eventId: string, job: JobRecord, previous: JobState | null, artifacts: ReadonlyArray<NewArtifact>) =>
      Effect.gen(function*() {
        const event = jobEventBody(eventId, job, previous, artifacts)
        if (job.webhookUrl !== null && isTerminal(job.state) && artifacts.length > 0) {
          yield* sql`INSERT INTO webhook_outbox ${
            sql.insert({
              eventId,
              jobId: job.id,
              url: job.webhookUrl,
              payload: JSON.stringify(event),
              status: "pending",
              attempts: 0,
              nextAttemptAt: job.updatedAt,
              createdAt: job.updatedAt
            })
          }`
        }
        return { job, previous, event } satisfies Transitioned
      })

    const find = (id: JobId) => sql`SELECT * FROM jobs WHERE id = ${id}`.pipe(Effect.flatMap(one))

    const get = Effect.fn("Store.get")(function*(id: JobId) {
      const job = yield* find(id)
      return yield* Option.match(job, {
        onNone: () => Effect.fail(new JobNotFound({ error: `job ${id} not found` })),
        onSome: Effect.succeed
      })
    })

    const record = (job: NewJob, now: number, eventId: string) =>
      JobRecord.make({
        ...job,
        api: job.api ?? "native",
        state: "queued",
        attempt: 0,
        maxAttempts: config.maxAttempts,
        error: null,
        errorStatus: null,
        result: null,
        createdAt: decodeTime(job.id),
        updatedAt: now,
        startedAt: null,
        finishedAt: null,
        eventId
        // Typed fields we just built: validating them again costs ~5 % of a submit's CPU.
      }, true)

    const queuedRow = (job: NewJob, now: number) => {
      const eventId = nextEventId()
      return { record: record(job, now, eventId), eventId }
    }

    const writeQueued = (rows: ReadonlyArray<ReturnType<typeof queuedRow>>) =>
      sql`INSERT INTO jobs ${sql.insert(rows.map(({ record }) => ({ ...record })))}`

    const insert = Effect.fn("Store.insert")(function*(job: NewJob) {
      const row = queuedRow(job, Date.now())
      yield* writeQueued([row])
      return yield* announce(row.eventId, row.record, null, [])
    })

    /**
     * Queues jobs, all or none: one statement for many rows costs about a tenth per row of one
     * statement each (ADR-0039). Past `maxRowsPerInsert` rows, several statements in a transaction.
     * The events come back in the order of `jobs`.
     */
    const insertAll = Effect.fn("Store.insertAll")(function*(jobs: ReadonlyArray<NewJob>) {
      const now = Date.now()
      const rows = jobs.map((job) => queuedRow(job, now))
      const statements = Arr.chunksOf(rows, maxRowsPerInsert)
      yield* atomically(statements.length > 1, Effect.forEach(statements, writeQueued, { discard: true }))
      return yield* Effect.forEach(rows, ({ eventId, record }) => announce(eventId, record, null, []))
    })

    const writeArtifacts = (id: JobId, artifacts: ReadonlyArray<NewArtifact>) =>
      Effect.forEach(artifacts, (artifact) =>
        sql`INSERT OR REPLACE INTO artifacts ${
          sql.insert({
            jobId: id,
            name: artifact.name,
            contentType: artifact.contentType,
            size: artifact.data.byteLength,
            data: artifact.data
          })
        }`, { discard: true })

    const transitionUnsafe = (
      id: JobId,
      from: JobState,
      to: JobState,
      patch: TransitionPatch,
      artifacts: ReadonlyArray<NewArtifact>
    ) =>
      Effect.gen(function*() {
        const now = Date.now()
        const eventId = nextEventId()
        // Before the state, so the terminal-event trigger sees them and leaves the event to `announce`.
        // A transition that finds the job moved fails the transaction, and they go with it.
        yield* writeArtifacts(id, artifacts)
        const rows = yield* sql`UPDATE jobs SET
            state = ${to},
            event_id = ${eventId},
            updated_at = ${now},
            started_at = CASE WHEN ${to} IN ('loading', 'working') THEN COALESCE(started_at, ${now}) ELSE started_at END,
            finished_at = ${isTerminal(to) ? now : null},
            attempt = COALESCE(${patch.attempt ?? null}, attempt),
            error = CASE WHEN ${patch.error === undefined ? 0 : 1} THEN ${patch.error ?? null} ELSE error END,
            error_status = CASE WHEN ${patch.errorStatus === undefined ? 0 : 1} THEN ${patch.errorStatus ?? null} ELSE error_status END,
            result = CASE WHEN ${patch.result === undefined ? 0 : 1} THEN ${patch.result ?? null} ELSE result END
          WHERE id = ${id} AND state = ${from}
          RETURNING *`
        const updated = yield* one(rows)
        if (Option.isSome(updated)) return yield* announce(eventId, updated.value, from, artifacts)
        const current = yield* get(id)
        return yield* Effect.fail(new InvalidTransition({ jobId: id, from, to, actual: current.state }))
      })

    /** Moves a job from the state it is in (`job.state`) to `to`, failing if it has moved since. */
    const transitionFrom = (job: JobRecord, to: JobState, patch: TransitionPatch, artifacts: ReadonlyArray<NewArtifact>) =>
      atomically(artifacts.length > 0, transitionUnsafe(job.id, job.state, to, patch, artifacts))

    /**
     * Moves a job from `job.state`, the state its caller last saw, to `to`; fails with
     * InvalidTransition if the job is no longer there.
     */
    const transition = Effect.fn("Store.transition")(function*(
      job: JobRecord,
      to: JobState,
      patch: TransitionPatch = {},
      artifacts: ReadonlyArray<NewArtifact> = []
    ) {
      return yield* transitionFrom(job, to, patch, artifacts)
    })

    /**
     * Claims the next job in drain-by-model order, in one statement: the oldest queued job if it has
     * waited past FOREMAN_MAX_WAIT (ADR-0018), else the resident model's oldest, else the oldest.
     * COALESCE stops at the first subquery that finds one, and each is one descent of an index, so
     * the claim costs the same at 100k queued as at 1. The pick and the move are one statement, so
     * a cancel cannot come between them. `moreQueued` says whether any job is still queued after
     * this one, so the worker can wait for a submit instead of looking again (ADR-0031).
     */
    const claimNext = Effect.fn("Store.claimNext")(function*(resident: string | null, maxWaitMillis: number | null = null) {
      const now = Date.now()
      const overdueBefore = maxWaitMillis === null ? -1 : now - maxWaitMillis
      const eventId = nextEventId()
      const rows = yield* sql<{ readonly moreQueued: number }>`UPDATE jobs SET
          state = CASE WHEN model = ${resident} THEN 'working' ELSE 'loading' END,
          event_id = ${eventId},
          updated_at = ${now},
          started_at = COALESCE(started_at, ${now}),
          attempt = attempt + 1
        WHERE state = 'queued' AND id = COALESCE(
          (SELECT id FROM (SELECT id, created_at FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1) WHERE created_at < ${overdueBefore}),
          (SELECT id FROM jobs WHERE state = 'queued' AND model = ${resident} ORDER BY id LIMIT 1),
          (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1))
        RETURNING *, EXISTS (SELECT 1 FROM jobs WHERE state = 'queued') AS more_queued`
      const row = rows[0]
      if (row === undefined) return Option.none<Claimed>()
      const claimed = yield* announce(eventId, yield* Effect.orDie(decodeJob(row)), "queued", [])
      return Option.some<Claimed>({ ...claimed, moreQueued: row.moreQueued === 1 })
    })

    /**
     * After a crash, running async jobs go back to the queue; sync jobs are cancelled because the
     * caller that was waiting for them is gone. The crashed attempt counts: a job that brings
     * foreman down on every one of its attempts (ADR-0028) fails instead of crash-looping it.
     */
    const recover = Effect.fn("Store.recover")(function*() {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const now = Date.now()
        // Only a row that does not decode is a bug; a failed statement (a read-only database) is the
        // caller's to report, so `foreman serve` says it in one line instead of a defect's stack.
        const interrupted = yield* sql`SELECT * FROM jobs WHERE mode = 'async' AND state IN ('loading', 'working') ORDER BY id`.pipe(
          Effect.flatMap((rows) => Effect.orDie(decodeJobs(rows)))
        )
        const resolved = yield* Effect.forEach(interrupted, (job) =>
          job.attempt >= job.maxAttempts
            ? transitionUnsafe(job.id, job.state, "failed", {
              error: `foreman stopped unexpectedly during ${job.attempt === 1 ? "the only attempt" : `all ${job.attempt} attempts`} of this job; not retried (FOREMAN_MAX_ATTEMPTS)`,
              errorStatus: 500
            }, [])
            : transitionUnsafe(job.id, job.state, "queued", {}, []))
        const cancelled = yield* sql`UPDATE jobs SET state = 'cancelled', updated_at = ${now}, finished_at = ${now},
            error = 'foreman restarted while the caller waited; the caller is gone'
          WHERE mode = 'sync' AND state IN ('queued', 'loading', 'working') RETURNING *`.pipe(Effect.flatMap((rows) => Effect.orDie(decodeJobs(rows))))
        return {
          requeued: resolved.filter((t) => t.job.state === "queued"),
          failed: resolved.filter((t) => t.job.state === "failed"),
          cancelled
        }
      }))
    })

    /** Queued sync jobs, oldest first: each has a caller holding a connection open for it. */
    const queuedSync = sql`SELECT * FROM jobs WHERE state = 'queued' AND mode = 'sync' ORDER BY id`.pipe(
      Effect.flatMap((rows) => Effect.orDie(decodeJobs(rows))),
      Effect.withSpan("Store.queuedSync")
    )

    /**
     * Deletes terminal jobs (and their artifacts and outbox rows) that finished before the cutoff,
     * except those with a webhook event still pending: the cascade would drop it undelivered. They
     * go in a later sweep, once it is delivered or dead. The check is one descent of the outbox's
     * job index per expired job.
     */
    const sweep = Effect.fn("Store.sweep")(function*(finishedBefore: number) {
      return yield* deleteInBatches((limit) =>
        sql`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ${finishedBefore}
          AND NOT EXISTS (SELECT 1 FROM webhook_outbox o INDEXED BY webhook_outbox_job WHERE o.job_id = jobs.id AND o.status = 'pending')
          LIMIT ${limit}) RETURNING id`.pipe(Effect.map((rows) => rows.length))
      )
    })

    // Counts come from job_counts, which triggers keep in step with the rows (migration 0007).
    const countQueued = sql<{ readonly n: number }>`SELECT coalesce(sum(n), 0) AS n FROM job_counts WHERE state = 'queued'`.pipe(
      Effect.map((rows) => rows[0]?.n ?? 0)
    )

    const listArtifacts = Effect.fn("Store.listArtifacts")(function*(id: JobId) {
      const rows = yield* sql<ArtifactMeta>`SELECT name, content_type, size FROM artifacts WHERE job_id = ${id} ORDER BY name`
      return rows.map((row): ArtifactMeta => ({ name: row.name, contentType: row.contentType, size: row.size }))
    })

    const getArtifact = Effect.fn("Store.getArtifact")(function*(id: JobId, name: string) {
      const rows = yield* sql`SELECT name, content_type, size, data FROM artifacts WHERE job_id = ${id} AND name = ${name}`
      if (rows.length === 0) return Option.none<Artifact>()
      return Option.some<Artifact>(yield* Effect.orDie(decodeArtifact(rows[0])))
    })

    /** Newest first; `before` is an exclusive cursor (a job id), so pages never overlap or skip. */
    const list = Effect.fn("Store.list")(function*(filter: JobFilter) {
      const rows = yield* sql`SELECT * FROM jobs WHERE ${
        sql.and([
          filter.state === undefined ? sql`1 = 1` : sql`state = ${filter.state}`,
          filter.model === undefined ? sql`1 = 1` : sql`model = ${filter.model}`,
          filter.before === undefined ? sql`1 = 1` : sql`id < ${filter.before}`
        ])
      } ORDER BY id DESC LIMIT ${filter.limit}`
      return yield* Effect.orDie(decodeJobs(rows))
    })

    /**
     * Where a queued job stands: jobs for the resident model go first (drain-by-model), then the
     * rest oldest first. An estimate: jobs submitted later for the resident model may still pass it.
     */
    const queuePosition = Effect.fn("Store.queuePosition")(function*(job: JobRecord, resident: string | null) {
      if (job.state !== "queued") return null
      const count = (rows: ReadonlyArray<{ readonly n: number }>) => rows[0]?.n ?? 0
      if (resident !== null && job.model === resident) {
        return 1 + count(yield* sql<{ readonly n: number }>`SELECT count(*) AS n FROM jobs
          WHERE state = 'queued' AND model = ${resident} AND id < ${job.id}`)
      }
      // Ahead: the resident model's whole backlog (from the trigger-kept counts, ADR-0029) and the
      // older jobs of other models. Each count walks one index alone; filtering the older jobs by
      // model instead would read every one of their rows (24 ms at 100k queued, against 5).
      const other = resident ?? ""
      return 1 + count(yield* sql<{ readonly n: number }>`SELECT
          (SELECT coalesce(sum(n), 0) FROM job_counts WHERE state = 'queued' AND model = ${other})
          + (SELECT count(*) FROM jobs WHERE state = 'queued' AND id < ${job.id})
          - (SELECT count(*) FROM jobs WHERE state = 'queued' AND model = ${other} AND id < ${job.id}) AS n`)
    })

    const countByState = sql<{ readonly state: JobState; readonly n: number }>`SELECT state, sum(n) AS n FROM job_counts GROUP BY state`

    const queuedByModel = sql<{ readonly model: string; readonly n: number }>`SELECT model, n FROM job_counts WHERE state = 'queued'`

    return {
      /** The newest job id stored when the store opened: new job ids must sort after it. */
      newestJobId: newest.job,
      countByState,
      queuedByModel,
      get,
      insert,
      insertAll,
      transition,
      claimNext,
      queuedSync,
      recover,
      sweep,
      countQueued,
      listArtifacts,
      getArtifact,
      list,
      queuePosition
    } as const
  })
}) {}
