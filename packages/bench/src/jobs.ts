import { Effect, Either, Option, Schema } from "effect"
import { performance } from "node:perf_hooks"
import { BenchError, fromResult, messageOf } from "./BenchError.js"
import type { HttpTarget } from "./http.js"
import { pollUntil } from "./poll.js"

// The async side of the measuring client: concurrent submitters for POST /jobs, and the few reads
// (job, job list, healthz, sim stats) that decide when a run is over. The submit loops are plain
// async, like http.ts, and hand their failures back as values; the reads are Effects.

export const chatBody = (model: string, content: string, extra: Readonly<Record<string, unknown>> = {}) =>
  JSON.stringify({ model, messages: [{ role: "user", content }], ...extra })

const decodeWith = <A, I>(schema: Schema.Schema<A, I>, what: string) => {
  const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
  return (text: string): Effect.Effect<A, BenchError> =>
    Either.mapLeft(decode(text), (error) => new BenchError({ message: `unexpected ${what}: ${error.message}; body: ${text.slice(0, 300)}` }))
}

const JobTimes = Schema.Struct({
  id: Schema.String,
  state: Schema.String,
  model: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String)
})
export type JobTimes = typeof JobTimes.Type

export const decodeJob = decodeWith(JobTimes, "job")
export const decodeJobList = decodeWith(
  Schema.Struct({ jobs: Schema.Array(JobTimes), next_cursor: Schema.NullOr(Schema.String) }),
  "job list"
)
export const decodeHealth = decodeWith(Schema.Struct({ degraded: Schema.Boolean, queued: Schema.Number }), "healthz")
const SimCounters = Schema.Struct({
  swaps: Schema.Number,
  loads: Schema.Number,
  generations: Schema.Number,
  maxConcurrentGenerations: Schema.Number
})
export type SimCounters = typeof SimCounters.Type
export const decodeSimStats = decodeWith(SimCounters, "sim stats")

export const simStats = (sim: HttpTarget): Effect.Effect<SimCounters, BenchError> =>
  Effect.flatMap(sim.expect("GET", "/_sim/stats", 200), (reply) => decodeSimStats(reply.body))

export const resetSimStats = (sim: HttpTarget): Effect.Effect<void, BenchError> =>
  Effect.asVoid(sim.expect("POST", "/_sim/reset-stats", 200, "{}"))

const jobIdPattern = /"job_id"\s*:\s*"([0-9A-HJKMNP-TV-Z]{26})"/

export interface Submitted {
  /** Job ids by submission index. */
  readonly ids: ReadonlyArray<string>
  /** Date.now() just before the first submit: comparable with the daemon's own timestamps. */
  readonly startedAtWall: number
  /** First submit to the last 202, in ms. */
  readonly submitMs: number
}

/**
 * Submits `count` jobs from `submitters` concurrent loops (each one request at a time, over its
 * own keep-alive connection); every answer must be 202 {"job_id"}. Gives up after `deadlineMs`.
 * The first failure stops every loop.
 */
export const submitJobs = (
  foreman: HttpTarget,
  count: number,
  submitters: number,
  body: (index: number) => string,
  deadlineMs = 30 * 60_000
): Effect.Effect<Submitted, BenchError> =>
  fromResult(async () => {
    const ids = new Array<string>(count)
    let next = 0
    let lastAccepted = 0
    let failure: string | undefined
    const startedAtWall = Date.now()
    const start = performance.now()
    const loop = async () => {
      for (let index = next++; index < count && failure === undefined; index = next++) {
        if (performance.now() - start > deadlineMs) {
          failure ??= `only ${index} of ${count} jobs submitted within ${deadlineMs / 60_000} min`
          return
        }
        const reply = await foreman.send("POST", "/jobs", { body: body(index), keepBody: true })
        const id = jobIdPattern.exec(reply.body)?.[1]
        if (reply.status !== 202 || id === undefined) {
          failure ??= `POST /jobs answered ${reply.status}: ${reply.body.slice(0, 300)}`
          return
        }
        ids[index] = id
        lastAccepted = performance.now()
      }
    }
    const guarded = () =>
      loop().catch((cause: unknown) => {
        failure ??= messageOf(cause)
      })
    await Promise.all(Array.from({ length: Math.min(submitters, count) }, guarded))
    return failure === undefined
      ? Either.right({ ids, startedAtWall, submitMs: lastAccepted - start })
      : Either.left(failure)
  })

const terminal = new Set(["done", "failed", "cancelled"])

/** Polls GET /jobs/{id} until the job is terminal; returns its view. */
export const awaitJob = (foreman: HttpTarget, id: string, timeoutMs: number, everyMs = 20): Effect.Effect<JobTimes, BenchError> =>
  pollUntil(
    Effect.flatMap(foreman.expect("GET", `/jobs/${id}`, 200), (reply) => decodeJob(reply.body)),
    (job) => terminal.has(job.state),
    {
      everyMs,
      timeoutMs,
      onTimeout: (last) =>
        new BenchError({
          message: `job ${id} still ${Option.match(last, { onNone: () => "unanswered", onSome: (job) => job.state })} after ${timeoutMs} ms`
        })
    }
  )

/** Every job in the daemon, newest first (paged). */
export const listJobs = (foreman: HttpTarget, limit = 100_000): Effect.Effect<ReadonlyArray<JobTimes>, BenchError> =>
  Effect.gen(function*() {
    const all: Array<JobTimes> = []
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`
      const page = yield* Effect.flatMap(foreman.expect("GET", `/jobs?limit=500${query}`, 200), (reply) => decodeJobList(reply.body))
      all.push(...page.jobs)
      cursor = page.next_cursor
    } while (cursor !== null && all.length < limit)
    return all
  })

/** Count of jobs in a state, by paging GET /jobs?state=… (bounded by `limit`). */
export const countInState = (foreman: HttpTarget, state: string, limit: number): Effect.Effect<number, BenchError> =>
  Effect.gen(function*() {
    let count = 0
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`
      const page = yield* Effect.flatMap(
        foreman.expect("GET", `/jobs?state=${state}&limit=500${query}`, 200),
        (reply) => decodeJobList(reply.body)
      )
      count += page.jobs.length
      cursor = page.next_cursor
    } while (cursor !== null && count < limit)
    return count
  })

export const wallMs = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso))

/** The largest ULID: with one model the worker drains FIFO, so this job finishes last. */
export const lastId = (ids: ReadonlyArray<string>): string => ids.reduce((max, id) => (id > max ? id : max), "")
