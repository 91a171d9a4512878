import { isTerminal, JobAlreadyTerminal, type JobId, type JobState } from "@foreman/domain"
import { Cause, Deferred, Duration, Effect, Fiber, Metric, Option, Queue, Ref, Schedule, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Inventory } from "../inventory/Inventory.js"
import { normalizeModel } from "../inventory/ModelName.js"
import { ForemanMetrics, type UpstreamErrorKind } from "../metrics/ForemanMetrics.js"
import { OllamaClient } from "../ollama/OllamaClient.js"
import { readStreams } from "../ollama/GenerationFields.js"
import { type ModelLoad, modelLoadFor } from "../ollama/ModelLoad.js"
import { ConnectionError, type UpstreamHttpError } from "../ollama/OllamaErrors.js"
import { targetPath } from "../ollama/WireApi.js"
import type { JobRecord } from "../store/JobRecord.js"
import { Store, type Transitioned } from "../store/Store.js"
import { JobEvents } from "./JobEvents.js"
import { ResultCollector } from "./ResultCollector.js"

interface Running {
  readonly id: JobId
  readonly fiber: Fiber.RuntimeFiber<void>
}

// While the target is away, probe it at 250ms, 500ms, 1s … but never wait more than 10s between probes.
const holdSchedule = Schedule.exponential(Duration.millis(250)).pipe(Schedule.union(Schedule.spaced(Duration.seconds(10))))

/**
 * The only code that runs generations: one fiber, one job at a time, drain-by-model. Every failure
 * ends in a job state; the loop itself has error type `never` and restarts after a defect.
 */
