import { Redacted } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * Webhook signing (ADR-0005). One key signs two headers: the Go original's `X-Foreman-Signature`
 * (kept for existing receivers) and Standard Webhooks' `webhook-signature` (what off-the-shelf
 * verifiers such as `standardwebhooks` and Svix check). Pure functions, exported for receivers.
 */

export const foremanSignatureHeader = "X-Foreman-Signature"
export const webhookIdHeader = "webhook-id"
export const webhookTimestampHeader = "webhook-timestamp"
export const webhookSignatureHeader = "webhook-signature"

/** Standard Webhooks verifiers reject timestamps further than this from their clock (replay guard). */
export const defaultToleranceSeconds = 5 * 60

const standardPrefix = "whsec_"

type Secret = Redacted.Redacted | string

const textOf = (secret: Secret): string => typeof secret === "string" ? secret : Redacted.value(secret)

/**
 * What is wrong with a secret, if anything. A `whsec_` secret must be real base64: node's decoder
 * skips what is not, so `whsec_!!!!` would sign with an empty key, which anyone can forge.
 */
export const secretProblem = (secret: Secret): string | undefined => {
  const text = textOf(secret)
  if (!text.startsWith(standardPrefix)) return text === "" ? "must not be empty" : undefined
  const encoded = text.slice(standardPrefix.length)
  return encoded !== "" && encoded.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(encoded)
    ? undefined
    : `a secret starting "${standardPrefix}" must be followed by base64 (Standard Webhooks), as "${standardPrefix}" plus the key's bytes`
}

/** Standard Webhooks: `whsec_<base64>` carries the key bytes in base64; anything else is used as UTF-8. */
export const signingKey = (secret: Secret): Buffer => {
  const text = textOf(secret)
  return text.startsWith(standardPrefix)
    ? Buffer.from(text.slice(standardPrefix.length), "base64")
    : Buffer.from(text, "utf8")
}

const hmac = (key: Buffer, content: string) => createHmac("sha256", key).update(content, "utf8").digest()

/** `sha256=<hex HMAC-SHA256(key, body)>` */
export const foremanSignature = (secret: Secret, body: string): string =>
  `sha256=${hmac(signingKey(secret), body).toString("hex")}`

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` */
export const standardSignature = (secret: Secret, eventId: string, timestampSeconds: number, body: string): string =>
  `v1,${hmac(signingKey(secret), `${eventId}.${timestampSeconds}.${body}`).toString("base64")}`

/** The headers sent on every delivery, signed or not: the event id (stable across retries) and the attempt's time. */
export const webhookIdHeaders = (eventId: string, timestampSeconds: number): Record<string, string> => ({
  [webhookIdHeader]: eventId,
  [webhookTimestampHeader]: String(timestampSeconds)
})

/** Every webhook header for a signed delivery. */
export const signatureHeaders = (
  secret: Redacted.Redacted,
  eventId: string,
  timestampSeconds: number,
  body: string
): Record<string, string> => ({
  ...webhookIdHeaders(eventId, timestampSeconds),
  [webhookSignatureHeader]: standardSignature(secret, eventId, timestampSeconds, body),
  [foremanSignatureHeader]: foremanSignature(secret, body)
})

// timingSafeEqual throws on different lengths; a length mismatch is simply "not equal" (the length of
// a signature is public anyway).
const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  return left.length === right.length && timingSafeEqual(left, right)
}

/** A header's value as node:http hands it out (repeated headers come as an array). */
export type HeaderValue = string | ReadonlyArray<string> | undefined

/** Incoming headers, names in lower case (node:http's `req.headers`, or built from fetch's Headers). */
export type IncomingHeaders = Readonly<Record<string, HeaderValue>>

const first = (value: HeaderValue): string | undefined => typeof value === "string" ? value : value?.[0]

/** Checks an `X-Foreman-Signature` header against the body. */
export const verifyForemanSignature = (secret: Secret, body: string, header: HeaderValue): boolean => {
  const value = first(header)
  return value !== undefined && secretProblem(secret) === undefined && safeEqual(foremanSignature(secret, body), value.trim())
}

export interface VerifyOptions {
  /** The receiver's clock, in unix seconds (default: now). */
  readonly nowSeconds?: number
  /** How far `webhook-timestamp` may be from `nowSeconds` (default 5 minutes). */
  readonly toleranceSeconds?: number
}

/**
 * Verifies a delivery as Standard Webhooks specifies: the timestamp is within tolerance, and one of
 * the space-separated `v1,<base64>` signatures matches.
 */
export const verifyStandardWebhook = (
  secret: Secret,
  headers: IncomingHeaders,
  body: string,
  options: VerifyOptions = {}
): boolean => {
  const id = first(headers[webhookIdHeader])
  const timestamp = first(headers[webhookTimestampHeader])
  const signatures = first(headers[webhookSignatureHeader])
  if (id === undefined || timestamp === undefined || signatures === undefined || !/^\d+$/.test(timestamp)) return false
  if (secretProblem(secret) !== undefined) return false
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? defaultToleranceSeconds)) return false
  const expected = standardSignature(secret, id, Number(timestamp), body)
  return signatures.split(" ").some((candidate) => safeEqual(expected, candidate))
}
