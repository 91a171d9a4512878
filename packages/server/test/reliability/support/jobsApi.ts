import type { JobList, JobSummary, JobView } from "@foreman/domain"
import { Effect, Schedule } from "effect"

const getJson = <A>(url: string) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url)
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
      return (await response.json()) as A
    },
    catch: (cause) => new Error(`GET ${url}: ${cause instanceof Error ? `${cause.message} ${String(cause.cause ?? "")}` : String(cause)}`)
  })

/** Every job the daemon knows, newest first, following the cursor. */
export const listAll = (url: string): Effect.Effect<ReadonlyArray<JobSummary>, unknown> =>
  Effect.gen(function*() {
    const all: Array<JobSummary> = []
    let cursor: string | null = null
    do {
      const page: JobList = yield* getJson<JobList>(`${url}/jobs?limit=500${cursor === null ? "" : `&cursor=${cursor}`}`)
      all.push(...page.jobs)
      cursor = page.next_cursor
    } while (cursor !== null)
    return all
  })

export const getJob = (url: string, id: string) => getJson<JobView>(`${url}/jobs/${id}`)

export interface HealthBody {
  readonly status: string
  readonly degraded: boolean
  readonly queued: number
}

export const health = (url: string) => getJson<HealthBody>(`${url}/healthz`)

/** The text a finished job answered: chat's message content or generate's response. */
export const answerOf = (job: JobView): string | undefined => {
  const result = job.result
  if (typeof result !== "object" || result === null) return undefined
  if ("response" in result && typeof result.response === "string") return result.response
  if ("message" in result && typeof result.message === "object" && result.message !== null && "content" in result.message) {
    return typeof result.message.content === "string" ? result.message.content : undefined
  }
  return undefined
}

/** Retries `check` until `ok` holds, failing with `what` after `within`. */
export const until = <A, E>(
  check: Effect.Effect<A, E>,
  ok: (a: A) => boolean,
  what: () => string,
  within: `${number} seconds` = "60 seconds",
  every: `${number} millis` = "100 millis"
) =>
  check.pipe(
    Effect.filterOrFail(ok, () => new Error("not yet")),
    Effect.retry(Schedule.spaced(every)),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`timed out after ${within} waiting for ${what()}`) }),
    Effect.orDie
  )
