import type { JobId, JobState } from "@foreman/domain"
import { Data, Effect, PubSub, Queue } from "effect"
import type { JobRecord } from "../store/JobRecord.js"

export type JobSignal = Data.TaggedEnum<{
  /** The job moved to a new state; `job` is the row after the move. */
  State: { readonly job: JobRecord; readonly previous: JobState }
  /** Bytes of the target's response, exactly as they arrived. */
  Chunk: { readonly bytes: Uint8Array }
}>
export const JobSignal = Data.taggedEnum<JobSignal>()

export interface StateChange {
  readonly job: JobRecord
  readonly previous: JobState
}

/**
 * In-process fan-out of job signals. Subscriptions are per job so a 2,000-chunk stream is not
 * offered to every other waiting caller; state changes also go to one PubSub for global watchers.
 */
export class JobEvents extends Effect.Service<JobEvents>()("foreman/JobEvents", {
  effect: Effect.gen(function*() {
    const byJob = new Map<string, Set<Queue.Queue<JobSignal>>>()
    const changes = yield* PubSub.unbounded<StateChange>()

    /** Signals for one job from now on, until the scope closes. */
    const subscribe = (id: JobId) =>
      Effect.acquireRelease(
        Queue.unbounded<JobSignal>().pipe(
          Effect.tap((queue) =>
            Effect.sync(() => {
              const set = byJob.get(id) ?? new Set()
              set.add(queue)
              byJob.set(id, set)
            })
          )
        ),
        (queue) =>
          Effect.zipRight(
            Effect.sync(() => {
              const set = byJob.get(id)
              set?.delete(queue)
              if (set?.size === 0) byJob.delete(id)
            }),
            Queue.shutdown(queue)
          )
      )

    const offer = (id: JobId, signal: JobSignal) =>
      Effect.suspend(() => {
        const set = byJob.get(id)
        return set === undefined ? Effect.void : Effect.forEach(set, (queue) => Queue.offer(queue, signal), { discard: true })
      })

    const chunk = (id: JobId, bytes: Uint8Array) => offer(id, JobSignal.Chunk({ bytes }))

    const state = (job: JobRecord, previous: JobState) =>
      Effect.zipRight(offer(job.id, JobSignal.State({ job, previous })), PubSub.publish(changes, { job, previous }))

    return { subscribe, chunk, state, changes } as const
  })
}) {}
