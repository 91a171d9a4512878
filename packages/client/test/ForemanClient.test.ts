import { describe, expect, it } from "@effect/vitest"
import { JobAlreadyTerminal, type JobEvent, JobNotFound, ModelNotFound } from "@foreman/domain"
import { ConfigProvider, Context, Duration, Effect, Either, Fiber, Layer, Option, Redacted, Schedule, Stream } from "effect"
import { freePort } from "../../server/test/support/daemon.js"
import { startForeman } from "../../server/test/support/foreman.js"
import { answerText } from "../src/answerText.js"
import { DaemonError, DaemonUnreachable } from "../src/ClientErrors.js"
import { followJob, type JobProgress } from "../src/followJob.js"
import { ForemanClient } from "../src/ForemanClient.js"
import { ForemanClientConfig } from "../src/ForemanClientConfig.js"

const chat = (content: string) => ({ model: "llama3.2:1b", messages: [{ role: "user", content }] })

/** Runs `f` with a client for the given daemon. */
const withClient = <A, E>(url: string, f: (client: ForemanClient) => Effect.Effect<A, E>, token?: string) =>
  Effect.flatMap(ForemanClient, f).pipe(Effect.provide(ForemanClient.layer({ url, token })))

describe("answerText", () => {
  // A /v1 job's completion artifact is given by URL once it passes 256 KiB; the result is whole.
  it("reads native and OpenAI-shaped results, without needing the completion artifact", () => {
    const big = "x".repeat(300 * 1024)
    const answers = [
      { message: { role: "assistant", content: big } },
      { response: big },
      { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: big } }] },
      { object: "text_completion", choices: [{ index: 0, text: big }] }
    ]
    for (const result of answers) expect(Option.getOrNull(answerText({ result, artifacts: [] }))?.length).toBe(big.length)
    expect(Option.isNone(answerText({ result: { choices: [] }, artifacts: [] }))).toBe(true)
  })
})

