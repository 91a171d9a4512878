import { describe, expect, it } from "@effect/vitest"
import type { JobEvent, JobList, JobView } from "@foreman/domain"
import { Effect, Option, Schedule } from "effect"
import { join } from "node:path"
import { Store } from "../src/store/Store.js"
import { queueJob, seedDatabase } from "./store/seed.js"
import { postJson, startForeman, text } from "./support/foreman.js"
import { tempDir } from "./support/tempDir.js"

const json = <A>(response: Response) => Effect.promise(() => response.json() as Promise<A>)
const get = (url: string, init?: RequestInit) => Effect.promise(() => fetch(url, init))

const chatJob = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "llama3.2:1b",
  stream: false,
  messages: [{ role: "user", content }],
  ...extra
})

const submit = (url: string, body: unknown) =>
  postJson(`${url}/jobs`, body).pipe(
    Effect.tap((response) => Effect.sync(() => expect(response.status).toBe(202))),
    Effect.flatMap((response) => json<{ job_id: string }>(response)),
    Effect.map((accepted) => accepted.job_id)
  )

const awaitState = (url: string, id: string, states: ReadonlyArray<string>) =>
  get(`${url}/jobs/${id}`).pipe(
    Effect.flatMap((response) => json<JobView>(response)),
    Effect.filterOrFail((job) => states.includes(job.state)),
    Effect.retry(Schedule.spaced("25 millis")),
    Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => new Error(`job ${id} never reached ${states.join("/")}`) })
  )

/** Reads an SSE response to its end and returns the `data:` payloads. */
const sseEvents = (response: Response) =>
  Effect.map(text(response), (body) =>
    body.split("\n\n").flatMap((frame) => frame.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)) as JobEvent)))

