import { type BadRequest, isTerminal, type JobEvent, type JobNotFound, type JobState, type JobView } from "@foreman/domain"
import { Duration, Effect, Option, Ref, Schedule, Stream } from "effect"
import { JobCancelled, JobFailed } from "./ClientErrors.js"
import type { ClientFailure } from "./httpFailures.js"

/** What a waiting caller is told each time the job moves. */
export interface JobProgress {
  readonly state: JobState
  readonly attempt: number
}

export interface EventsOptions {
  /**
   * How long the event stream may pass nothing, not even the daemon's heartbeat, before it counts
   * as cut short (a frozen proxy); default 45 s, three missed heartbeats.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
}

export interface WaitOptions extends EventsOptions {
  /** Called once per state the job reaches (a retry shows again as `queued` with a new attempt). */
  readonly onProgress?: ((progress: JobProgress) => Effect.Effect<void>) | undefined
  /** How often to poll when the event stream is unavailable; default 500ms. */
  readonly pollInterval?: Duration.DurationInput | undefined
}

type Lookup = BadRequest | JobNotFound | ClientFailure

/** The two reads following a job needs, so this stays independent of how they are made. */
export interface JobSource {
  readonly events: (id: string, options?: EventsOptions) => Stream.Stream<JobEvent, Lookup>
  readonly get: (id: string) => Effect.Effect<JobView, Lookup>
}

// A daemon restarting under us is worth about a minute of patience before giving up: waits from
// 200 ms doubling to at most 5 s, 16 of them.
const reconnect = Schedule.exponential(Duration.millis(200)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(5))),
  Schedule.intersect(Schedule.recurs(16))
)

/**
 * The daemon is away for now: nothing answers, or a reverse proxy in front of it says so (502 bad
 * gateway, 503 unavailable, 504 timeout) while it restarts.
 */
const daemonAway = (error: Lookup): boolean =>
  error._tag === "DaemonUnreachable" ||
  (error._tag === "DaemonError" && (error.status === 502 || error.status === 503 || error.status === 504))

const settle = (job: JobView): Effect.Effect<JobView, JobFailed | JobCancelled> =>
  job.state === "failed"
    ? Effect.fail(new JobFailed({ job }))
    : job.state === "cancelled"
    ? Effect.fail(new JobCancelled({ job }))
    : Effect.succeed(job)

/**
 * Follows a job to a terminal state over its SSE events, falling back to polling GET /jobs/{id}
 * when the stream cannot be had, ends early or goes silent (an old daemon, a proxy that buffers or
 * freezes, a restart).
 * Succeeds with the final view of a `done` job; `failed` and `cancelled` are typed failures.
 */
export const followJob = Effect.fn("foreman.client.followJob")(function*(
  source: JobSource,
  id: string,
  options: WaitOptions = {}
) {
  // Told once per state: the stream's first event and a poll may both show the same one.
  const reported = yield* Ref.make("")
  const report = ({ attempt, state }: JobProgress) =>
    Ref.getAndSet(reported, `${state}/${attempt}`).pipe(
      Effect.flatMap((previous) =>
        previous === `${state}/${attempt}` || options.onProgress === undefined
          ? Effect.void
          : options.onProgress({ state, attempt })
      )
    )

  const viaEvents = source.events(id, options).pipe(
    Stream.tap(report),
    Stream.filter((event) => isTerminal(event.state)),
    Stream.runHead
  )

  const poll = source.get(id).pipe(
    Effect.retry({ schedule: reconnect, while: daemonAway }),
    Effect.tap(report)
  )
  const viaPolling = poll.pipe(
    Effect.repeat({
      // Outputs its input, so the repeat yields the terminal view itself rather than a count.
      schedule: Schedule.identity<JobView>().pipe(
        Schedule.zipLeft(Schedule.spaced(options.pollInterval ?? Duration.millis(500)))
      ),
      until: (job) => isTerminal(job.state)
    })
  )

  const terminal = yield* viaEvents.pipe(
    Effect.catchTags({ DaemonError: () => Effect.succeedNone, DaemonUnreachable: () => Effect.succeedNone })
  )
  // The terminal event has the result but not the whole view (timestamps, error status): read it once.
  const job = yield* Option.match(terminal, { onNone: () => viaPolling, onSome: () => poll })
  return yield* settle(job)
})
