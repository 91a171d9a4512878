import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schedule } from "effect"
import { JobAwaiter } from "../../src/jobs/JobAwaiter.js"
import { Jobs } from "../../src/jobs/Jobs.js"
import type { JobRecord } from "../../src/store/JobRecord.js"
import { Store } from "../../src/store/Store.js"
import { type RunningForeman, startForeman } from "../support/foreman.js"
import { eventsByJob, startReceiver } from "../support/webhookReceiver.js"

const model = "llama3.2:1b"
const ask = (content: string) => ({ model, messages: [{ role: "user", content }] })

const storedJobs = (foreman: RunningForeman) => foreman.run(Effect.flatMap(Store, (store) => store.list({ limit: 10 })))

/** Polls the store until a job matches. */
const storedJob = (foreman: RunningForeman, matches: (job: JobRecord) => boolean) =>
  storedJobs(foreman).pipe(
    Effect.map((jobs) => jobs.find(matches)),
    Effect.flatMap(Effect.fromNullable),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.timeout("10 seconds")
  )

describe("JobAwaiter (foreman embedded in a program)", () => {
  it.live("submitAndAwait queues an async job and answers with the target's reply, parsed result and row", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const done = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) => awaiter.submitAndAwait(ask("Why is the sky blue?"))))

      expect(done.answer).toBe(`${model} answers: Why is the sky blue?`)
      expect(done.job.state).toBe("done")
      expect(done.job.mode).toBe("async")
      expect(done.result).toMatchObject({ model, done: true, message: { role: "assistant", content: done.answer } })
      const [stored] = yield* storedJobs(foreman)
      expect(stored?.id).toBe(done.job.id)
    }).pipe(Effect.scoped))

  it.live("FOREMAN_KEEP_ALIVE applies when the request sets none, a null keep_alive included", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_KEEP_ALIVE: "30m" } })
      const submit = (request: Parameters<JobAwaiter["submitAndAwait"]>[0]) =>
        foreman.run(Effect.flatMap(JobAwaiter, (awaiter) => awaiter.submitAndAwait(request)))
      yield* submit(ask("none"))
      yield* submit({ ...ask("null"), keep_alive: null })
      yield* submit({ ...ask("own"), keep_alive: "5s" })
      // A JavaScript caller's "Keep_Alive" is the target's keep_alive too (Go reads keys in any case).
      const spelled = { ...ask("own, spelled"), Keep_Alive: "5s" }
      yield* submit(spelled)
      const sent = (yield* foreman.sim.requests).filter((r) => r.path === "/api/chat")
        .map((r) => JSON.parse(r.body) as { keep_alive?: unknown; messages: Array<{ content: string }> })
        .filter((body) => body.messages.length > 0) // not the worker's model load
      expect(sent.map((body) => [body.messages[0]?.content, body.keep_alive])).toEqual([
        ["none", "30m"],
        ["null", "30m"],
        ["own", "5s"],
        ["own, spelled", undefined]
      ])
    }).pipe(Effect.scoped))

  it.live("a state_webhook_url is kept, and its events are delivered like a POST /jobs job's", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver()
      const foreman = yield* startForeman()
      const done = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) =>
        awaiter.submitAndAwait({ ...ask("hook me"), state_webhook_url: `${receiver.url}/hook` })))

      expect(done.job.webhookUrl).toBe(`${receiver.url}/hook`)
      const events = yield* Effect.sync(() => eventsByJob(receiver.received).get(done.job.id) ?? []).pipe(
        Effect.filterOrFail((events) => events.at(-1)?.state === "done"),
        Effect.retry(Schedule.spaced("20 millis")),
        Effect.timeout("10 seconds")
      )
      expect(events.map((event) => event.state)).toEqual(["queued", "loading", "working", "done"])
    }).pipe(Effect.scoped))

  it.live("a webhook URL the dispatcher could never deliver to is a BadRequest, and nothing is queued", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      for (const url of ["not a url", "ftp://example.com/hook", "/relative/hook"]) {
        const exit = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) =>
          Effect.exit(awaiter.submitAndAwait({ ...ask("never"), state_webhook_url: url }))))
        expect(exit).toStrictEqual(Exit.fail(expect.objectContaining({ _tag: "BadRequest", error: "state_webhook_url must be an absolute http(s) URL" })))
      }
      expect(yield* storedJobs(foreman)).toEqual([])
    }).pipe(Effect.scoped))

  // One set of checks with POST /jobs (jobs/SubmitFields.ts), so an embedding program gets its 400s too.
  it.live("what POST /jobs refuses is a BadRequest here too, and nothing is queued", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      for (const [request, error] of [
        [{ ...ask("bad keep_alive"), keep_alive: "" }, `time: invalid duration ""`],
        [{ ...ask("cloud"), model: "gpt-oss:120b-cloud" }, `model "gpt-oss:120b-cloud" runs on ollama.com`]
      ] as const) {
        const refused = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) => Effect.flip(awaiter.submitAndAwait(request))))
        expect([refused._tag, refused._tag === "BadRequest" ? refused.error : undefined]).toEqual(["BadRequest", expect.stringContaining(error)])
      }
      expect(yield* storedJobs(foreman)).toEqual([])
    }).pipe(Effect.scoped))

  it.live("a model the target does not have is ModelNotFound, and nothing is queued", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const error = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) =>
        Effect.flip(awaiter.submitAndAwait({ model: "no-such-model:7b", messages: [] }))))
      expect(error).toMatchObject({ _tag: "ModelNotFound", error: `model 'no-such-model:7b' not found` })
      expect(yield* storedJobs(foreman)).toEqual([])
    }).pipe(Effect.scoped))

  it.live("a job the target refuses ends as JobFailed carrying the job and the target's error", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      // Two: the worker's load of the model and the generation itself both see the fault.
      yield* foreman.sim.failNext(2, 400, "invalid options")
      const error = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) => Effect.flip(awaiter.submitAndAwait(ask("refused")))))
      expect(error._tag).toBe("JobFailed")
      if (error._tag !== "JobFailed") return
      expect(error.job).toMatchObject({ state: "failed", error: "invalid options", errorStatus: 400 })
      expect(error.message).toBe(`job ${error.job.id} failed: invalid options`)
    }).pipe(Effect.scoped))

  it.live("a job cancelled while awaited ends the wait with JobCancelled; interrupting a wait leaves the job", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { tokenDelayMs: 50, tokens: 40 } })
      const waiting = yield* foreman.run(Effect.flatMap(JobAwaiter, (awaiter) => awaiter.submitAndAwait(ask("long")))).pipe(
        Effect.flip,
        Effect.fork
      )
      const running = yield* storedJob(foreman, (job) => job.state === "working")
      yield* foreman.run(Effect.flatMap(Jobs, (jobs) => jobs.cancel(running.id)))
      const error = yield* Fiber.join(waiting)
      expect(error).toMatchObject({ _tag: "JobCancelled", job: { id: running.id, state: "cancelled" } })

      // A second job: its waiter is interrupted, the job itself runs on to done.
      const awaiter = yield* foreman.run(JobAwaiter)
      const abandoned = yield* Effect.fork(awaiter.submitAndAwait(ask("left behind")))
      const queued = yield* storedJob(foreman, (job) => job.id !== running.id)
      yield* Fiber.interrupt(abandoned)
      const finished = yield* awaiter.await(queued.id)
      expect(finished.job.state).toBe("done")
      expect(finished.answer).toContain(`${model} answers:`)
    }).pipe(Effect.scoped))
})
