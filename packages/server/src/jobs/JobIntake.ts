import type { SqlError } from "@effect/sql/SqlError"
import { Chunk, Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type { NewJob } from "../store/JobRecord.js"
import { maxRowsPerInsert, Store, type Transitioned } from "../store/Store.js"
import { JobEvents } from "./JobEvents.js"
import { Worker } from "./Worker.js"

interface Pending {
  readonly job: NewJob
  readonly written: Deferred.Deferred<Transitioned, SqlError>
}

// Submits closer together than this are a burst, worth gathering; one on its own is written at once
// by its own fiber: the hand-off to the writer costs a lone submit ≈0.3 ms of CPU (ADR-0039).
const burstGapMillis = 3

// A sequential client with quick round trips also submits less than 3 ms apart, yet its submits never
// meet in a group. Each hand-off that gathered nobody doubles how many close submits are written
// inline before the next one is handed off to look again; a submit that finds a hand-off still
// waiting joins it and resets that (ADR-0040).
const maxHandOffInterval = 16

/**
 * Writes submitted jobs to the store in groups (group commit, ADR-0039): the submits of a burst
 * that are already queued, or whose requests Node has already read, go in as one statement. A lone
 * submit, or one from a client that sends one at a time, is written at once by its own fiber. Each
 * job's `queued` event is published, and the worker rung, before anything else runs, so no watcher
 * sees a job claimed before it was queued.
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

    const announce = (queued: ReadonlyArray<Transitioned>) =>
      Effect.zipRight(Effect.forEach(queued, events.state, { discard: true }), worker.wake)

    // A group fails as a whole (one statement), so a failed group is written again one job at a
    // time: each submitter then gets its own job's outcome, not a neighbour's.
    const write = (group: ReadonlyArray<Pending>): Effect.Effect<void> =>
      store.insertAll(group.map((entry) => entry.job)).pipe(
        Effect.tap(announce),
        Effect.exit,
        Effect.flatMap((exit) =>
          Exit.isSuccess(exit) || group.length === 1
            ? settle(group, exit)
            : Effect.forEach(group, (entry) => write([entry]), { discard: true })
        ),
        Effect.withSpan("JobIntake.write", { attributes: { jobs: group.length } })
      )

    // Node hands each request's bytes over in its own I/O callback and runs the fibers it resumes
    // before the next one, so a group is gathered until the event loop has run every callback that
    // was ready: a setImmediate fires after them.
    const afterReadyIo = Effect.async<void>((resume) => {
      const handle = setImmediate(() => resume(Effect.void))
      return Effect.sync(() => clearImmediate(handle))
    })

    // What the gap rule and its back-off remember between submits.
    let lastSubmitAt = Number.NEGATIVE_INFINITY
    let handOffInterval = 1
    let closeSinceHandOff = 0
    // Handed to the writer and not yet taken by it.
    let untaken = 0
    const taken = (groupSize: number) =>
      Effect.sync(() => {
        untaken -= groupSize
        handOffInterval = groupSize > 1 ? 1 : Math.min(maxHandOffInterval, handOffInterval * 2)
      })

    // Once the first job is taken it is written, even if foreman is stopping meanwhile.
    const loop = Queue.take(pending).pipe(
      Effect.flatMap((first) =>
        afterReadyIo.pipe(
          Effect.zipRight(Queue.takeUpTo(pending, maxRowsPerInsert - 1)),
          Effect.tap((rest) => taken(1 + rest.length)),
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

    /** Whether this submit goes to the writer, to be gathered with others, rather than inline. */
    const handsOff = () => {
      const now = performance.now()
      const close = now - lastSubmitAt < burstGapMillis
      lastSubmitAt = now
      if (!close) return false
      // Another submit still waits for the writer, so this is a burst: join it, and hand off each
      // close submit again.
      if (untaken > 0) handOffInterval = 1
      else if (++closeSinceHandOff < handOffInterval) return false
      closeSinceHandOff = 0
      untaken++
      return true
    }

    /**
     * Writes one job, announced, and returns its event: at once when it comes alone, else with the
     * rest of its burst. Uninterruptible, as the single insert it replaces was: a submitter that
     * gives up mid-wait still finds its job in the store to cancel.
     */
    const insert = (job: NewJob) =>
      Effect.uninterruptible(Effect.suspend(() => {
        if (!handsOff()) return store.insert(job).pipe(Effect.tap((queued) => announce([queued])))
        return Effect.flatMap(Deferred.make<Transitioned, SqlError>(), (written) =>
          Queue.offer(pending, { job, written }).pipe(Effect.zipRight(Deferred.await(written))))
      }))

    return { insert } as const
  })
}) {}
