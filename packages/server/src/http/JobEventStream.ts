import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { isTerminal, type JobEvent, type JobId } from "@foreman/domain"
import { Duration, Effect, Exit, Option, Schedule, Scope, Stream } from "effect"
import { monotonicUlid, ulidTimePrefix } from "../ids/MonotonicUlid.js"
import { JobEvents, type JobSignal } from "../jobs/JobEvents.js"
import { Worker } from "../jobs/Worker.js"
import { jobEventBody } from "../store/JobEventBody.js"
import { Store } from "../store/Store.js"
import { inlinedArtifacts } from "./JobViews.js"

const encoder = new TextEncoder()
const frame = (event: JobEvent) => encoder.encode(`id: ${event.event_id}\nevent: state\ndata: ${JSON.stringify(event)}\n\n`)
// A comment line now and then keeps proxies from closing a connection that is quiet while queued.
const heartbeat = Stream.repeatEffectWithSchedule(Effect.succeed(encoder.encode(": keep-alive\n\n")), Schedule.spaced(Duration.seconds(15)))

/**
 * The id a finished job's final state is sent with, whenever it is sent: the terminal event's
 * own id when the job's last event is it (minted no earlier than the job finished), else (a sync
 * job a restart cancelled keeps its `working` event's id) one made from the finish time and the
 * job's own randomness. So a Last-Event-ID proves the client saw this job's end only when it is
 * exactly that id; another job's, a made-up or a future one proves nothing.
 */
const finalEventId = (job: { readonly id: string; readonly eventId: string | null; readonly finishedAt: number }): string =>
  job.eventId !== null && job.eventId.slice(0, 10) >= ulidTimePrefix(job.finishedAt)
    ? job.eventId
    : `${ulidTimePrefix(job.finishedAt)}${job.id.slice(10)}`

/**
 * GET /jobs/{id}/events: Server-Sent Events carrying the job's state events — the current state
 * first, then each change as it happens — closing after a terminal one.
 */
export class JobEventStream extends Effect.Service<JobEventStream>()("foreman/JobEventStream", {
  effect: Effect.gen(function*() {
    const store = yield* Store
    const events = yield* JobEvents
    const worker = yield* Worker
    const snapshotId = monotonicUlid()

    /**
     * `lastEventId`: the Last-Event-ID a browser's EventSource sends when it reconnects after the
     * stream closed. A finished job is answered 204, the one answer that stops EventSource
     * reconnecting (every 3 s, for ever), once the client has the job's final event
     * (`finalEventId`); one that lost the connection before the end gets the final state first.
     */
    const open = (id: JobId, lastEventId?: string) =>
      Effect.gen(function*() {
        // Subscribe before reading the current state so no change can fall between the two. The
        // subscription outlives this handler: the response stream closes it when it ends.
        const scope = yield* Scope.make()
        const queue = yield* events.subscribe(id).pipe(Scope.extend(scope))
        const closeOnError = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.tapErrorCause(effect, () => Scope.close(scope, Exit.void))
        const job = yield* store.get(id).pipe(closeOnError)
        const finalId = job.finishedAt === null ? undefined : finalEventId({ ...job, finishedAt: job.finishedAt })
        if (isTerminal(job.state) && finalId !== undefined && lastEventId?.trim().toUpperCase() === finalId) {
          yield* Scope.close(scope, Exit.void)
          return HttpServerResponse.empty({ status: 204 })
        }
        const artifacts = isTerminal(job.state) ? yield* inlinedArtifacts(store, job).pipe(closeOnError) : []
        const current = jobEventBody(isTerminal(job.state) && finalId !== undefined ? finalId : snapshotId(), job, null, artifacts)
        const changes = Stream.fromQueue(queue).pipe(
          Stream.filterMap((signal: JobSignal) =>
            signal._tag === "State" && signal.change.job.updatedAt >= job.updatedAt &&
              !(signal.change.job.state === job.state && signal.change.job.updatedAt === job.updatedAt)
              ? Option.some(signal.change.event)
              : Option.none()
          ),
          Stream.takeUntil((event) => isTerminal(event.state)),
          // A stopping daemon ends its streams: the server cannot close while one is open (ADR-0042).
          Stream.interruptWhen(worker.stopped)
        )
        const body = isTerminal(job.state) ? Stream.succeed(current) : Stream.concat(Stream.succeed(current), changes)
        const frames = body.pipe(
          Stream.map(frame),
          Stream.merge(heartbeat, { haltStrategy: "left" }),
          Stream.ensuring(Scope.close(scope, Exit.void))
        )
        return HttpServerResponse.stream(frames, {
          contentType: "text/event-stream",
          headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
        })
      })

    return { open } as const
  })
}) {}
