import type { SqlError } from "@effect/sql/SqlError"
import { Chunk, Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type { NewJob } from "../store/JobRecord.js"
import { maxRowsPerInsert, Store, type Transitioned } from "../store/Store.js"
import { JobEvents } from "./JobEvents.js"
import { Worker } from "./Worker.js"

interface Pending {
  readonly job: NewJob
  readonly written: Deferred.Deferred<Transitioned, SqlError>
  /** Whether it came hard on the heels of the submit before it: then more are likely on the way. */
  readonly inBurst: boolean
}

// Submits closer together than this are a burst, worth gathering; one on its own is written at once.
const burstGapMillis = 3

/**
 * Writes submitted jobs to the store in groups (group commit, ADR-0039): the submits of a burst
 * that are already queued, or whose requests Node has already read, go in as one statement. A lone
 * submit is written at once, as a group of one. Each job's `queued` event is published, and the
 * worker rung, before anything else runs, so no watcher sees a job claimed before it was queued.
 */
export class JobIntake extends Effect.Service<JobIntake>()("foreman/JobIntake", {
  scoped: Effect.gen(function*() {
    const store = yield* Store
    const events = yield* JobEvents
    const worker = yield* Worker
    const pending = yield* Queue.unbounded<Pending>()

    const settle = (group: ReadonlyArray<Pending>, exit: Exit.Exit<ReadonlyArray<Transitioned>, SqlError>) =>
      Effect.forEach(group, (entry, i) =>
        Deferred.done(
          entry.written,
          Exit.flatMap(exit, (queued) => {
            const event = queued[i]
            return event === undefined ? Exit.die(new Error("the store returned fewer events than jobs")) : Exit.succeed(event)
          })
        ), { discard: true })

    // A group fails as a whole (one statement), so a failed group is written again one job at a
    // time: each submitter then gets its own job's outcome, not a neighbour's.
    const write = (group: ReadonlyArray<Pending>): Effect.Effect<void> =>
      store.insertAll(group.map((entry) => entry.job)).pipe(
        Effect.tap((queued) => Effect.zipRight(Effect.forEach(queued, events.state, { discard: true }), worker.wake)),
        Effect.exit,
        Effect.flatMap((exit) =>
          Exit.isSuccess(exit) || group.length === 1
            ? settle(group, exit)
            : Effect.forEach(group, (entry) => write([entry]), { discard: true })
        ),
        Effect.withSpan("JobIntake.write", { attributes: { jobs: group.length } })
      )

    // Node hands each request's bytes over in its own I/O callback and runs the fibers it resumes
    // before the next one, so in a burst a group is gathered until the event loop has run every
    // callback that was ready: a setImmediate fires after them. A lone submit skips that turn.
    const afterReadyIo = Effect.async<void>((resume) => {
      const handle = setImmediate(() => resume(Effect.void))
      return Effect.sync(() => clearImmediate(handle))
    })

    // Once the first job is taken it is written, even if foreman is stopping meanwhile.
    const loop = Queue.take(pending).pipe(
      Effect.flatMap((first) =>
        (first.inBurst ? afterReadyIo : Effect.void).pipe(
          Effect.zipRight(Queue.takeUpTo(pending, maxRowsPerInsert - 1)),
          Effect.flatMap((rest) => write([first, ...rest])),
          Effect.uninterruptible
        )
      ),
      Effect.forever
    )
    const fiber = yield* Effect.forkScoped(loop)
    // At shutdown, what was submitted but not yet written is written, so no submitter is left waiting.
    yield* Effect.addFinalizer(() =>
      Fiber.interrupt(fiber).pipe(
        Effect.zipRight(Queue.takeAll(pending)),
        Effect.flatMap((rest) => Chunk.isEmpty(rest) ? Effect.void : write(Chunk.toReadonlyArray(rest))),
        Effect.zipRight(Queue.shutdown(pending))
      )
    )

    let lastSubmitAt = Number.NEGATIVE_INFINITY

    /**
     * Queues one job and waits until its row is written and announced. Uninterruptible, as the
     * single insert it replaces was: a submitter that gives up mid-wait still finds its job in the
     * store to cancel.
     */
    const insert = (job: NewJob) =>
      Effect.uninterruptible(
        Effect.flatMap(Deferred.make<Transitioned, SqlError>(), (written) => {
          const now = performance.now()
          const inBurst = now - lastSubmitAt < burstGapMillis
          lastSubmitAt = now
          return Queue.offer(pending, { job, written, inBurst }).pipe(Effect.zipRight(Deferred.await(written)))
        })
      )

    return { insert } as const
  })
}) {}
