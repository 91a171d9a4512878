import { Duration, Effect, Schedule } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Store } from "./Store.js"
import { WebhookOutbox } from "./WebhookOutbox.js"

/**
 * Deletes terminal jobs older than FOREMAN_JOB_TTL (with their artifacts and outbox rows), and
 * delivered or given-up webhook events of jobs still kept, looking at start and then every quarter
 * TTL (1s to 1h). A job with a webhook event still pending waits until it is delivered or dead.
 */
export class JobSweeper extends Effect.Service<JobSweeper>()("foreman/JobSweeper", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const store = yield* Store
    const outbox = yield* WebhookOutbox
    const ttl = Duration.toMillis(config.jobTtl)
    const every = Duration.clamp(Duration.millis(ttl / 4), { minimum: Duration.seconds(1), maximum: Duration.hours(1) })

    const sweepOnce = Effect.suspend(() => {
      const cutoff = Date.now() - ttl
      return Effect.zipWith(store.sweep(cutoff), outbox.sweep(cutoff), (jobs, events) => jobs + events)
    }).pipe(
      Effect.tap((deleted) => deleted > 0 ? Effect.logInfo("swept expired jobs and webhook events").pipe(Effect.annotateLogs("deleted", deleted)) : Effect.void),
      Effect.catchAllCause((cause) => Effect.logWarning("job sweep failed", cause).pipe(Effect.as(0)))
    )

    // At start too, not a quarter TTL later: a daemon restarted more often than that would never sweep.
    yield* Effect.forkScoped(Effect.repeat(sweepOnce, Schedule.spaced(every)))
    return { sweepOnce } as const
  })
}) {}
