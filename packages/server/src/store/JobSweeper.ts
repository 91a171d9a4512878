import { Duration, Effect, Schedule } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Store } from "./Store.js"

/** Deletes terminal jobs older than FOREMAN_JOB_TTL, looking every quarter TTL (1s to 1h). */
export class JobSweeper extends Effect.Service<JobSweeper>()("foreman/JobSweeper", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const store = yield* Store
    const ttl = Duration.toMillis(config.jobTtl)
    const every = Duration.clamp(Duration.millis(ttl / 4), { minimum: Duration.seconds(1), maximum: Duration.hours(1) })

    const sweepOnce = store.sweep(Date.now() - ttl).pipe(
      Effect.tap((deleted) => deleted > 0 ? Effect.logInfo("swept expired jobs").pipe(Effect.annotateLogs("deleted", deleted)) : Effect.void),
      Effect.catchAllCause((cause) => Effect.logWarning("job sweep failed", cause).pipe(Effect.as(0)))
    )

    yield* Effect.forkScoped(Effect.schedule(sweepOnce, Schedule.spaced(every)))
    return { sweepOnce } as const
  })
}) {}