describe("async jobs API", () => {
  it.live("POST /jobs answers 202 with a ULID at once; GET shows it done with result and inline completion", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const id = yield* submit(foreman.url, chatJob("async hello"))
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
      const job = yield* awaitState(foreman.url, id, ["done"])
      expect(job).toMatchObject({ id, state: "done", model: "llama3.2:1b", endpoint: "chat", mode: "async", attempt: 1, max_attempts: 3, queue_position: null, error: null })
      expect(job.created_at <= (job.started_at ?? "") && (job.started_at ?? "") <= (job.finished_at ?? "")).toBe(true)
      expect(job.result).toMatchObject({ done: true, message: { role: "assistant", content: "llama3.2:1b answers: async hello" } })
      expect(job.artifacts).toEqual([{
        name: "completion",
        content_type: "text/plain; charset=utf-8",
        size: 32,
        data: "llama3.2:1b answers: async hello",
        encoding: "utf-8",
        url: `/jobs/${id}/artifacts/completion`
      }])
      const raw = yield* get(`${foreman.url}/jobs/${id}/artifacts/completion`)
      expect(raw.headers.get("content-type")).toBe("text/plain; charset=utf-8")
      expect(yield* text(raw)).toBe("llama3.2:1b answers: async hello")
      // ULIDs are case-insensitive: a lower-cased copy of the id finds the same job.
      const lower = yield* json<JobView>(yield* get(`${foreman.url}/jobs/${id.toLowerCase()}`))
      expect(lower.id).toBe(id)
    }).pipe(Effect.scoped))

  it.live("a generate job with \"endpoint\":\"generate\" runs against /api/generate", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const id = yield* submit(foreman.url, { model: "qwen3:8b", endpoint: "generate", prompt: "generate me", stream: false })
      const job = yield* awaitState(foreman.url, id, ["done"])
      expect(job.endpoint).toBe("generate")
      expect(job.result).toMatchObject({ response: "qwen3:8b answers: generate me", done: true })
    }).pipe(Effect.scoped))

  it.live("a streamed job's result is assembled from the chunks", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const id = yield* submit(foreman.url, chatJob("stream it", { stream: true }))
      const job = yield* awaitState(foreman.url, id, ["done"])
      expect(job.result).toMatchObject({ done: true, done_reason: "stop", message: { content: "llama3.2:1b answers: stream it" } })
    }).pipe(Effect.scoped))

  it.live("a result over 256 KiB is served by URL, not inline", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const long = "z".repeat(300 * 1024)
      const id = yield* submit(foreman.url, chatJob(long))
      const job = yield* awaitState(foreman.url, id, ["done"])
      const completion = job.artifacts.find((a) => a.name === "completion")
      expect(completion?.data).toBeUndefined()
      expect(completion?.size).toBeGreaterThan(256 * 1024)
      const raw = yield* text(yield* get(`${foreman.url}${completion?.url ?? ""}`))
      expect(raw).toBe(`llama3.2:1b answers: ${long}`)
    }).pipe(Effect.scoped))

  it.live("cancel: a queued job never reaches the target, a running one is aborted, a finished one is 409", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 400, tokenDelayMs: 10 } })
      const running = yield* submit(foreman.url, chatJob("long one", { stream: true }))
      yield* awaitState(foreman.url, running, ["working"])
      const queued = yield* submit(foreman.url, chatJob("never runs"))
      const queuedView = yield* json<JobView>(yield* get(`${foreman.url}/jobs/${queued}`))
      expect(queuedView.queue_position).toBe(1)

      const cancelledQueued = yield* get(`${foreman.url}/jobs/${queued}`, { method: "DELETE" })
      expect(cancelledQueued.status).toBe(200)
      expect((yield* json<JobView>(cancelledQueued)).state).toBe("cancelled")

      const cancelledRunning = yield* get(`${foreman.url}/jobs/${running}`, { method: "DELETE" })
      expect((yield* json<JobView>(cancelledRunning)).state).toBe("cancelled")
      const stats = yield* foreman.sim.stats.pipe(
        Effect.filterOrFail((s) => s.activeGenerations === 0),
        Effect.retry(Schedule.spaced("20 millis")),
        Effect.timeout("5 seconds")
      )
      expect(stats.aborted).toBe(1)
      const prompts = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat").map((r) => r.body)
      expect(prompts.some((b) => b.includes("never runs"))).toBe(false)

      const again = yield* get(`${foreman.url}/jobs/${running}`, { method: "DELETE" })
      expect(again.status).toBe(409)
      expect(yield* json(again)).toEqual({ _tag: "JobAlreadyTerminal", error: expect.stringContaining("cancelled") })

      // The worker moves on: the next job runs (and is cancelled in turn, the sim being slow here).
      const next = yield* submit(foreman.url, chatJob("after"))
      expect((yield* awaitState(foreman.url, next, ["working"])).state).toBe("working")
      expect((yield* json<JobView>(yield* get(`${foreman.url}/jobs/${next}`, { method: "DELETE" }))).state).toBe("cancelled")
    }).pipe(Effect.scoped))

  it.live("GET /jobs lists newest first with state/model filters and a cursor", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const ids: Array<string> = []
      for (const [i, model] of ["llama3.2:1b", "qwen3:8b", "llama3.2:1b", "gemma3:4b", "llama3.2:1b"].entries()) {
        ids.push(yield* submit(foreman.url, { model, stream: false, messages: [{ role: "user", content: `n${i}` }] }))
      }
      for (const id of ids) yield* awaitState(foreman.url, id, ["done"])
      const all = yield* json<JobList>(yield* get(`${foreman.url}/jobs`))
      expect(all.jobs.map((j) => j.id)).toEqual([...ids].reverse())
      const llama = yield* json<JobList>(yield* get(`${foreman.url}/jobs?model=llama3.2:1b&state=done`))
      expect(llama.jobs.map((j) => j.id)).toEqual([ids[4], ids[2], ids[0]])
      const page1 = yield* json<JobList>(yield* get(`${foreman.url}/jobs?limit=2`))
      expect(page1.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]])
      const page2 = yield* json<JobList>(yield* get(`${foreman.url}/jobs?limit=2&cursor=${page1.next_cursor}`))
      expect(page2.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]])
      const page3 = yield* json<JobList>(yield* get(`${foreman.url}/jobs?limit=2&cursor=${page2.next_cursor}`))
      expect(page3).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], next_cursor: null })
      const none = yield* json<JobList>(yield* get(`${foreman.url}/jobs?state=failed`))
      expect(none.jobs).toEqual([])
    }).pipe(Effect.scoped))

  it.live("SSE: the current state first, every change in order, closed after the terminal one", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { loadDelayMs: 100, tokenDelayMs: 10 } })
      const id = yield* submit(foreman.url, chatJob("watch me"))
      const response = yield* get(`${foreman.url}/jobs/${id}/events`)
      expect(response.headers.get("content-type")).toContain("text/event-stream")
      const events = yield* sseEvents(response)
      const states = events.map((e) => e.state)
      expect(states.at(-1)).toBe("done")
      expect(states.slice(1)).toEqual(["loading", "working", "done"].slice(3 - (states.length - 1)))
      for (const [i, event] of events.entries()) {
        expect(event.job_id).toBe(id)
        if (i > 0) expect(event.previous_state).toBe(events[i - 1]?.state)
      }
      expect(events.at(-1)?.result).toMatchObject({ message: { content: "llama3.2:1b answers: watch me" } })

      const after = yield* sseEvents(yield* get(`${foreman.url}/jobs/${id}/events`))
      expect(after.map((e) => e.state)).toEqual(["done"])
      // The final state sent later is the one sent live: the small completion inline, as there.
      expect(after[0]?.artifacts).toEqual(events.at(-1)?.artifacts)
      expect(after[0]?.artifacts?.[0]).toMatchObject({ name: "completion", encoding: "utf-8", data: "llama3.2:1b answers: watch me" })
      // A browser's EventSource reconnects (with Last-Event-ID) whenever a stream closes; only a 204
      // stops it. One that lost the stream before the end gets the final state first; one holding
      // an event minted after the end gets the 204. A job still running is followed as usual.
      const lostEarly = yield* sseEvents(yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": events[0]?.event_id ?? "" } }))
      expect(lostEarly.map((e) => e.state)).toEqual(["done"])
      const reconnect = yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": lostEarly[0]?.event_id ?? "" } })
      expect([reconnect.status, yield* text(reconnect)]).toEqual([204, ""])
      // One that followed the job to its end holds the terminal event itself, minted the very
      // millisecond the job finished: it is done too, and must not get the end a second time.
      const followedToTheEnd = yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": events.at(-1)?.event_id ?? "" } })
      expect([followedToTheEnd.status, yield* text(followedToTheEnd)]).toEqual([204, ""])
      // An id that is no event of ours proves nothing was seen.
      const garbled = yield* sseEvents(yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": "zzz" } }))
      expect(garbled.map((e) => e.state)).toEqual(["done"])
      const running = yield* submit(foreman.url, chatJob("still going"))
      const followed = yield* sseEvents(yield* get(`${foreman.url}/jobs/${running}/events`, { headers: { "last-event-id": "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }))
      expect(followed.map((e) => e.state).at(-1)).toBe("done")
      // Only this job's own final event proves its end was seen: not another job's final event
      // (minted after this one finished), nor an id from the far future.
      for (const other of [followed.at(-1)?.event_id ?? "", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"]) {
        const notOurs = yield* sseEvents(yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": other } }))
        expect([other, notOurs.map((e) => e.state)]).toEqual([other, ["done"]])
      }
      // Every sending of a finished job's final state carries the one id that ends reconnects.
      expect(after[0]?.event_id).toBe(events.at(-1)?.event_id)
      const lowerCase = yield* get(`${foreman.url}/jobs/${id}/events`, { headers: { "last-event-id": ` ${(after[0]?.event_id ?? "").toLowerCase()} ` } })
      expect(lowerCase.status).toBe(204)
    }).pipe(Effect.scoped))

  // A restart cancels the sync jobs whose callers it cut off without a new event, so the job's last
  // event id is still its `working` one: that id is not the end.
  it.live("SSE: a reconnect to a sync job a restart cancelled gets the final state, though its last event id is the working one", () =>
    Effect.gen(function*() {
      const dbPath = join(yield* tempDir, "foreman.db")
      const working = yield* seedDatabase(dbPath, Effect.gen(function*() {
        const store = yield* Store
        yield* queueJob("sync")
        const claimed = yield* Effect.flatMap(store.claimNext(null), Option.match({ onNone: () => Effect.die("nothing claimed"), onSome: Effect.succeed }))
        return claimed.job
      }))
      yield* Effect.sleep("5 millis")
      const foreman = yield* startForeman({ env: { FOREMAN_DB_PATH: dbPath } })
      const view = yield* Effect.promise(() => fetch(`${foreman.url}/jobs/${working.id}`).then((r) => r.json() as Promise<JobView>))
      expect(view.state).toBe("cancelled")
      const seen = yield* sseEvents(yield* get(`${foreman.url}/jobs/${working.id}/events`, { headers: { "last-event-id": working.eventId ?? "" } }))
      expect(seen.map((e) => e.state)).toEqual(["cancelled"])
    }).pipe(Effect.scoped))

  it.live("bad input is a 4xx in foreman's error shape and queues nothing", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cases: ReadonlyArray<readonly [unknown, number, string]> = [
        ["{oops", 400, "BadRequest"],
        [{ stream: false }, 400, "BadRequest"],
        [{ model: "llama3.2:1b", endpoint: "embed" }, 400, "BadRequest"],
        [{ model: "llama3.2:1b", state_webhook_url: "ftp://hook" }, 400, "BadRequest"],
        [{ model: "llama3.2:1b", state_webhook_url: "not a url" }, 400, "BadRequest"],
        // Ollama would refuse these bodies: accepted, each would load its model only to fail.
        [{ model: "qwen3:8b", messages: "hi" }, 400, "BadRequest"],
        [{ model: "qwen3:8b", endpoint: "generate", prompt: 5 }, 400, "BadRequest"],
        // Ollama's /api/generate answers a missing model with 404; a job must still name one.
        [{ endpoint: "generate", prompt: "hi" }, 400, "BadRequest"],
        [{ model: " ", endpoint: "generate", prompt: "hi" }, 400, "BadRequest"],
        [{ model: "ghost:1b" }, 404, "ModelNotFound"]
      ]
      for (const [body, status, tag] of cases) {
        const response = yield* postJson(`${foreman.url}/jobs`, body)
        expect(response.status).toBe(status)
        expect(yield* json(response)).toEqual({ _tag: tag, error: expect.any(String) })
      }
      for (const [path, status, tag] of [
        ["/jobs/not-a-ulid", 400, "BadRequest"],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404, "JobNotFound"],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/artifacts/completion", 404, "JobNotFound"],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", 404, "JobNotFound"],
        ["/jobs?state=sleeping", 400, "BadRequest"],
        ["/jobs?limit=0", 400, "BadRequest"],
        ["/jobs?limit=1e2", 400, "BadRequest"],
        ["/jobs?limit=0x10", 400, "BadRequest"],
        ["/jobs?model=", 400, "BadRequest"],
        ["/jobs?model=%20", 400, "BadRequest"],
        ["/jobs?cursor=..%2F..", 400, "BadRequest"]
      ] as const) {
        const response = yield* get(`${foreman.url}${path}`)
        expect(response.status, path).toBe(status)
        expect(yield* json(response)).toEqual({ _tag: tag, error: expect.any(String) })
      }
      // A known route with the wrong method: 405 in foreman's shape, saying what it accepts.
      for (const [method, path, allow] of [
        ["PUT", "/jobs", "GET, POST, HEAD"],
        ["POST", "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", "GET, DELETE, HEAD"],
        ["DELETE", "/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", "GET"],
        ["POST", "/healthz", "GET, HEAD"]
      ] as const) {
        const response = yield* Effect.promise(() => fetch(`${foreman.url}${path}`, { method }))
        expect([response.status, response.headers.get("allow")], `${method} ${path}`).toEqual([405, allow])
        expect(yield* json(response)).toEqual({ _tag: "MethodNotAllowed", error: expect.stringContaining(allow) })
      }
      // HEAD is what GET answers, without the body (an event stream has no end, so no HEAD).
      for (const [path, status, allow] of [
        ["/healthz", 200, null],
        ["/metrics", 200, null],
        ["/openapi.json", 200, null],
        ["/jobs?limit=5", 200, null],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404, null],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/artifacts/completion", 404, null],
        ["/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", 405, "GET"]
      ] as const) {
        const head = yield* Effect.promise(() => fetch(`${foreman.url}${path}`, { method: "HEAD" }))
        expect([head.status, head.headers.get("allow")], `HEAD ${path}`).toEqual([status, allow])
        expect(yield* Effect.promise(() => head.text()), `HEAD ${path}`).toBe("")
        if (status === 200) {
          const got = yield* get(`${foreman.url}${path}`)
          expect(head.headers.get("content-type"), `HEAD ${path}`).toBe(got.headers.get("content-type"))
        }
      }
      const list = yield* json<JobList>(yield* get(`${foreman.url}/jobs`))
      expect(list.jobs).toEqual([])
    }).pipe(Effect.scoped))

  // Ollama treats `foo`, `FOO`, `library/foo` and `foo:latest` as one model; drain-by-model has to
  // as well, or every switch between two spellings is a swap (or a false 404).
  it.live("a model however Ollama would spell it is one model: accepted, drained together, listed together", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: ["foo:latest", "bar:1b"], tokens: 30, tokenDelayMs: 10 } })
      const job = (model: string) => submit(foreman.url, chatJob(model, { model }))
      const first = yield* job("foo")
      yield* awaitState(foreman.url, first, ["working"])
      const rest = yield* Effect.forEach(["bar:1b", "FOO:latest", "BAR:1B", "library/foo", "registry.ollama.ai/library/foo"], job)
      const done = yield* Effect.forEach([first, ...rest], (id) => awaitState(foreman.url, id, ["done"]))

      const byStart = [...done].sort((a, b) => (a.started_at ?? "").localeCompare(b.started_at ?? "")).map((j) => j.model)
      expect(byStart).toEqual(["foo:latest", "foo:latest", "foo:latest", "foo:latest", "bar:1b", "bar:1b"])
      expect((yield* foreman.sim.stats).swaps).toBe(2)
      const listed = yield* json<JobList>(yield* get(`${foreman.url}/jobs?model=Foo`))
      expect(listed.jobs.map((j) => j.id).sort()).toEqual([first, rest[1], rest[3], rest[4]].sort())
    }).pipe(Effect.scoped))

  it.live("/openapi.json documents the jobs API: the 401 of every route but /healthz, the event stream's 204", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      type Operation = { readonly responses: Record<string, unknown> }
      const doc = yield* json<{ paths: Record<string, Record<string, Operation>> }>(yield* get(`${foreman.url}/openapi.json`))
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/healthz", "/jobs", "/jobs/{id}", "/jobs/{id}/artifacts/{name}", "/jobs/{id}/events"]))
      const statuses = (path: string, method: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {})
      for (const [path, method] of [["/jobs", "post"], ["/jobs", "get"], ["/jobs/{id}", "get"], ["/jobs/{id}", "delete"], ["/metrics", "get"]] as const) {
        expect([path, method, statuses(path, method)]).toEqual([path, method, expect.arrayContaining(["401"])])
      }
      expect(statuses("/healthz", "get")).not.toContain("401")
      expect(statuses("/jobs/{id}/events", "get")).toEqual(expect.arrayContaining(["200", "204", "400", "401", "404"]))
      // The platform's decode error is never answered (handlers read raw text and say BadRequest),
      // so it is not documented: routes that read nothing have no 400 at all.
      expect(JSON.stringify(doc)).not.toContain("HttpApiDecodeError")
      expect(statuses("/healthz", "get")).not.toContain("400")
      expect(doc.paths["/jobs"]?.post?.responses["400"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/BadRequest" } } } })
      // An artifact is served with its own content type, not as application/octet-stream.
      const artifact = doc.paths["/jobs/{id}/artifacts/{name}"]?.get?.responses["200"]
      expect(artifact).toMatchObject({ content: { "*/*": { schema: { format: "binary" } } } })
      expect(JSON.stringify(artifact)).not.toContain("application/octet-stream")
    }).pipe(Effect.scoped))

  it.live("with FOREMAN_TOKEN, a request without it is the 401 /openapi.json documents, in foreman's shape", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_TOKEN: "s3cret" } })
      const refused = yield* get(`${foreman.url}/jobs`)
      expect([refused.status, yield* json<unknown>(refused)]).toEqual([401, { _tag: "Unauthorized", error: "unauthorized: missing or wrong bearer token" }])
    }).pipe(Effect.scoped))
})
