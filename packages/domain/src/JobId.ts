import { Schema } from "effect"

/** A job id is a ULID: 26 Crockford base32 characters, sortable by creation time. */
export const JobId = Schema.String.pipe(
  Schema.pattern(/^[0-9A-HJKMNP-TV-Z]{26}$/, { message: () => "a job id is a 26-character ULID" }),
  Schema.brand("JobId")
)
export type JobId = typeof JobId.Type
