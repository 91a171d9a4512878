import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { request } from "node:http"
import { createServer } from "node:https"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { verifyStandardWebhook } from "../../server/src/webhooks/WebhookSignature.js"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { eventsByJob, startReceiver } from "../../server/test/support/webhookReceiver.js"
import { awaitAnswer, foremanCli, foremanProcess, show } from "./support/cli.js"

// A self-signed certificate for localhost and 127.0.0.1 (test use only, valid until 2126). The
// daemon trusts it the way an operator trusts a private CA: NODE_EXTRA_CA_CERTS.
const certFile = join(import.meta.dirname, "support", "tls", "localhost.crt")
const identity = { cert: readFileSync(certFile, "utf8"), key: readFileSync(join(import.meta.dirname, "support", "tls", "localhost.key"), "utf8") }

/** HTTPS in front of a plain-HTTP target: what a TLS-terminating reverse proxy before Ollama does. */
const tlsFront = (targetPort: number) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
      const server = createServer(identity, (incoming, outgoing) => {
        const upstream = request({ host: "127.0.0.1", port: targetPort, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        })
        upstream.on("error", () => outgoing.destroy())
        incoming.pipe(upstream)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `https://localhost:${port}`, close: () => server.close() }))
      })
    }),
    (front) => Effect.sync(() => front.close())
  )

describe("https", () => {
  it.live("an https Ollama and an https webhook receiver, with the daemon trusting their CA", () =>
    Effect.gen(function*() {
      const [simPort, port] = [yield* freePort, yield* freePort]
      const dir = yield* tempDir
      const sim = yield* foremanProcess(["sim", "--port", String(simPort)])
      yield* awaitAnswer(`http://127.0.0.1:${simPort}/api/version`)
      const target = yield* tlsFront(simPort)
      const receiver = yield* startReceiver(() => 204, identity)
      const secret = "whsec_dGxzLXRlc3Qtc2VjcmV0LWZvci1mb3JlbWFu"
      const daemon = yield* foremanProcess(["serve"], {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: target.url,
        FOREMAN_DB_PATH: join(dir, "foreman.db"),
        FOREMAN_WEBHOOK_SECRET: secret,
        FOREMAN_POLL_INTERVAL: "200ms",
        FOREMAN_LOG_LEVEL: "warning",
        NODE_EXTRA_CA_CERTS: certFile
      })
      const url = `http://127.0.0.1:${port}`
      const logs = () => `--- sim ---\n${sim.output()}\n--- daemon ---\n${daemon.output()}`
      yield* awaitAnswer(`${url}/healthz`)

      // Passthrough and a generation both reach the target over TLS.
      const tags = yield* foremanCli(["tags"], { url })
      expect(tags.code, `${show(tags)}\n${logs()}`).toBe(0)
      expect(tags.stdout).toContain("qwen3:8b")
      const answer = yield* foremanCli(["submit", "-m", "qwen3:8b", "-p", "over tls", "--webhook", receiver.url, "--wait"], { url })
      expect(answer.code, `${show(answer)}\n${logs()}`).toBe(0)
      expect(answer.stdout).toBe("qwen3:8b answers: over tls\n")

      // Every state change reaches the HTTPS receiver, signed.
      const states = () => [...eventsByJob(receiver.received).values()][0]?.map((event) => event.state) ?? []
      yield* Effect.suspend(() => states().includes("done") ? Effect.void : Effect.fail(new Error(`events so far: ${states().join(", ")}`))).pipe(
        Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds")))
      )
      expect(states()[0], logs()).toBe("queued")
      expect(states()).toContain("working")
      expect(states().at(-1)).toBe("done")
      for (const delivery of receiver.received) {
        expect(verifyStandardWebhook(secret, delivery.headers, delivery.body)).toBe(true)
      }
    }).pipe(Effect.scoped), 180_000)

  // The target answers, but with a certificate nobody told Node to trust: "no Ollama answered"
  // pointed at the wrong fix.
  it.live("an https Ollama whose CA the daemon does not trust: degraded, saying so and naming NODE_EXTRA_CA_CERTS", () =>
    Effect.gen(function*() {
      const [simPort, port] = [yield* freePort, yield* freePort]
      const dir = yield* tempDir
      yield* foremanProcess(["sim", "--port", String(simPort)])
      yield* awaitAnswer(`http://127.0.0.1:${simPort}/api/version`)
      const target = yield* tlsFront(simPort)
      const daemon = yield* foremanProcess(["serve"], {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: target.url,
        FOREMAN_DB_PATH: join(dir, "foreman.db")
      })
      const url = `http://127.0.0.1:${port}`
      const health = JSON.parse(yield* awaitAnswer(`${url}/healthz`)) as { readonly degraded: boolean; readonly error: string | null }
      expect(health.degraded, daemon.output()).toBe(true)
      expect(health.error).toMatch(/^target unreachable: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\); trust its CA with NODE_EXTRA_CA_CERTS=/)
      expect(daemon.output()).toContain(`Ollama at ${target.url} answered with a certificate Node does not trust`)
      expect(daemon.output()).not.toContain("no Ollama answered")
      const shown = yield* foremanCli(["health"], { url })
      expect(shown.stdout).toMatch(/ERROR +target unreachable: .*NODE_EXTRA_CA_CERTS/)
    }).pipe(Effect.scoped), 180_000)
})
