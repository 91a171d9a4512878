import { JobApi, JobEndpoint, JobId, JobMode, JobState } from "@foreman/domain"
import { Schema } from "effect"

/** A row of the jobs table, as the store hands it out (column names camel-cased by the client). */
export class JobRecord extends Schema.Class<JobRecord>("JobRecord")({
  id: JobId,
  mode: JobMode,
  endpoint: JobEndpoint,
  api: JobApi,
  model: Schema.String,
  payload: Schema.String,
  state: JobState,
  attempt: Schema.Number,
  maxAttempts: Schema.Number,
  webhookUrl: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  errorStatus: Schema.NullOr(Schema.Number),
  result: Schema.NullOr(Schema.String),
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
  startedAt: Schema.NullOr(Schema.Number),
  finishedAt: Schema.NullOr(Schema.Number),
  /** The id of the event that announced the current state (null on rows older than migration 0005). */
  eventId: Schema.NullOr(Schema.String)
}) {}

export interface NewJob {
  readonly id: JobId
  readonly mode: JobMode
  readonly endpoint: JobEndpoint
  /** Defaults to the native API. */
  readonly api?: JobApi | undefined
  readonly model: string
  readonly payload: string
  readonly webhookUrl: string | null
}

/** What a transition may record beside the new state. */
export interface TransitionPatch {
  readonly error?: string | null
  readonly errorStatus?: number | null
  readonly result?: string | null
  readonly attempt?: number
}

export interface NewArtifact {
  readonly name: string
  readonly contentType: string
  readonly data: Uint8Array
}
