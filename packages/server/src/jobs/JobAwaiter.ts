import { BadRequest, isTerminal, type JobId, type SubmitJob } from "@foreman/domain"
import { Data, Effect, Either, Option, Queue } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { ModelCapabilities } from "../inventory/ModelCapabilities.js"
import { parsedResult } from "../store/JobEventBody.js"
import type { JobRecord } from "../store/JobRecord.js"
import { Store } from "../store/Store.js"
import { JobEvents, type JobSignal } from "./JobEvents.js"
import { Jobs } from "./Jobs.js"
import { submitFields } from "./SubmitFields.js"

/** A job that ended `done`: the row, the target's answer parsed, and the completion text. */
export interface CompletedJob {
  readonly job: JobRecord
  /** The target's final answer, shaped like its `stream: false` response. */
  readonly result: unknown
  /** The generated text (the `completion` artifact): chat's message content, generate's response. */
  readonly answer: string
}

/** The job ended `failed`; `job.error` and `job.errorStatus` say why. */
export class JobFailed extends Data.TaggedError("JobFailed")<{ readonly job: JobRecord }> {
  override get message() {
    return `job ${this.job.id} failed: ${this.job.error ?? "no error recorded"}`
  }
}

/** The job ended `cancelled` (`Jobs.cancel`, DELETE /jobs/{id}, or a restart orphaning it). */
export class JobCancelled extends Data.TaggedError("JobCancelled")<{ readonly job: JobRecord }> {
  override get message() {
    return `job ${this.job.id} was cancelled`
  }
}

const decoder = new TextDecoder()

/** Takes signals until a terminal state change; chunks and intermediate states are skipped. */
const nextTerminal = (queue: Queue.Dequeue<JobSignal>): Effect.Effect<JobRecord> =>
  Effect.flatMap(Queue.take(queue), (signal) =>
    signal._tag === "State" && isTerminal(signal.change.job.state) ? Effect.succeed(signal.change.job) : nextTerminal(queue))

/**
 * Submit-and-await for programs that run foreman in-process. Jobs are async jobs like POST /jobs
 * (durable, webhooks, retried through outages): interrupting a wait leaves the job running.
 */
export class JobAwaiter extends Effect.Service<JobAwaiter>()("foreman/JobAwaiter", {
  dependencies: [Jobs.Default],
  effect: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const capabilities = yield* ModelCapabilities
    const jobs = yield* Jobs
    const events = yield* JobEvents
    const store = yield* Store

    const settle = (job: JobRecord) =>
      Effect.gen(function*() {
        if (job.state === "failed") return yield* new JobFailed({ job })
        if (job.state === "cancelled") return yield* new JobCancelled({ job })
        const completion = yield* store.getArtifact(job.id, "completion")
        const completed: CompletedJob = {
          job,
          result: parsedResult(job.result),
          answer: Option.match(completion, { onNone: () => "", onSome: (artifact) => decoder.decode(artifact.data) })
        }
        return completed
      })

    /** Waits for a job submitted earlier (by anyone) to end. */
    const awaitJob = Effect.fn("JobAwaiter.await")(function*(id: JobId) {
      return yield* Effect.scoped(Effect.gen(function*() {
        // Subscribe before reading the row: a change landing between the two is then still seen.
        const queue = yield* events.subscribe(id)
        const job = yield* store.get(id)
        return yield* settle(isTerminal(job.state) ? job : yield* nextTerminal(queue))
      }))
    })

    /** Queues the body of a POST /jobs (native chat, or generate with `endpoint`) and waits for its end. */
    const submitAndAwait = Effect.fn("JobAwaiter.submitAndAwait")(function*(request: SubmitJob) {
      // The same checks as POST /jobs, in the same order: a refused request queues nothing.
      const fields = yield* Either.mapLeft(submitFields(request), (error) => new BadRequest({ error }))
      yield* capabilities.admit(fields)
      const { endpoint, hasKeepAlive, webhookUrl } = fields
      // A null keep_alive sets none, and a "Keep_Alive" sets one, as on the HTTP routes.
      const keepAlive = !hasKeepAlive && Option.isSome(config.keepAlive)
        ? { keep_alive: config.keepAlive.value }
        : {}
      const id = yield* jobs.newId
      return yield* Effect.scoped(Effect.gen(function*() {
        // Subscribed before the job exists, so even a job that finishes at once is not missed.
        const queue = yield* events.subscribe(id)
        yield* jobs.submit({
          id,
          mode: "async",
          endpoint,
          api: "native",
          model: request.model,
          payload: JSON.stringify({ ...request, ...keepAlive }),
          webhookUrl
        })
        return yield* settle(yield* nextTerminal(queue))
      }))
    })

    return { submitAndAwait, await: awaitJob } as const
  })
}) {}
