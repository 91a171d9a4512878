import { JobView, withoutCredentials } from "@foreman/domain"
import { Schema } from "effect"

/** The daemon could not be reached at all (connection refused, DNS, reset before an answer). */
export class DaemonUnreachable extends Schema.TaggedError<DaemonUnreachable>()("DaemonUnreachable", {
  url: Schema.String,
  error: Schema.String
}) {
  // The config refuses a URL with credentials; an error built elsewhere must not print one either.
  override get message() {
    return `cannot reach foreman at ${withoutCredentials(this.url)}: ${this.error}`
  }
}

/** The daemon answered, but not with anything its API promises (a 5xx, a proxy's page, bad JSON). */
export class DaemonError extends Schema.TaggedError<DaemonError>()("DaemonError", {
  status: Schema.NullOr(Schema.Number),
  error: Schema.String
}) {
  override get message() {
    return this.status === null ? this.error : `HTTP ${this.status}: ${this.error}`
  }
}

/** The job ended in `failed`: the view carries the error and the target's status. */
export class JobFailed extends Schema.TaggedError<JobFailed>()("JobFailed", { job: JobView }) {
  override get message() {
    return `job ${this.job.id} failed: ${this.job.error ?? "no error recorded"}`
  }
}

/** The job ended in `cancelled`, by a DELETE or a restart that orphaned it. */
export class JobCancelled extends Schema.TaggedError<JobCancelled>()("JobCancelled", { job: JobView }) {
  override get message() {
    // A DELETE records the error "cancelled"; only another reason (foreman stopping) is worth saying.
    const reason = this.job.error === null || this.job.error === "cancelled" ? "" : `: ${this.job.error}`
    return `job ${this.job.id} was cancelled${reason}`
  }
}
