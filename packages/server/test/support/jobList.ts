import type { JobList } from "@foreman/domain"
import { Effect, Schedule } from "effect"

/** GET /jobs: the newest jobs first. */
export const listJobs = (url: string) => Effect.promise(() => fetch(`${url}/jobs`).then((r) => r.json() as Promise<JobList>))

/** Reads `check` every 25 ms until `ok` holds; fails after 10 s. */
export const eventually = <A>(check: Effect.Effect<A>, ok: (a: A) => boolean) =>
  check.pipe(
    Effect.filterOrFail(ok),
    Effect.retry(Schedule.spaced("25 millis")),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("condition not reached") })
  )
