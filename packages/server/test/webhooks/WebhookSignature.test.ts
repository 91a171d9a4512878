import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Option, Redacted, Schedule } from "effect"
import { createHmac } from "node:crypto"
import {
  retryDelay,
  webhookBackoffCap,
  webhookMaxAttempts,
  webhookRetrySchedule
} from "../../src/webhooks/WebhookDispatcher.js"
import {
  foremanSignature,
  secretProblem,
  signatureHeaders,
  signingKey,
  standardSignature,
  verifyForemanSignature,
  verifyStandardWebhook
} from "../../src/webhooks/WebhookSignature.js"

// The example secret of the Standard Webhooks spec and its reference libraries.
const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const keyBytes = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64")
const eventId = "01JD0000000000000000000000"
const timestamp = 1_764_000_000
const body = `{"event_id":"${eventId}","job_id":"01JD0000000000000000000001","state":"queued","previous_state":null}`

const hex = (key: Buffer | string, content: string) => createHmac("sha256", key).update(content).digest("hex")
const b64 = (key: Buffer | string, content: string) => createHmac("sha256", key).update(content).digest("base64")

describe("webhook signatures", () => {
  it("a whsec_ secret is base64-decoded into the key; any other secret is its UTF-8 bytes", () => {
    expect(signingKey(whsec).equals(keyBytes)).toBe(true)
    expect(signingKey(Redacted.make("plain secret ü")).equals(Buffer.from("plain secret ü", "utf8"))).toBe(true)
  })

  // node's base64 decoder skips what is not base64, so these would be empty or lossy keys; an HMAC
  // under an empty key is one anybody can make.
  it("a whsec_ secret that is not base64 is refused, and verifies nothing, not even an empty-key forgery", () => {
    expect(secretProblem(whsec)).toBeUndefined()
    expect(secretProblem("plain secret")).toBeUndefined()
    for (const bad of ["whsec_", "whsec_!!!!", "whsec_my-secret", "whsec_abc"]) {
      expect(secretProblem(bad), bad).toContain("base64")
      const forged = `sha256=${hex(Buffer.alloc(0), body)}`
      expect(verifyForemanSignature(bad, body, forged), bad).toBe(false)
      const headers = { "webhook-id": eventId, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${b64(Buffer.alloc(0), `${eventId}.${timestamp}.${body}`)}` }
      expect(verifyStandardWebhook(bad, headers, body, { nowSeconds: timestamp }), bad).toBe(false)
    }
  })

  it("known answers: X-Foreman-Signature over the body, webhook-signature over id.timestamp.body", () => {
    const headers = signatureHeaders(Redacted.make(whsec), eventId, timestamp, body)
    expect(headers).toEqual({
      "webhook-id": eventId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${b64(keyBytes, `${eventId}.${timestamp}.${body}`)}`,
      "X-Foreman-Signature": `sha256=${hex(keyBytes, body)}`
    })
    // A legacy (non-whsec) secret signs with its own bytes, as the Go original did.
    expect(foremanSignature("s3cret", body)).toBe(`sha256=${hex("s3cret", body)}`)
    expect(standardSignature("s3cret", eventId, timestamp, body)).toBe(`v1,${b64("s3cret", `${eventId}.${timestamp}.${body}`)}`)
  })

  it("fixed vector: the signature does not drift across refactors", () => {
    // HMAC-SHA256 test case 2 of RFC 4231: key "Jefe".
    expect(foremanSignature("Jefe", "what do ya want for nothing?")).toBe(
      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
  })

  it("verifies genuine deliveries and rejects tampered bodies, ids, timestamps and stale ones", () => {
    const secret = Redacted.make(whsec)
    const headers = signatureHeaders(secret, eventId, timestamp, body)
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    const at = { nowSeconds: timestamp + 10 }

    expect(verifyForemanSignature(secret, body, lower["x-foreman-signature"])).toBe(true)
    expect(verifyForemanSignature(secret, `${body} `, lower["x-foreman-signature"])).toBe(false)
    expect(verifyForemanSignature("whsec_b3RoZXI=", body, lower["x-foreman-signature"])).toBe(false)
    expect(verifyForemanSignature(secret, body, undefined)).toBe(false)
    expect(verifyForemanSignature(secret, body, "sha256=00")).toBe(false)

    expect(verifyStandardWebhook(secret, lower, body, at)).toBe(true)
    expect(verifyStandardWebhook(secret, lower, body.replace("queued", "done"), at)).toBe(false)
    expect(verifyStandardWebhook(secret, { ...lower, "webhook-timestamp": String(timestamp + 1) }, body, at)).toBe(false)
    expect(verifyStandardWebhook(secret, { ...lower, "webhook-id": "01JD0000000000000000000009" }, body, at)).toBe(false)
    expect(verifyStandardWebhook(secret, lower, body, { nowSeconds: timestamp + 3600 })).toBe(false)
    // Several space-separated signatures (key rotation): one match is enough.
    const rotated = { ...lower, "webhook-signature": `v1,AAAA ${lower["webhook-signature"]}` }
    expect(verifyStandardWebhook(secret, rotated, body, at)).toBe(true)
    // node:http may hand out repeated headers as arrays.
    expect(verifyStandardWebhook(secret, { ...lower, "webhook-id": [eventId] }, body, at)).toBe(true)
  })
})

describe("webhook retry policy", () => {
  it.effect("doubles from 1s, caps each wait at 5 minutes, and stops after the last attempt", () =>
    Effect.gen(function*() {
      const schedule = webhookRetrySchedule()
      const waits = yield* Effect.forEach(Array.from({ length: webhookMaxAttempts + 1 }, (_, i) => i + 1), (failed) =>
        retryDelay(schedule, failed).pipe(Effect.map(Option.map(Duration.toSeconds))))
      expect(waits).toEqual([
        ...[1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map(Option.some),
        Option.none(),
        Option.none()
      ])
      const total = waits.reduce((sum, wait) => sum + Option.getOrElse(wait, () => 0), 0)
      expect(total).toBeGreaterThanOrEqual(600)
      expect(Math.max(...waits.map((w) => Option.getOrElse(w, () => 0)))).toBe(Duration.toSeconds(webhookBackoffCap))
    }))

  it.effect("a custom schedule is replayed the same way (attempt counts come from the outbox row)", () =>
    Effect.gen(function*() {
      const schedule = webhookRetrySchedule("100 millis", "250 millis", 3)
      const waits = yield* Effect.forEach([1, 2, 3, 4], (failed) => retryDelay(schedule, failed))
      expect(waits.map(Option.map(Duration.toMillis))).toEqual([Option.some(100), Option.some(200), Option.some(250), Option.none()])
      expect(Chunk.size(yield* Schedule.run(Schedule.delays(schedule), 0, [1, 2, 3, 4, 5]))).toBe(4)
    }))
})
