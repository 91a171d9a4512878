import { JobId } from "@foreman/domain"
import { Effect, Schema } from "effect"
import { monotonicUlid } from "../ids/MonotonicUlid.js"
import { normalizeModel } from "../inventory/ModelName.js"
import type { NewJob } from "../store/JobRecord.js"
import { Store } from "../store/Store.js"
import { JobIntake } from "./JobIntake.js"
import { Worker } from "./Worker.js"

/** A job to queue: the same fields the store takes for a new row. */
export type Submission = NewJob

/** Queues jobs through JobIntake (a row in the store, its event, a ring of the worker's doorbell). */
export class Jobs extends Effect.Service<Jobs>()("foreman/Jobs", {
  dependencies: [JobIntake.Default],
  effect: Effect.gen(function*() {
    const store = yield* Store
    const intake = yield* JobIntake
    const worker = yield* Worker
    // Monotonic so two jobs submitted in the same millisecond still sort in submission order, and
    // after every job already stored, whatever the clock says.
    const nextUlid = monotonicUlid(store.newestJobId ?? undefined)
    const toJobId = Schema.decodeSync(JobId)

    /** A fresh id, taken before submitting so a caller can subscribe to the job's events first. */
    const newId = Effect.sync(() => toJobId(nextUlid()))

    const submit = Effect.fn("Jobs.submit")(function*(submission: Submission) {
      // Sync callers hold their connection and get no webhooks (ADR-0014), whatever was passed. The
      // model is stored as Ollama names it (`llama3` is `llama3:latest`), so drain-by-model, the
      // resident model and the counts see one model, not two; the payload keeps the caller's bytes.
      const { job } = yield* intake.insert({
        ...submission,
        model: normalizeModel(submission.model),
        webhookUrl: submission.mode === "sync" ? null : submission.webhookUrl
      })
      yield* Effect.logDebug("job queued").pipe(Effect.annotateLogs({ job_id: job.id, model: job.model }))
      return job
    })

    return { newId, submit, cancel: worker.cancel, get: store.get } as const
  })
}) {}
