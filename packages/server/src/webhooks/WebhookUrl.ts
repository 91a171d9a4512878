import { Either } from "effect"

/** The URL as the parser writes it, when it is an absolute http(s) one with a host. */
const httpUrl = (value: string): URL | undefined => {
  const url = URL.canParse(value) ? new URL(value) : undefined
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" ? url : undefined
}

/**
 * A job's `state_webhook_url`: absent (`null`), or an absolute http(s) URL, kept as the URL
 * parser writes it (`http:/Host` is `http://host/`), which is where deliveries go anyway. The
 * outbox tells receivers apart by the origin SQLite reads from that text (migration 0010), which
 * only a written-out `scheme://authority/` makes exact. Checked where a job is submitted, over
 * HTTP or in-process, so a URL the dispatcher could never deliver to is refused before the job
 * exists instead of failing every event later.
 */
export const readWebhookUrl = (value: unknown): Either.Either<string | null, string> => {
  if (value === undefined || value === null) return Either.right(null)
  const url = typeof value === "string" ? httpUrl(value) : undefined
  return url !== undefined ? Either.right(url.href) : Either.left("state_webhook_url must be an absolute http(s) URL")
}
