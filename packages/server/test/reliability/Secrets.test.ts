import { describe, expect, it } from "@effect/vitest"
import { isTerminal, type JobView } from "@foreman/domain"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { verifyForemanSignature, verifyStandardWebhook } from "../../src/webhooks/WebhookSignature.js"
import { eventsByJob, startReceiver } from "../support/webhookReceiver.js"
import { familyOf, installedModel } from "./support/hostile.js"
import { until } from "./support/jobsApi.js"
import { freePort } from "../support/daemon.js"
import { runningForeman } from "./support/process.js"
import { rawRequest } from "./support/rawHttp.js"
import { report, testTimeout } from "./support/scale.js"

const embedModel = "nomic-embed-text:latest"

interface Seen {
  readonly what: string
  readonly status: number
  /** Status line, headers and body, as text. */
  readonly text: string
}

/** Every route and the method(s) it serves, with a body where it takes one. */
const routes = (job: string): ReadonlyArray<readonly [string, string, string?]> => [
  ["GET", "/"],
  ["HEAD", "/"],
  ["GET", "/api/version"],
  ["HEAD", "/api/version"],
  ["GET", "/api/tags"],
  ["HEAD", "/api/tags"],
  ["GET", "/api/ps"],
  ["POST", "/api/chat", JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "hi" }] })],
  ["POST", "/api/generate", JSON.stringify({ model: installedModel, stream: false, prompt: "hi" })],
  ["POST", "/api/show", JSON.stringify({ model: installedModel })],
  ["POST", "/api/embed", JSON.stringify({ model: embedModel, input: "hi" })],
  ["POST", "/api/embeddings", JSON.stringify({ model: embedModel, prompt: "hi" })],
  ["POST", "/api/pull", JSON.stringify({ model: "pulled:1b", stream: false })],
  ["POST", "/api/push", JSON.stringify({ model: installedModel, stream: false })],
  ["POST", "/api/create", JSON.stringify({ model: "made:1b", from: installedModel, stream: false })],
  ["POST", "/api/copy", JSON.stringify({ source: installedModel, destination: "copied:1b" })],
  ["DELETE", "/api/delete", JSON.stringify({ model: "copied:1b" })],
  ["HEAD", `/api/blobs/sha256:${"0".repeat(64)}`],
  ["POST", `/api/blobs/sha256:${createHash("sha256").update("blob").digest("hex")}`, "blob"],
  ["POST", "/v1/chat/completions", JSON.stringify({ model: installedModel, messages: [{ role: "user", content: "hi" }] })],
  ["POST", "/v1/completions", JSON.stringify({ model: installedModel, prompt: "hi" })],
  ["POST", "/v1/embeddings", JSON.stringify({ model: embedModel, input: "hi" })],
  ["GET", "/v1/models"],
  ["GET", `/v1/models/${installedModel}`],
  ["GET", "/openapi.json"],
  ["GET", "/metrics"],
  ["POST", "/jobs", JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "hi" }] })],
  ["GET", "/jobs"],
  ["GET", `/jobs/${job}`],
  ["DELETE", `/jobs/${job}`],
  ["GET", `/jobs/${job}/artifacts/completion`],
  ["GET", `/jobs/${job}/events`],
  ["GET", "/no/such/route"],
  ["PUT", "/api/chat"]
]

