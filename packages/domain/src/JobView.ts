import { Schema } from "effect"
import { JobId } from "./JobId.js"
import { JobApi, JobEndpoint, JobMode, JobState } from "./JobState.js"

/** An artifact as a job reports it: inline when small (≤ 256 KiB), otherwise a URL to fetch it. */
export const ArtifactRef = Schema.Struct({
  name: Schema.String,
  content_type: Schema.String,
  size: Schema.Number,
  /** The content, UTF-8 text for text/* types and base64 otherwise; absent when served by URL. */
  data: Schema.optional(Schema.String),
  encoding: Schema.optional(Schema.Literal("utf-8", "base64")),
  url: Schema.String
})
export type ArtifactRef = typeof ArtifactRef.Type

export const inlineArtifactLimit = 256 * 1024

/** A job without its result, as the list shows it. */
export const JobSummary = Schema.Struct({
  id: JobId,
  state: JobState,
  model: Schema.String,
  endpoint: JobEndpoint,
  api: JobApi,
  mode: JobMode,
  attempt: Schema.Number,
  max_attempts: Schema.Number,
  created_at: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  state_webhook_url: Schema.NullOr(Schema.String)
})
export type JobSummary = typeof JobSummary.Type

/** One job in full: GET /jobs/{id}. */
export const JobView = Schema.Struct({
  ...JobSummary.fields,
  /** 1-based place in the queue while queued (the next job to run is 1), else null. */
  queue_position: Schema.NullOr(Schema.Number),
  error_status: Schema.NullOr(Schema.Number),
  /** The target's final answer, shaped like its `stream: false` response. */
  result: Schema.NullOr(Schema.Unknown),
  artifacts: Schema.Array(ArtifactRef)
})
export type JobView = typeof JobView.Type

export const JobList = Schema.Struct({
  jobs: Schema.Array(JobSummary),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: Schema.NullOr(Schema.String)
})
export type JobList = typeof JobList.Type

export const SubmitAccepted = Schema.Struct({ job_id: JobId })

/**
 * POST /jobs: a native chat payload (or a generate payload with `"endpoint": "generate"`) plus an
 * optional `state_webhook_url`. Every other field goes to the target as sent.
 */
export const SubmitJob = Schema.Struct(
  {
    model: Schema.String,
    endpoint: Schema.optional(JobEndpoint),
    state_webhook_url: Schema.optional(Schema.String),
    messages: Schema.optional(Schema.Array(Schema.Unknown)),
    prompt: Schema.optional(Schema.String),
    stream: Schema.optional(Schema.Boolean)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
export type SubmitJob = typeof SubmitJob.Type
