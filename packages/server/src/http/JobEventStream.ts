import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { isTerminal, type JobEvent, type JobId } from "@foreman/domain"
import { Duration, Effect, Exit, Option, Schedule, Scope, Stream } from "effect"
import { monotonicUlid, ulidTimePrefix } from "../ids/MonotonicUlid.js"
import { JobEvents, type JobSignal } from "../jobs/JobEvents.js"
import { Worker } from "../jobs/Worker.js"
import { jobEventBody } from "../store/JobEventBody.js"
import { Store } from "../store/Store.js"

const encoder = new TextEncoder()
const frame = (event: JobEvent) => encoder.encode(`id: ${event.event_id}\nevent: state\ndata: ${JSON.stringify(event)}\n\n`)
// A comment line now and then keeps proxies from closing a connection that is quiet while queued.
const heartbeat = Stream.repeatEffectWithSchedule(Effect.succeed(encoder.encode(": keep-alive\n\n")), Schedule.spaced(Duration.seconds(15)))

const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/

/**
 * Whether the client's Last-Event-ID is the job's terminal event, or an event (a snapshot) minted
 * after the job finished. The terminal event is minted in the millisecond the job finished, so the
 * time alone cannot tell it from a `working` event of that millisecond. The job's last event id is
 * the terminal one only if minted then: a sync job cancelled by a restart keeps its `working`
 * event's id. Anything not a ULID proves nothing was seen.
 */
const sawEventOf = (lastEventId: string, lastJobEventId: string | null, finishedAt: number): boolean => {
  const id = lastEventId.trim().toUpperCase()
  const finished = ulidTimePrefix(finishedAt)
  const isTerminal = id === lastJobEventId && id.slice(0, 10) >= finished
  return ulid.test(id) && (isTerminal || id.slice(0, 10) > finished)
}

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
     * reconnecting (every 3 s, for ever), once the client has the terminal event or one minted
     * after it; one that lost the connection before the end gets the final state first.
     */
    const open = (id: JobId, lastEventId?: string) =>
      Effect.gen(function*() {
        // Subscribe before reading the current state so no change can fall between the two. The
        // subscription outlives this handler: the response stream closes it when it ends.
        const scope = yield* Scope.make()
        const queue = yield* events.subscribe(id).pipe(Scope.extend(scope))
        const closeOnError = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.tapErrorCause(effect, () => Scope.close(scope, Exit.void))
        const job = yield* store.get(id).pipe(closeOnError)
        const sawTheEnd = lastEventId !== undefined && job.finishedAt !== null && sawEventOf(lastEventId, job.eventId, job.finishedAt)
        if (isTerminal(job.state) && sawTheEnd) {
          yield* Scope.close(scope, Exit.void)
          return HttpServerResponse.empty({ status: 204 })
        }
        const artifacts = isTerminal(job.state) ? yield* store.listArtifacts(job.id).pipe(closeOnError) : []
        const current = jobEventBody(snapshotId(), job, null, artifacts)
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