export class Worker extends Effect.Service<Worker>()("foreman/Worker", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const store = yield* Store
    const ollama = yield* OllamaClient
    const inventory = yield* Inventory
    const events = yield* JobEvents

    const doorbell = yield* Queue.sliding<void>(1)
    const running = yield* Ref.make(Option.none<Running>())
    const claimLock = yield* Effect.makeSemaphore(1)
    // The model the worker last loaded; null when unknown (start-up, after an error).
    const resident = yield* Ref.make<string | null>(null)

    const recordFinish = (job: JobRecord) =>
      isTerminal(job.state)
        ? Effect.zipRight(
          Metric.update(ForemanMetrics.jobsFinished.pipe(Metric.tagged("state", job.state)), 1),
          job.startedAt === null || job.finishedAt === null
            ? Effect.void
            : Metric.update(ForemanMetrics.jobDuration, (job.finishedAt - job.startedAt) / 1000)
        )
        : Effect.void

    const move = (job: JobRecord, to: JobState, patch: Parameters<typeof store.transition>[2] = {}, artifacts: Parameters<typeof store.transition>[3] = []) =>
      store.transition(job, to, patch, artifacts).pipe(
        Effect.tap(events.state),
        Effect.map((change) => change.job),
        Effect.tap(recordFinish),
        // A job put back in the queue is one to claim again, like a new submit.
        Effect.tap(() => to === "queued" ? Queue.offer(doorbell, undefined) : Effect.void)
      )

    const countUpstreamError = (kind: UpstreamErrorKind) =>
      Metric.update(ForemanMetrics.upstreamErrors.pipe(Metric.tagged("kind", kind)), 1)

    // The inventory re-checks every second while degraded; whichever notices the target first ends the hold.
    const inventorySeesTarget = inventory.changes.pipe(Stream.filter((s) => !s.degraded), Stream.runHead)

    const holdUntilTargetAnswers = Effect.gen(function*() {
      yield* Effect.logWarning("target cannot be used (unreachable, or answering with errors); holding the queue until it can")
      yield* Effect.race(Effect.retry(ollama.probe, holdSchedule), inventorySeesTarget)
      yield* inventory.refresh
      yield* Effect.logInfo("target answers again; resuming the queue")
    })

    /** Asks the target to load the job's model (its request with nothing to generate) so the job itself does not pay for it. */
    const load = (model: string, request: ModelLoad) =>
      ollama.text({ method: "POST", path: request.path, body: request.body }).pipe(
        Effect.zipRight(Ref.set(resident, model)),
        Effect.zipRight(Metric.increment(ForemanMetrics.swaps)),
        // /api/ps is served from the inventory: show the new resident model now, not at the next poll.
        Effect.zipRight(inventory.refresh),
        Effect.tapError(() => Ref.set(resident, null)),
        Effect.withSpan("Worker.load", { attributes: { model } })
      )

    /** A caller's own load or unload request (`ollama run`, `ollama stop`) changed what is resident. */
    const loadedByCaller = (model: string, reason: "load" | "unload") =>
      Effect.gen(function*() {
        if (reason === "load") yield* Ref.set(resident, model)
        else yield* Ref.update(resident, (current) => current === model ? null : current)
        // /api/ps is served from the inventory: show the change now, not at the next poll.
        yield* inventory.refresh
      })

    // A sync caller that streams has seen every chunk the moment it arrives; a buffered one has not.
    const callerSeesChunks = (job: JobRecord) => job.mode === "sync" && readStreams(job.payload, job.api, job.endpoint)

    /** Streams the job's request to the target, publishing every chunk as it arrives. */
    const generate = (job: JobRecord, progress: { delivered: boolean }) =>
      Effect.gen(function*() {
        const marksDelivery = callerSeesChunks(job)
        const response = yield* ollama.streaming({ method: "POST", path: targetPath(job.api, job.endpoint), body: job.payload })
        const collector = new ResultCollector(job.endpoint, job.api)
        yield* response.forEachChunk((bytes) => {
          collector.push(bytes)
          events.chunk(job.id, bytes)
          if (marksDelivery) progress.delivered = true
        })
        return collector
      })

    const onConnectionError = (job: JobRecord, error: ConnectionError, delivered: boolean) =>
      Effect.gen(function*() {
        yield* Ref.set(resident, null)
        if (delivered) {
          // The caller already has part of the answer: replaying it would duplicate output.
          yield* move(job, "failed", { error: `lost the target mid-answer: ${error.message}`, errorStatus: 502 })
          return
        }
        const healthy = yield* Effect.isSuccess(ollama.probe)
        if (healthy && job.attempt >= job.maxAttempts) {
          yield* move(job, "failed", {
            error: `gave up after ${job.attempt} attempts while the target was up: ${error.message}`,
            errorStatus: 502
          })
          return
        }
        // Only dispatches that failed while the target looked healthy count against the job.
        yield* move(job, "queued", { attempt: healthy ? job.attempt : job.attempt - 1 })
        if (!healthy) {
          yield* inventory.refresh
          yield* holdUntilTargetAnswers
        }
      })

    // Jobs whose interruption a caller asked for (`cancel`); any other interruption is foreman stopping.
    const cancelling = new Set<JobId>()

    /**
     * foreman is stopping (SIGTERM, Ctrl-C) with a job running. An async job goes back to the queue
     * and the attempt does not count: the stop was foreman's doing, not the job's. A sync job's
     * caller is about to lose its connection, so there is nobody to answer.
     */
    const stopped = (job: JobRecord) =>
      job.mode === "async"
        ? move(job, "queued", { attempt: job.attempt - 1 }).pipe(
          Effect.zipRight(Effect.logInfo("foreman is stopping; the running job goes back to the queue"))
        )
        : move(job, "cancelled", { error: "foreman stopped while the caller waited" })

    const onUpstreamError = (job: JobRecord, error: UpstreamHttpError) =>
      move(job, "failed", { error: error.error, errorStatus: error.status })

    /** Runs one claimed job to a state. Errors never escape: each ends the job somewhere. */
    const execute = (claim: Transitioned) => {
      const claimed = claim.job
      const current = Ref.unsafeMake(claimed)
      // Written from inside the target's stream callback, so a plain field rather than a Ref.
      const progress = { delivered: false }
      const step = (to: JobState, patch: Parameters<typeof store.transition>[2] = {}, artifacts: Parameters<typeof store.transition>[3] = []) =>
        Ref.get(current).pipe(
          Effect.flatMap((job) => move(job, to, patch, artifacts)),
          Effect.tap((job) => Ref.set(current, job))
        )
      const run = Effect.gen(function*() {
        yield* events.state(claim)
        // The claim that first started it (it set started_at and updated_at alike): a job re-queued
        // while the target was away is claimed at attempt 1 again, but waited in the queue once.
        if (claimed.attempt === 1 && claimed.startedAt !== null && claimed.startedAt === claimed.updatedAt) {
          yield* Metric.update(ForemanMetrics.queueWait, (claimed.startedAt - claimed.createdAt) / 1000)
        }
        if (claimed.state === "loading") {
          const request = modelLoadFor(claimed, config.keepAlive)
          if (!request.unloadOnly) yield* load(claimed.model, request)
          yield* step("working")
        }
        const collector = yield* generate(claimed, progress)
        const outcome = collector.finish()
        if (collector.error !== undefined) {
          return yield* step("failed", { error: collector.error, errorStatus: 500 })
        }
        if (outcome === undefined) {
          return yield* new ConnectionError({ message: "the target's answer ended before its final done object" })
        }
        if (collector.doneReason === "load" || collector.doneReason === "unload") {
          yield* loadedByCaller(claimed.model, collector.doneReason)
        }
        yield* step("done", { result: outcome.result }, [{
          name: "completion",
          contentType: "text/plain; charset=utf-8",
          data: new TextEncoder().encode(outcome.completion)
        }])
      })
      return run.pipe(
        Effect.catchTags({
          ConnectionError: (error) =>
            Effect.all([Ref.get(current), countUpstreamError("connection")]).pipe(
              Effect.flatMap(([job]) => onConnectionError(job, error, progress.delivered))
            ),
          UpstreamHttpError: (error) =>
            Ref.get(current).pipe(Effect.tap(countUpstreamError("http")), Effect.flatMap((job) => onUpstreamError(job, error)))
        }),
        Effect.onInterrupt(() =>
          Ref.get(current).pipe(
            Effect.flatMap((job) => cancelling.delete(job.id) ? move(job, "cancelled", { error: "cancelled" }) : stopped(job)),
            Effect.ignore
          )
        ),
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : Effect.gen(function*() {
            yield* Effect.logError("job failed on an internal error", cause)
            const job = yield* Ref.get(current)
            yield* move(job, "failed", { error: `internal error: ${Cause.squash(cause)}`, errorStatus: 500 }).pipe(Effect.ignore)
          })
        ),
        Effect.asVoid,
        Effect.annotateLogs({ job_id: claimed.id, model: claimed.model }),
        Effect.withSpan("Worker.execute", { attributes: { job_id: claimed.id, model: claimed.model } })
      )
    }

    const maxWaitMillis = Option.getOrNull(Option.map(config.maxWait, Duration.toMillis))

    // Whether the last claim left jobs queued. When it did not, every job queued since rang the
    // doorbell (a submit, or a requeue in `move`), so the worker waits for a ring instead of
    // asking SQLite again after every job (ADR-0031). Unknown at start: look.
    let moreQueued = true

    const claim = claimLock.withPermits(1)(Effect.gen(function*() {
      const next = yield* store.claimNext(yield* Ref.get(resident), maxWaitMillis)
      moreQueued = Option.isSome(next) && next.value.moreQueued
      if (Option.isNone(next)) return Option.none<Fiber.RuntimeFiber<void>>()
      const fiber = yield* Effect.fork(execute(next.value))
      yield* Ref.set(running, Option.some({ id: next.value.job.id, fiber }))
      return Option.some(fiber)
    }))

    const step = Effect.gen(function*() {
      if (!moreQueued) yield* Queue.take(doorbell)
      if ((yield* inventory.get).degraded) yield* holdUntilTargetAnswers
      const fiber = yield* claim
      if (Option.isNone(fiber)) return
      yield* Fiber.await(fiber.value)
      yield* Ref.set(running, Option.none())
    })

    const loop = step.pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("worker loop error; restarting in 1s", cause).pipe(
          Effect.zipRight(Effect.sleep(Duration.seconds(1))),
          // The failed step may have taken the doorbell's ring: look at the queue again.
          Effect.zipRight(Effect.sync(() => {
            moreQueued = true
          }))
        )
      ),
      Effect.forever
    )

    const recovered = yield* store.recover()
    yield* Effect.forEach([...recovered.requeued, ...recovered.failed], events.state, { discard: true })
    // Recovery writes its terminal states itself, past `move`: count them as finished here.
    yield* Effect.forEach([...recovered.failed.map(({ job }) => job), ...recovered.cancelled], recordFinish, { discard: true })
    yield* Effect.forEach(recovered.failed, ({ job }) =>
      Effect.logWarning("job failed: foreman stopped unexpectedly during each of its attempts").pipe(
        Effect.annotateLogs({ job_id: job.id, model: job.model, attempts: job.attempt })
      ), { discard: true })
    const { cancelled, failed, requeued } = recovered
    if (requeued.length + failed.length + cancelled.length > 0) {
      yield* Effect.logInfo("recovered jobs interrupted by a restart").pipe(
        Effect.annotateLogs({ requeued: requeued.length, failed: failed.length, cancelled: cancelled.length })
      )
    }
    // The pinned embedding model sits beside the generation model; it is not the one to drain.
    const pinned = Option.map(config.embedModel, normalizeModel)
    const initial = (yield* inventory.get).resident.map(normalizeModel).find((model) => !Option.contains(pinned, model))
    if (initial !== undefined) yield* Ref.set(resident, initial)
    const loopFiber = yield* Effect.forkScoped(loop)
    const halted = yield* Deferred.make<void>()

    /**
     * Stops the worker ahead of its scope, for a daemon that is shutting down: no job is claimed
     * after it, the running one goes back to the queue or is cancelled as on any stop (ADR-0027),
     * and every queued sync job is cancelled, since its caller is about to lose its connection
     * (ADR-0042). Waits for all of that; a second call finds it done.
     */
    const stop = Effect.gen(function*() {
      if (yield* Deferred.isDone(halted)) return
      yield* Fiber.interrupt(loopFiber)
      const waiting = yield* store.queuedSync
      yield* Effect.forEach(
        waiting,
        (job) => move(job, "cancelled", { error: "foreman stopped while the caller waited" }).pipe(Effect.ignore),
        { discard: true }
      )
      if (waiting.length > 0) yield* Effect.logInfo("cancelled sync jobs whose callers were waiting").pipe(Effect.annotateLogs({ jobs: waiting.length }))
      yield* Deferred.succeed(halted, undefined)
    }).pipe(
      claimLock.withPermits(1),
      Effect.catchAllCause((cause) => Effect.logError("stopping the worker failed", cause)),
      Effect.withSpan("Worker.stop")
    )

    /** Tells the worker a job was queued. */
    const wake = Queue.offer(doorbell, undefined).pipe(Effect.asVoid)

    /** Cancels a job: drops it if queued, interrupts it (aborting the upstream request) if running. */
    const cancel = Effect.fn("Worker.cancel")(function*(id: JobId) {
      return yield* claimLock.withPermits(1)(Effect.gen(function*() {
        const job = yield* store.get(id)
        if (job.state === "queued") return yield* move(job, "cancelled", { error: "cancelled" })
        const active = yield* Ref.get(running)
        if ((job.state === "loading" || job.state === "working") && Option.isSome(active) && active.value.id === id) {
          cancelling.add(id)
          yield* Fiber.interrupt(active.value.fiber)
          cancelling.delete(id)
          // The job may have reached done or failed just before the interrupt landed.
          const after = yield* store.get(id)
          if (after.state === "cancelled") return after
          return yield* new JobAlreadyTerminal({ error: `job ${id} is already ${after.state}` })
        }
        // Read again: a job that was running when first read has finished since.
        const latest = job.state === "loading" || job.state === "working" ? yield* store.get(id) : job
        return yield* new JobAlreadyTerminal({ error: `job ${id} is already ${latest.state}` })
      }))
    })

    return {
      wake,
      cancel,
      stop,
      /** Completes once `stop` has run: no job will change state by the worker's doing after it. */
      stopped: Deferred.await(halted),
      isStopped: Deferred.isDone(halted),
      resident: Ref.get(resident)
    } as const
  })
}) {}
