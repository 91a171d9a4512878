import { describe, expect, it } from "@effect/vitest"
import type { JobId } from "@foreman/domain"
import { Effect, Either, Exit, Fiber, Layer, Schema, Scope, Tracer } from "effect"
import { join } from "node:path"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { SqlLive } from "../../src/store/SqlLive.js"
import { Jobs } from "../../src/jobs/Jobs.js"
import { Store } from "../../src/store/Store.js"
import { postJson, type RunningForeman, startForeman } from "../support/foreman.js"
import { recordingTracer } from "../support/recordingTracer.js"
import { tempDir } from "../support/tempDir.js"

const model = "llama3.2:1b"
const decodeAccepted = Schema.decodeUnknownSync(Schema.Struct({ job_id: Schema.String }))

const submit = (foreman: RunningForeman, id?: JobId) =>
  foreman.run(Effect.flatMap(Jobs, (jobs) =>
    Effect.flatMap(id === undefined ? jobs.newId : Effect.succeed(id), (jobId) =>
      jobs.submit({ id: jobId, mode: "async", endpoint: "chat", model, payload: JSON.stringify({ model, messages: [] }), webhookUrl: null }).pipe(
        Effect.map((job) => ({ asked: jobId, job }))
      ))))

const groupSizes = (spans: ReadonlyArray<Tracer.Span>) =>
  spans.filter((span) => span.name === "JobIntake.write").map((span) => Number(span.attributes.get("jobs")))

