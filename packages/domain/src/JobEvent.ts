import { Schema } from "effect"
import { JobId } from "./JobId.js"
import { JobState } from "./JobState.js"
import { ArtifactRef } from "./JobView.js"

/**
 * One state change of a job: the webhook body, and the data of each SSE event. Terminal states add
 * `result`, `artifacts` and `error`. Receivers should be idempotent on `event_id`.
 */
export const JobEvent = Schema.Struct({
  event_id: Schema.String,
  job_id: JobId,
  state: JobState,
  previous_state: Schema.NullOr(JobState),
  timestamp: Schema.String,
  model: Schema.String,
  attempt: Schema.Number,
  result: Schema.optional(Schema.NullOr(Schema.Unknown)),
  artifacts: Schema.optional(Schema.Array(ArtifactRef)),
  error: Schema.optional(Schema.NullOr(Schema.String))
})
export type JobEvent = typeof JobEvent.Type
