import type { JobState } from "@foreman/domain"
import { Data } from "effect"

/** A transition named a from-state the job was no longer in (someone else moved it first). */
export class InvalidTransition extends Data.TaggedError("InvalidTransition")<{
  readonly jobId: string
  readonly from: JobState
  readonly to: JobState
  readonly actual: JobState
}> {
  override get message() {
    return `job ${this.jobId} is ${this.actual}, not ${this.from}; cannot move it to ${this.to}`
  }
}