describe("ForemanClient against a live daemon", () => {
  it.live("submitAndWait follows the job's events to done and returns the answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { loadDelayMs: 50, tokenDelayMs: 5 } })
      const seen: Array<JobProgress> = []
      const job = yield* withClient(foreman.url, (client) =>
        client.submitAndWait(chat("hello client"), { onProgress: (p) => Effect.sync(() => seen.push(p)) }))
      expect(job.state).toBe("done")
      expect(Option.getOrNull(answerText(job))).toBe("llama3.2:1b answers: hello client")
      // The worker may claim the job before the stream opens: then `loading` is the first state seen.
      expect(seen.map((p) => p.state).filter((state) => state !== "queued")).toEqual(["loading", "working", "done"])
    }).pipe(Effect.scoped))

  it.live("a generate job, and the typed endpoints: get, list with filters, health, ps, tags", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      yield* withClient(foreman.url, (client) =>
        Effect.gen(function*() {
          const job = yield* client.submitAndWait({ model: "qwen3:8b", endpoint: "generate", prompt: "gen" })
          expect(Option.getOrNull(answerText(job))).toBe("qwen3:8b answers: gen")
          expect((yield* client.get(job.id)).endpoint).toBe("generate")
          expect((yield* client.get(job.id.toLowerCase())).id).toBe(job.id)
          yield* client.submitAndWait(chat("second"))
          expect((yield* client.list()).jobs).toHaveLength(2)
          expect((yield* client.list({ model: "qwen3:8b", state: "done", limit: 5 })).jobs.map((j) => j.id)).toEqual([job.id])
          const health = yield* client.health
          expect(health).toMatchObject({ status: "ok", degraded: false, target: foreman.sim.url })
          expect((yield* client.tags).models.map((m) => m.name)).toContain("llama3.2:1b")
          expect((yield* client.ps).models.map((m) => m.name)).toEqual(["llama3.2:1b"])
        }))
    }).pipe(Effect.scoped))

  it.live("a failed job is JobFailed with the target's error; a cancelled one is JobCancelled", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokens: 400, tokenDelayMs: 10 } })
      yield* foreman.sim.failNext(1, 500, "out of memory")
      yield* withClient(foreman.url, (client) =>
        Effect.gen(function*() {
          const failed = yield* Effect.flip(client.submitAndWait(chat("fails")))
          expect(failed._tag).toBe("JobFailed")
          expect(failed._tag === "JobFailed" && failed.job.error).toContain("out of memory")

          const id = yield* client.submit(chat("slow"))
          const waiting = yield* Effect.fork(Effect.flip(client.wait(id)))
          yield* client.get(id).pipe(Effect.filterOrFail((job) => job.state === "working"), Effect.retry(Schedule.spaced("20 millis")))
          yield* client.cancel(id)
          const cancelled = yield* Fiber.join(waiting)
          expect(cancelled._tag).toBe("JobCancelled")
          // Said once: the DELETE's recorded error "cancelled" is not repeated after it.
          expect(cancelled.message).toBe(`job ${id} was cancelled`)
        }))
    }).pipe(Effect.scoped))

  it.live("the daemon's refusals arrive as the domain's typed errors", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      yield* withClient(foreman.url, (client) =>
        Effect.gen(function*() {
          const ghost = yield* Effect.flip(client.submit({ model: "ghost:1b" }))
          expect(ghost).toBeInstanceOf(ModelNotFound)
          // Each reads as the daemon's words, not as a dump of its fields.
          expect(ghost.message).toBe(`model 'ghost:1b' not found`)
          const missing = yield* Effect.flip(client.get("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
          expect(missing).toBeInstanceOf(JobNotFound)
          expect(missing.message).toBe("job 01ARZ3NDEKTSV4RRFFQ69G5FAV not found")
          expect((yield* Effect.flip(client.get("nope")))._tag).toBe("BadRequest")
          const waited = yield* Effect.flip(client.wait("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
          expect(waited).toBeInstanceOf(JobNotFound)
          expect(waited.message).toBe("job 01ARZ3NDEKTSV4RRFFQ69G5FAV not found")
          const done = yield* client.submitAndWait(chat("finished"))
          const terminal = yield* Effect.flip(client.cancel(done.id))
          expect(terminal).toBeInstanceOf(JobAlreadyTerminal)
          expect(terminal.message).toBe(`job ${done.id} is already done`)
        }))
    }).pipe(Effect.scoped))

  it.live("FOREMAN_TOKEN: without it the daemon answers Unauthorized; /healthz stays open", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_TOKEN: "s3cret" } })
      const refused = yield* withClient(foreman.url, (client) => Effect.flip(client.list()))
      expect(refused._tag).toBe("Unauthorized")
      expect(refused.message).toBe("missing or wrong bearer token (set FOREMAN_TOKEN)")
      const native = yield* withClient(foreman.url, (client) => Effect.flip(client.ps))
      expect(native._tag).toBe("Unauthorized")
      yield* withClient(foreman.url, (client) => client.health)
      const job = yield* withClient(foreman.url, (client) => client.submitAndWait(chat("with token")), "s3cret")
      expect(job.state).toBe("done")
    }).pipe(Effect.scoped))

  it.live("nobody listening is DaemonUnreachable", () =>
    Effect.gen(function*() {
      const url = `http://127.0.0.1:${yield* freePort}`
      const error = yield* withClient(url, (client) => Effect.flip(client.health))
      expect(error._tag).toBe("DaemonUnreachable")
      expect(error.message).toBe(`cannot reach foreman at ${url}: connect ECONNREFUSED 127.0.0.1:${url.split(":").at(-1)}`)
    }))

  it.live("when the event stream is unavailable, waiting falls back to polling, riding out a proxy's 502/503/504", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 5 } })
      yield* withClient(foreman.url, (client) =>
        Effect.gen(function*() {
          const id = yield* client.submit(chat("polled"))
          const seen: Array<string> = []
          const noEvents = () => Stream.fail(new DaemonError({ status: 502, error: "proxy says no" }))
          const job = yield* followJob({ events: noEvents, get: client.get }, id, {
            pollInterval: "10 millis",
            onProgress: (p) => Effect.sync(() => seen.push(p.state))
          })
          expect(job.state).toBe("done")
          expect(seen.at(-1)).toBe("done")
          // A stream that ends before a terminal event (a proxy cutting it) also falls back.
          const id2 = yield* client.submit(chat("cut short"))
          const firstOnly = (jobId: string) => Stream.take(client.events(jobId), 1)
          expect((yield* followJob({ events: firstOnly, get: client.get }, id2, { pollInterval: "10 millis" })).state).toBe("done")

          // A reverse proxy in front of a restarting daemon answers 502/503/504: the daemon is away,
          // as with a refused connection, and polling rides it out.
          const id3 = yield* client.submit(chat("behind a proxy"))
          const answers = [502, 503, 504]
          const throughProxy = (jobId: string) =>
            Effect.suspend(() => {
              const status = answers.shift()
              return status === undefined ? client.get(jobId) : Effect.fail(new DaemonError({ status, error: "Bad Gateway" }))
            })
          expect((yield* followJob({ events: noEvents, get: throughProxy }, id3, { pollInterval: "10 millis" })).state).toBe("done")
          expect(answers).toEqual([])
          // Any other answer is the daemon's word and ends the wait.
          const boom = () => Effect.fail(new DaemonError({ status: 500, error: "boom" }))
          expect(yield* Effect.flip(followJob({ events: noEvents, get: boom }, id3))).toMatchObject({ _tag: "DaemonError", status: 500 })
        }))
    }).pipe(Effect.scoped))

  it.live("events streams the job's state events and ends at the terminal one", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const events: ReadonlyArray<JobEvent> = yield* withClient(foreman.url, (client) =>
        Effect.flatMap(client.submit(chat("stream me")), (id) => Stream.runCollect(client.events(id))).pipe(
          Effect.map((chunk) => [...chunk])
        ))
      expect(events.at(-1)?.state).toBe("done")
      expect(events.at(-1)?.result).toMatchObject({ message: { content: "llama3.2:1b answers: stream me" } })
    }).pipe(Effect.scoped))
})

