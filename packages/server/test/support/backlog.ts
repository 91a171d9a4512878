import { Effect, Schedule } from "effect"
import type { RunningForeman } from "./foreman.js"

/**
 * Runs `submit` while the target is away (foreman degraded, the worker holding), then brings the
 * target back: everything submitted is one backlog, however fast or slow this machine is today.
 */
export const asBacklog = <A, E>(foreman: RunningForeman, submit: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    yield* foreman.sim.refuse()
    yield* Effect.promise(() => fetch(`${foreman.url}/healthz`).then((r) => r.json() as Promise<{ degraded: boolean }>)).pipe(
      Effect.filterOrFail((health) => health.degraded),
      Effect.retry(Schedule.spaced("50 millis")),
      Effect.timeout("10 seconds"),
      Effect.orDie
    )
    const submitted = yield* submit
    yield* Effect.orDie(foreman.sim.restore)
    return submitted
  })
