import { inlineArtifactLimit, type JobSummary, type JobView } from "@foreman/domain"
import { Effect, Option } from "effect"
import { artifactRef, parsedResult } from "../store/JobEventBody.js"
import type { JobRecord } from "../store/JobRecord.js"
import type { Store } from "../store/Store.js"

const iso = (millis: number | null) => millis === null ? null : new Date(millis).toISOString()

export const jobSummary = (job: JobRecord): JobSummary => ({
  id: job.id,
  state: job.state,
  model: job.model,
  endpoint: job.endpoint,
  api: job.api,
  mode: job.mode,
  attempt: job.attempt,
  max_attempts: job.maxAttempts,
  created_at: new Date(job.createdAt).toISOString(),
  started_at: iso(job.startedAt),
  finished_at: iso(job.finishedAt),
  error: job.error,
  state_webhook_url: job.webhookUrl
})

/** A job's artifacts, those small enough to inline with their bytes: as the terminal event has them. */
export const inlinedArtifacts = (store: Store, job: JobRecord) =>
  Effect.flatMap(store.listArtifacts(job.id), (metas) =>
    Effect.forEach(metas, (meta) =>
      meta.size > inlineArtifactLimit
        ? Effect.succeed(meta)
        : Effect.map(store.getArtifact(job.id, meta.name), (found) => ({
          ...meta,
          data: Option.getOrUndefined(Option.map(found, (a) => a.data))
        }))))

/** The full view of a job: its queue position while queued, its result and its artifacts. */
export const jobView = (store: Store, job: JobRecord, resident: string | null) =>
  Effect.gen(function*() {
    const artifacts = (yield* inlinedArtifacts(store, job)).map((artifact) => artifactRef(job.id, artifact))
    const view: JobView = {
      ...jobSummary(job),
      queue_position: yield* store.queuePosition(job, resident),
      error_status: job.errorStatus,
      result: parsedResult(job.result),
      artifacts
    }
    return view
  })
