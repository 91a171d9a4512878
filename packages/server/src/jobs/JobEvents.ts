import type { JobId } from "@foreman/domain"
import { Data, Effect, PubSub, Queue } from "effect"
import type { Transitioned } from "../store/Store.js"

export type JobSignal = Data.TaggedEnum<{
  /** The job moved to a new state: the row after the move, and the event announcing it. */
  State: { readonly change: Transitioned }
  /** Bytes of the target's response, exactly as they arrived. */
  Chunk: { readonly bytes: Uint8Array }
}>
export const JobSignal = Data.taggedEnum<JobSignal>()

/**
 * In-process fan-out of job signals. Subscriptions are per job so a 2,000-chunk stream is not
 * offered to every other waiting caller; state changes also go to one PubSub for global watchers.
 */
export class JobEvents extends Effect.Service<JobEvents>()("foreman/JobEvents", {
  effect: Effect.gen(function*() {
    const byJob = new Map<string, Set<Queue.Queue<JobSignal>>>()
    const changes = yield* PubSub.unbounded<Transitioned>()

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

    /**
     * Synchronous so the worker can relay a chunk from inside the target's stream callback. Every
     * subscription queue is unbounded, so an offer never waits and never drops.
     */
    const chunk = (id: JobId, bytes: Uint8Array): void => {
      const set = byJob.get(id)
      if (set === undefined) return
      const signal = JobSignal.Chunk({ bytes })
      for (const queue of set) queue.unsafeOffer(signal)
    }

    const state = (change: Transitioned) =>
      Effect.zipRight(offer(change.job.id, JobSignal.State({ change })), PubSub.publish(changes, change))

    return { subscribe, chunk, state, changes } as const
  })
}) {}