describe("JobIntake", () => {
  it.live("submits that arrive together are written in shared statements, each submitter getting its own job", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      // Long generations keep the worker on the first job, so the store still holds the rest queued.
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 200 } }).pipe(Effect.withTracer(tracer))
      const submitted = yield* Effect.all(Array.from({ length: 40 }, () => submit(foreman)), { concurrency: "unbounded" }).pipe(
        Effect.withTracer(tracer)
      )

      for (const { asked, job } of submitted) expect(job.id).toBe(asked)
      expect(new Set(submitted.map(({ job }) => job.id)).size).toBe(40)
      const stored = yield* foreman.run(Effect.flatMap(Store, (store) => Effect.forEach(submitted, ({ job }) => store.get(job.id))))
      expect(stored.map((job) => job.id)).toEqual(submitted.map(({ job }) => job.id))

      // The first of a burst comes alone and is written at once; the rest share statements.
      expect(Math.max(0, ...groupSizes(spans))).toBeGreaterThan(1)
    }).pipe(Effect.scoped))

  // Over HTTP each request arrives in its own I/O callback; only waiting for the callbacks already
  // ready lets a burst share a statement.
  it.live("a burst of POST /jobs over many connections shares statements; every caller gets its own 202", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 200 } }).pipe(Effect.withTracer(tracer))
      const body = { model, stream: false, messages: [{ role: "user", content: "hi" }] }
      const burst = Effect.all(
        Array.from({ length: 32 }, () =>
          postJson(`${foreman.url}/jobs`, body).pipe(
            Effect.flatMap((response) =>
              Effect.promise(() => response.json()).pipe(Effect.map((json) => ({ status: response.status, id: decodeAccepted(json).job_id })))
            )
          )),
        { concurrency: "unbounded" }
      )
      // The first burst opens the 32 keep-alive connections; the second is the one measured.
      yield* burst
      spans.length = 0
      const accepted = yield* burst

      expect(accepted.map((a) => a.status)).toEqual(Array.from({ length: 32 }, () => 202))
      expect(new Set(accepted.map((a) => a.id)).size).toBe(32)
      expect(Math.max(0, ...groupSizes(spans))).toBeGreaterThan(1)
    }).pipe(Effect.scoped))

  // Back to back, each submit comes well within the burst gap of the one before, yet none ever meets
  // another in a group: handing every one to the writer would cost each a hand-off for nothing.
  it.live("a client that submits one at a time is mostly written inline; a burst after it is gathered again", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 200 } }).pipe(Effect.withTracer(tracer))
      const sequential = yield* Effect.forEach(Array.from({ length: 64 }), () => submit(foreman)).pipe(Effect.withTracer(tracer))

      expect(new Set(sequential.map(({ job }) => job.id)).size).toBe(64)
      const inline = spans.filter((span) => span.name === "Store.insert").length
      const handedOff = groupSizes(spans)
      expect(handedOff.every((size) => size === 1)).toBe(true)
      // Each lone hand-off doubles the interval to the next, up to one in sixteen: a handful, not 63.
      expect(handedOff.length).toBeLessThanOrEqual(8)
      expect(inline + handedOff.length).toBe(64)

      spans.length = 0
      const burst = yield* Effect.all(Array.from({ length: 100 }, () => submit(foreman)), { concurrency: "unbounded" }).pipe(
        Effect.withTracer(tracer)
      )
      expect(new Set(burst.map(({ job }) => job.id)).size).toBe(100)
      // A probing hand-off finds company, and from then on the burst shares statements.
      expect(Math.max(0, ...groupSizes(spans))).toBeGreaterThan(1)
      expect(groupSizes(spans).reduce((a, b) => a + b, 0)).toBeGreaterThan(50)
    }).pipe(Effect.scoped))

  it.live("a group that fails is written again one job at a time: only the bad job fails", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 200 } }).pipe(Effect.withTracer(tracer))
      const first = yield* submit(foreman).pipe(Effect.withTracer(tracer))
      spans.length = 0

      // Nine new jobs and one reusing the first job's id (a primary key violation) submitted together.
      const outcomes = yield* Effect.all(
        Array.from({ length: 10 }, (_, i) => Effect.either(submit(foreman, i === 4 ? first.job.id : undefined))),
        { concurrency: "unbounded" }
      ).pipe(Effect.withTracer(tracer))

      const failed = outcomes.filter(Either.isLeft)
      expect(failed.length).toBe(1)
      expect(`${failed[0]?.left.cause}`).toMatch(/UNIQUE constraint failed: jobs\.id/)
      const written = outcomes.filter(Either.isRight).map((outcome) => outcome.right.job.id)
      expect(written.length).toBe(9)
      const stored = yield* foreman.run(Effect.flatMap(Store, (store) => Effect.forEach(written, (id) => store.get(id))))
      expect(stored.every((job) => job.state === "queued")).toBe(true)
      // The shared statement was tried first, then each job on its own.
      expect(groupSizes(spans).filter((size) => size > 1).length).toBeGreaterThan(0)
    }).pipe(Effect.scoped))

  it.live("stopping foreman mid-burst leaves no submitter waiting, and every job it accepted is in the store", () =>
    Effect.gen(function*() {
      // The database outlives the daemon's own temp dir, so it can be opened again afterwards.
      const dbPath = join(yield* tempDir, "foreman.db")
      const scope = yield* Scope.make()
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 200 }, env: { FOREMAN_DB_PATH: dbPath } }).pipe(Scope.extend(scope))
      // Eight submitters keep submitting until a submit fails, so some are always mid-flight as it stops.
      const accepted: Array<JobId> = []
      const submitter = submit(foreman).pipe(
        Effect.tap(({ job }) => Effect.sync(() => accepted.push(job.id))),
        Effect.forever,
        Effect.exit
      )
      const fibers = yield* Effect.forEach(Array.from({ length: 8 }), () => Effect.fork(submitter))
      yield* Effect.sleep("100 millis")
      yield* Scope.close(scope, Exit.void)
      // Each submitter ends, on a submit that was refused or stopped; one left waiting would time this out.
      yield* Fiber.joinAll(fibers).pipe(
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("a submitter was left waiting") })
      )
      expect(accepted.length).toBeGreaterThan(0)

      const stored = yield* Effect.forEach(accepted, (id) => Effect.flatMap(Store, (store) => store.get(id))).pipe(
        Effect.provide(Store.Default.pipe(Layer.provideMerge(SqlLive), Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: dbPath }))))
      )
      expect(stored.map((job) => job.id)).toEqual(accepted)
    }).pipe(Effect.scoped))
})
