import { ArtifactRef, inlineArtifactLimit, isTerminal, type JobEvent, type JobId, type JobState } from "@foreman/domain"
import type { JobRecord, NewArtifact } from "./JobRecord.js"

export interface ArtifactContent {
  readonly name: string
  readonly contentType: string
  readonly size: number
  /** Present when the bytes are at hand (inline candidates). */
  readonly data?: Uint8Array | undefined
}

const isText = (contentType: string) => /^text\/|json|xml|ndjson/i.test(contentType)

export const artifactUrl = (jobId: JobId, name: string) => `/jobs/${jobId}/artifacts/${encodeURIComponent(name)}`

/** Inline under 256 KiB (UTF-8 for text, base64 otherwise), by URL above it; the URL is always given. */
export const artifactRef = (jobId: JobId, artifact: ArtifactContent): ArtifactRef => {
  const url = artifactUrl(jobId, artifact.name)
  const base = { name: artifact.name, content_type: artifact.contentType, size: artifact.size, url }
  if (artifact.data === undefined || artifact.size > inlineArtifactLimit) return ArtifactRef.make(base)
  return isText(artifact.contentType)
    ? ArtifactRef.make({ ...base, data: new TextDecoder().decode(artifact.data), encoding: "utf-8" })
    : ArtifactRef.make({ ...base, data: Buffer.from(artifact.data).toString("base64"), encoding: "base64" })
}

/** The stored result is the target's JSON answer; hand it out parsed, or as text if it is not JSON. */
export const parsedResult = (result: string | null): unknown => {
  if (result === null) return null
  try {
    return JSON.parse(result)
  } catch {
    return result
  }
}

/** The webhook payload and SSE data for one state change. */
export const jobEventBody = (
  eventId: string,
  job: JobRecord,
  previous: JobState | null,
  artifacts: ReadonlyArray<NewArtifact | ArtifactContent>
): JobEvent => {
  const base = {
    event_id: eventId,
    job_id: job.id,
    state: job.state,
    previous_state: previous,
    timestamp: new Date(job.updatedAt).toISOString(),
    model: job.model,
    attempt: job.attempt
  }
  if (!isTerminal(job.state)) return base
  return {
    ...base,
    result: parsedResult(job.result),
    artifacts: artifacts.map((a) =>
      artifactRef(job.id, { name: a.name, contentType: a.contentType, size: "size" in a ? a.size : a.data.byteLength, data: a.data })
    ),
    error: job.error
  }
}
