import { Either } from "effect"

const isHttpUrl = (value: string) => {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
}

/**
 * A job's `state_webhook_url`: absent (`null`), or an absolute http(s) URL, kept as the URL
 * parser writes it (`http:/Host` is `http://host/`), which is where deliveries go anyway. The
 * outbox tells receivers apart by the origin SQLite reads from that text (migration 0010), which
 * only a written-out `scheme://authority/` makes exact. Checked where a job is submitted, over
 * HTTP or in-process, so a URL the dispatcher could never deliver to is refused before the job
 * exists instead of failing every event later.
 */
export const readWebhookUrl = (value: unknown): Either.Either<string | null, string> =>
  value === undefined || value === null
    ? Either.right(null)
    : typeof value === "string" && isHttpUrl(value)
    ? Either.right(new URL(value).href)
    : Either.left("state_webhook_url must be an absolute http(s) URL")