describe("ForemanClientConfig", () => {
  const read = (env: Record<string, string>) =>
    Effect.either(ForemanClientConfig.pipe(
      Effect.provide(ForemanClientConfig.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))))
    ))

  it.effect("reads FOREMAN_URL (default http://127.0.0.1:8080) and FOREMAN_TOKEN; an empty one is unset", () =>
    Effect.gen(function*() {
      const defaults = yield* read({})
      expect(Either.getOrThrow(defaults).url).toBe("http://127.0.0.1:8080")
      expect(Option.isNone(Either.getOrThrow(defaults).token)).toBe(true)
      const set = Either.getOrThrow(yield* read({ FOREMAN_URL: "http://box:9000/", FOREMAN_TOKEN: "t" }))
      expect(set.url).toBe("http://box:9000")
      expect(Option.map(set.token, Redacted.value)).toEqual(Option.some("t"))
      expect(Either.isLeft(yield* read({ FOREMAN_URL: "box:9000" }))).toBe(true)
      // An empty setting is an unset one.
      for (const blank of ["", " "]) {
        const unset = Either.getOrThrow(yield* read({ FOREMAN_URL: blank, FOREMAN_TOKEN: blank, FOREMAN_REQUEST_TIMEOUT: blank }))
        expect(unset).toEqual(Either.getOrThrow(defaults))
      }
    }))

  it.effect("reads FOREMAN_REQUEST_TIMEOUT as a Go duration: 30s unless set, 0 for no limit", () =>
    Effect.gen(function*() {
      const timeout = (env: Record<string, string>) => Effect.map(read(env), Either.map((config) => config.requestTimeout))
      expect(Either.getOrThrow(yield* timeout({}))).toEqual(Duration.seconds(30))
      expect(Either.getOrThrow(yield* timeout({ FOREMAN_REQUEST_TIMEOUT: "" }))).toEqual(Duration.seconds(30))
      expect(Either.getOrThrow(yield* timeout({ FOREMAN_REQUEST_TIMEOUT: "2m30s" }))).toEqual(Duration.seconds(150))
      expect(Either.getOrThrow(yield* timeout({ FOREMAN_REQUEST_TIMEOUT: "0" }))).toEqual(Duration.infinity)
      const fromObject = yield* Effect.map(Layer.build(ForemanClientConfig.layer({ url: "http://box:9000", requestTimeout: 0 })), Context.get(ForemanClientConfig))
      expect(fromObject.requestTimeout).toEqual(Duration.infinity)
      for (const bad of ["30", "soon", "-5s"]) {
        const error = String(yield* Effect.flatMap(timeout({ FOREMAN_REQUEST_TIMEOUT: bad }), Either.flip))
        expect(error, bad).toContain("FOREMAN_REQUEST_TIMEOUT")
        expect(error, bad).toContain(`expected a duration like 500ms, 30s or 24h, got "${bad}"`)
      }
    }).pipe(Effect.scoped))

  it.effect("refuses a URL with user:password@, a ?query or a #fragment, never printing the password", () =>
    Effect.gen(function*() {
      const refusals = {
        "http://alice:s3cret@box:9000": "must not carry a user:password@",
        "http://alice:s3cret@box:port": "expected an http(s) URL",
        "http://box:9000/foreman?x=1": "must not have a ?query or #fragment",
        "http://box:9000/#top": "must not have a ?query or #fragment"
      }
      for (const [url, reason] of Object.entries(refusals)) {
        const fromEnv = yield* Effect.flatMap(read({ FOREMAN_URL: url }), Either.flip)
        const fromObject = yield* Effect.flip(Layer.build(ForemanClientConfig.layer({ url })))
        for (const error of [fromEnv, fromObject]) {
          expect(String(error), url).toContain(reason)
          expect(String(error), url).not.toContain("s3cret")
        }
      }
      expect(String(yield* Effect.flatMap(read({ FOREMAN_URL: "http://alice:s3cret@box:9000" }), Either.flip))).toContain(`got "http://box:9000"`)
      // An error built elsewhere with such a URL does not print the password either.
      expect(new DaemonUnreachable({ url: "http://alice:s3cret@box", error: "refused" }).message).toBe("cannot reach foreman at http://box: refused")
      expect(Either.getOrThrow(yield* read({ FOREMAN_URL: " http://box:9000/foreman/ " })).url).toBe("http://box:9000/foreman")
    }).pipe(Effect.scoped))
})