describe("secrets and the token", () => {
  it.live(
    "FOREMAN_TOKEN guards every route but /healthz; no secret reaches logs, answers, webhooks, metrics or the database file",
    () =>
      Effect.gen(function*() {
        const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`
        const token = secret("fm-api")
        const ollamaToken = secret("fm-target")
        const webhookSecret = secret("fm-hook")
        const secrets = { FOREMAN_TOKEN: token, FOREMAN_OLLAMA_TOKEN: ollamaToken, FOREMAN_WEBHOOK_SECRET: webhookSecret }

        const sim = yield* OllamaSim.start({ requireToken: ollamaToken, recordLimit: 10_000 })
        const receiver = yield* startReceiver()
        const { url, port, dbPath, daemon } = yield* runningForeman(sim.url, { FOREMAN_LOG_LEVEL: "debug", ...secrets })
        const dir = dirname(dbPath)

        const seen: Array<Seen> = []
        const call = (method: string, path: string, options: { readonly authorization?: string; readonly body?: string; readonly headers?: Record<string, string> } = {}) =>
          Effect.promise(async () => {
            const headers: Record<string, string> = { ...options.headers }
            if (options.authorization !== undefined) headers["authorization"] = options.authorization
            if (options.body !== undefined) headers["content-type"] = "application/json"
            const response = await rawRequest(port, { method, path, headers, body: options.body })
            const text = `${response.status}\n${JSON.stringify(response.headers)}\n${response.body.toString("utf8")}`
            seen.push({ what: `${method} ${path} (${options.authorization ?? "no authorization"})`, status: response.status, text })
            return response
          })
        const bearer = `Bearer ${token}`

        // One real job, so the /jobs/{id} routes have something to guard.
        const first = yield* call("POST", "/jobs", {
          authorization: bearer,
          body: JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "security-probe-0" }], state_webhook_url: receiver.url })
        })
        expect(first.status).toBe(202)
        const firstId = (JSON.parse(first.body.toString()) as { job_id: string }).job_id

        yield* until(
          Effect.promise(() => fetch(`${url}/jobs/${firstId}`, { headers: { authorization: bearer } }).then((r) => r.json() as Promise<JobView>)),
          (job) => job.state === "done",
          () => "the first job done"
        )

        // 1. Without the token, or with anything but it: 401 in the route family's shape, and the
        // target never hears of it.
        yield* sim.resetStats
        const wrong: ReadonlyArray<readonly [string, Record<string, string>, string?]> = [
          ["no header", {}],
          ["token in the query", {}],
          ["wrong bearer", {}, "Bearer wrong"],
          ["token plus a byte", {}, `Bearer ${token}x`],
          ["token less a byte", {}, `Bearer ${token.slice(0, -1)}`],
          ["token upper-cased", {}, `Bearer ${token.toUpperCase()}`],
          ["basic auth", {}, `Basic ${Buffer.from(`foreman:${token}`).toString("base64")}`],
          ["bare token", {}, token],
          ["other scheme", {}, `Token ${token}`],
          ["the target's token", {}, `Bearer ${ollamaToken}`],
          ["the webhook secret", {}, `Bearer ${webhookSecret}`],
          ["empty bearer", {}, "Bearer "],
          ["x-api-key", { "x-api-key": token }]
        ]
        let refused = 0
        for (const [method, path, body] of routes(firstId)) {
          for (const [label, headers, authorization] of wrong) {
            const query = label === "token in the query" ? `${path.includes("?") ? "&" : "?"}token=${token}` : ""
            const response = yield* call(method, `${path}${query}`, {
              ...(authorization === undefined ? {} : { authorization }),
              ...(body === undefined ? {} : { body }),
              headers
            })
            expect(response.status, `${method} ${path} with ${label}`).toBe(401)
            refused += 1
            if (method === "HEAD") continue
            const parsed: unknown = JSON.parse(response.body.toString())
            const family = familyOf(path)
            if (family === "native") expect(parsed, `${method} ${path}`).toEqual({ error: expect.stringContaining("unauthorized") })
            if (family === "openai") expect(parsed, `${method} ${path}`).toMatchObject({ error: { message: expect.any(String) } })
            if (family === "foreman") expect(parsed, `${method} ${path}`).toEqual({ _tag: "Unauthorized", error: expect.any(String) })
          }
        }
        const quiet = yield* sim.stats
        for (const key of Object.keys(quiet.calls)) {
          // Only the inventory poller talks to the target meanwhile.
          expect(["GET /api/tags", "GET /api/ps"], `the target heard ${key}`).toContain(key)
        }
        for (const authorization of [undefined, "Bearer wrong"]) {
          const health = yield* call("GET", "/healthz", authorization === undefined ? {} : { authorization })
          expect(health.status).toBe(200)
        }

        // 2. With the token, every route does its work: passthrough, generations, jobs with webhooks.
        for (const [method, path, body] of routes(firstId)) {
          const response = yield* call(method, path, { authorization: bearer, ...(body === undefined ? {} : { body }) })
          expect(response.status, `${method} ${path}`).not.toBe(401)
        }
        const metrics = yield* call("GET", "/metrics", { authorization: bearer })
        expect(metrics.status).toBe(200)

        // Jobs with webhooks: one the target fails, one that finishes, one cancelled (or already done).
        const submitted: Array<string> = []
        for (const [i, extra] of [[1, {}], [2, { endpoint: "generate", prompt: "security-probe-2" }], [3, {}]] as const) {
          if (i === 1) yield* sim.failNext(1, 500, "the target broke")
          const response = yield* call("POST", "/jobs", {
            authorization: bearer,
            body: JSON.stringify({ model: installedModel, stream: i % 2 === 0, messages: [{ role: "user", content: `security-probe-${i}` }], state_webhook_url: receiver.url, ...extra })
          })
          submitted.push((JSON.parse(response.body.toString()) as { job_id: string }).job_id)
          if (i === 1) {
            yield* until(
              Effect.promise(() => fetch(`${url}/jobs/${submitted[0] ?? ""}`, { headers: { authorization: bearer } }).then((r) => r.json() as Promise<JobView>)),
              (job) => isTerminal(job.state),
              () => "the failing job"
            ).pipe(Effect.tap((job) => Effect.sync(() => expect(job).toMatchObject({ state: "failed", error: "the target broke" }))))
          }
        }
        yield* call("DELETE", `/jobs/${submitted[2] ?? ""}`, { authorization: bearer })
        // The async jobs finish first, so the failure armed next is the sync caller's, not theirs.
        yield* until(
          Effect.promise(() => Promise.all(submitted.map((id) => fetch(`${url}/jobs/${id}`, { headers: { authorization: bearer } }).then((r) => r.json() as Promise<JobView>)))),
          (jobs) => jobs.every((job) => isTerminal(job.state)),
          () => "the async jobs to finish"
        )
        // A sync caller gets the target's error in Ollama's shape.
        yield* sim.failNext(1, 500, "the target broke again")
        const failing = yield* call("POST", "/api/chat", {
          authorization: bearer,
          body: JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "security-probe-sync" }] })
        })
        expect(failing.status).toBe(500)
        expect(JSON.parse(failing.body.toString())).toEqual({ error: "the target broke again" })

        // The target goes away for a while: degraded, errors, waiting callers, then back.
        yield* sim.refuse(2_000)
        yield* until(Effect.promise(() => fetch(`${url}/healthz`).then((r) => r.json() as Promise<{ degraded: boolean }>)), (h) => h.degraded, () => "degraded")
        const unreachable = yield* call("GET", "/api/version", { authorization: bearer })
        expect(unreachable.status).toBe(502)
        const waiting = yield* call("POST", "/api/chat", {
          authorization: bearer,
          body: JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "security-probe-waiting" }] })
        })
        expect(waiting.status).toBe(200)
        const all = [firstId, ...submitted]
        yield* until(
          Effect.promise(() => Promise.all(all.map((id) => fetch(`${url}/jobs/${id}`, { headers: { authorization: bearer } }).then((r) => r.json() as Promise<JobView>)))),
          (jobs) => jobs.every((j) => isTerminal(j.state)),
          () => "every job terminal"
        )
        for (const id of all) {
          yield* call("GET", `/jobs/${id}`, { authorization: bearer })
          yield* call("GET", `/jobs/${id}/events`, { authorization: bearer })
        }
        yield* until(
          Effect.sync(() => eventsByJob(receiver.received)),
          (byJob) => all.every((id) => { const last = byJob.get(id)?.at(-1); return last !== undefined && isTerminal(last.state) }),
          () => "every terminal webhook"
        )
        yield* call("GET", "/metrics", { authorization: bearer })
        yield* call("GET", "/jobs?limit=50", { authorization: bearer })
        // Let the last log lines and WAL writes land.
        yield* Effect.sleep("500 millis")

        // 3. Now look everywhere for the three secrets.
        const logs = daemon.output()
        const files = readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }))
        yield* daemon.kill
        const filesAfterKill = readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name)) }))
        const webhooks = receiver.received.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`)
        const requests = yield* sim.requests

        // Not vacuous: the logs are at debug level and saw the outage; the files hold the jobs.
        expect(logs).toMatch(/level=DEBUG/)
        expect(logs).toMatch(/unreachable|degraded/)
        const dbBytes = Buffer.concat(filesAfterKill.map((f) => f.bytes))
        expect(dbBytes.includes(Buffer.from("security-probe-2"))).toBe(true)
        expect(dbBytes.includes(Buffer.from(firstId))).toBe(true)
        expect(webhooks.length).toBeGreaterThanOrEqual(all.length * 2)
        expect(metrics.body.toString()).toMatch(/^# (HELP|TYPE) /m)

        const leaks: Array<string> = []
        for (const [name, value] of Object.entries(secrets)) {
          const needle = Buffer.from(value)
          if (logs.includes(value)) leaks.push(`${name} in the daemon's logs`)
          for (const s of seen) if (s.text.includes(value)) leaks.push(`${name} in the answer to ${s.what}`)
          for (const w of webhooks) if (w.includes(value)) leaks.push(`${name} in a webhook delivery`)
          for (const f of [...files, ...filesAfterKill]) if (f.bytes.includes(needle)) leaks.push(`${name} in ${f.name}`)
          if (name !== "FOREMAN_OLLAMA_TOKEN") {
            for (const r of requests) if (JSON.stringify(r).includes(value)) leaks.push(`${name} sent to the target: ${r.method} ${r.path}`)
          }
        }
        // The target's token goes to the target, as a bearer, and nowhere else in those requests.
        for (const r of requests) {
          expect(r.headers["authorization"]).toBe(`Bearer ${ollamaToken}`)
          expect(JSON.stringify({ ...r, headers: { ...r.headers, authorization: "" } })).not.toContain(ollamaToken)
        }
        expect(leaks).toEqual([])

        // Signed with the secret, which itself never travels.
        for (const { body, headers } of receiver.received) {
          expect(verifyForemanSignature(webhookSecret, body, headers["x-foreman-signature"])).toBe(true)
          expect(verifyStandardWebhook(webhookSecret, headers, body)).toBe(true)
        }

        report("secrets", {
          refused_401: refused,
          answers_checked: seen.length,
          log_bytes: logs.length,
          log_lines: logs.split("\n").length,
          webhooks: webhooks.length,
          target_requests: requests.length,
          db_files: filesAfterKill.map((f) => `${f.name}:${f.bytes.length}`).join(","),
          leaks: leaks.length
        })
      }).pipe(Effect.scoped),
    testTimeout(120_000, 300_000)
  )

  it.live("credentials in FOREMAN_OLLAMA_URL reach the target but never /healthz or the logs", () =>
    Effect.gen(function*() {
      const password = `pw-${randomBytes(8).toString("hex")}`
      const withCredentials = (base: string) => base.replace("http://", `http://admin:${password}@`)
      const sim = yield* OllamaSim.start({ recordLimit: 1_000 })

      // Away first: the degraded warning names the target.
      const away = `http://127.0.0.1:${yield* freePort}`
      const degraded = yield* runningForeman(withCredentials(away), { FOREMAN_LOG_LEVEL: "debug" })
      const health = yield* Effect.promise(() => fetch(`${degraded.url}/healthz`).then((r) => r.json() as Promise<{ target: string }>))
      expect(health.target).toBe(away)
      expect(degraded.daemon.output()).toContain(`no Ollama answered at ${away}`)

      // Up: the job is answered, the target saw the credentials as basic auth, and nothing shows them.
      const up = yield* runningForeman(withCredentials(sim.url), { FOREMAN_LOG_LEVEL: "debug" })
      const answer = yield* Effect.promise(() =>
        fetch(`${up.url}/api/chat`, {
          method: "POST",
          body: JSON.stringify({ model: installedModel, stream: false, messages: [{ role: "user", content: "hi" }] })
        }).then((r) => r.json() as Promise<{ message: { content: string } }>)
      )
      expect(answer.message.content).toBe(`${installedModel} answers: hi`)
      const chats = (yield* sim.requests).filter((r) => r.path === "/api/chat")
      // The worker's model load and the chat itself.
      expect(chats.map((r) => r.headers["authorization"])).toEqual(Array(2).fill(`Basic ${Buffer.from(`admin:${password}`).toString("base64")}`))
      const shown = yield* Effect.promise(() => fetch(`${up.url}/healthz`).then((r) => r.text()))
      expect(shown).toContain(`"target":"${sim.url}"`)

      for (const output of [degraded.daemon.output(), up.daemon.output(), shown]) expect(output).not.toContain(password)
    }).pipe(Effect.scoped), 60_000)
})
