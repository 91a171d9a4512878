import { Either, Schema } from "effect"
import { performance } from "node:perf_hooks"
import { type HttpTarget, sleep } from "./http.js"

// The async side of the measuring client: concurrent submitters for POST /jobs, and the few reads
// (job, job list, healthz, sim stats) that decide when a run is over. Plain async, like http.ts.

export const chatBody = (model: string, content: string, extra: Readonly<Record<string, unknown>> = {}) =>
  JSON.stringify({ model, messages: [{ role: "user", content }], ...extra })

const decodeWith = <A, I>(schema: Schema.Schema<A, I>, what: string) => {
  const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
  return (text: string): A =>
    Either.getOrElse(decode(text), (error) => {
      throw new Error(`unexpected ${what}: ${error.message}; body: ${text.slice(0, 300)}`)
    })
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
export const decodeSimStats = decodeWith(
  Schema.Struct({
    swaps: Schema.Number,
    loads: Schema.Number,
    generations: Schema.Number,
    maxConcurrentGenerations: Schema.Number
  }),
  "sim stats"
)
export type SimCounters = ReturnType<typeof decodeSimStats>

export const simStats = async (sim: HttpTarget): Promise<SimCounters> =>
  decodeSimStats((await sim.expect("GET", "/_sim/stats", 200)).body)

export const resetSimStats = async (sim: HttpTarget): Promise<void> => {
  await sim.expect("POST", "/_sim/reset-stats", 200, "{}")
}

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
 */
export const submitJobs = async (
  foreman: HttpTarget,
  count: number,
  submitters: number,
  body: (index: number) => string,
  deadlineMs = 30 * 60_000
): Promise<Submitted> => {
  const ids = new Array<string>(count)
  let next = 0
  let lastAccepted = 0
  const startedAtWall = Date.now()
  const start = performance.now()
  const loop = async () => {
    for (let index = next++; index < count; index = next++) {
      if (performance.now() - start > deadlineMs) {
        throw new Error(`only ${index} of ${count} jobs submitted within ${deadlineMs / 60_000} min`)
      }
      const reply = await foreman.send("POST", "/jobs", { body: body(index), keepBody: true })
      const id = jobIdPattern.exec(reply.body)?.[1]
      if (reply.status !== 202 || id === undefined) {
        throw new Error(`POST /jobs answered ${reply.status}: ${reply.body.slice(0, 300)}`)
      }
      ids[index] = id
      lastAccepted = performance.now()
    }
  }
  await Promise.all(Array.from({ length: Math.min(submitters, count) }, loop))
  return { ids, startedAtWall, submitMs: lastAccepted - start }
}

const terminal = new Set(["done", "failed", "cancelled"])

/** Polls GET /jobs/{id} until the job is terminal; returns its view. */
export const awaitJob = async (foreman: HttpTarget, id: string, timeoutMs: number, everyMs = 20): Promise<JobTimes> => {
  const start = performance.now()
  for (;;) {
    const job = decodeJob((await foreman.expect("GET", `/jobs/${id}`, 200)).body)
    if (terminal.has(job.state)) return job
    if (performance.now() - start > timeoutMs) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`)
    await sleep(everyMs)
  }
}

/** Every job in the daemon, newest first (paged). */
export const listJobs = async (foreman: HttpTarget, limit = 100_000): Promise<ReadonlyArray<JobTimes>> => {
  const all: Array<JobTimes> = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? "" : `&cursor=${cursor}`
    const page = decodeJobList((await foreman.expect("GET", `/jobs?limit=500${query}`, 200)).body)
    all.push(...page.jobs)
    cursor = page.next_cursor
  } while (cursor !== null && all.length < limit)
  return all
}

/** Count of jobs in a state, by paging GET /jobs?state=… (bounded by `limit`). */
export const countInState = async (foreman: HttpTarget, state: string, limit: number): Promise<number> => {
  let count = 0
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? "" : `&cursor=${cursor}`
    const page = decodeJobList((await foreman.expect("GET", `/jobs?state=${state}&limit=500${query}`, 200)).body)
    count += page.jobs.length
    cursor = page.next_cursor
  } while (cursor !== null && count < limit)
  return count
}

export const wallMs = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso))

/** The largest ULID: with one model the worker drains FIFO, so this job finishes last. */
export const lastId = (ids: ReadonlyArray<string>): string => ids.reduce((max, id) => (id > max ? id : max), "")
