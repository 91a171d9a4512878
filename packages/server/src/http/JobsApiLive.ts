import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { SqlError } from "@effect/sql/SqlError"
import {
  BadRequest,
  ForemanApi,
  JobAlreadyTerminal,
  JobId,
  JobNotFound,
  JobState,
  PayloadTooLarge
} from "@foreman/domain"
import { Effect, Either, Option, Schema } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { ModelCapabilities } from "../inventory/ModelCapabilities.js"
import { normalizeModel } from "../inventory/ModelName.js"
import { Jobs } from "../jobs/Jobs.js"
import { Worker } from "../jobs/Worker.js"
import { withKeepAlive } from "../ollama/GenerationFields.js"
import { Store } from "../store/Store.js"
import { JobEventStream } from "./JobEventStream.js"
import { jobSummary, jobView } from "./JobViews.js"
import { readBody } from "./RequestBody.js"
import { readSubmitFields } from "../jobs/SubmitFields.js"

const decodeJobId = Schema.decodeUnknownEither(JobId)
const decodeState = Schema.decodeUnknownEither(JobState)

// ULIDs are case-insensitive; foreman writes them upper-case, so a lower-cased copy finds its job.
const jobIdFrom = (raw: string) =>
  Either.match(decodeJobId(raw.toUpperCase()), {
    onLeft: () => Effect.fail(new BadRequest({ error: `"${raw}" is not a job id (a 26-character ULID)` })),
    onRight: Effect.succeed
  })

const parseLimit = (raw: string | undefined) => {
  if (raw === undefined) return Effect.succeed(50)
  // Digits only: Number() would also take "1e2", "0x10" and " 7 ".
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  return Number.isInteger(n) && n >= 1 && n <= 500
    ? Effect.succeed(n)
    : Effect.fail(new BadRequest({ error: `limit must be a whole number from 1 to 500, got "${raw}"` }))
}

/** One value per query parameter: `?limit=1&limit=2` is ambiguous, so it is refused, not guessed. */
const single = (name: string, raw: string | ReadonlyArray<string> | undefined) =>
  typeof raw === "string" || raw === undefined
    ? Effect.succeed(raw)
    : Effect.fail(new BadRequest({ error: `${name} may be given once, got it ${raw.length} times` }))

/** Store failures are bugs or a broken disk, not the caller's fault: they surface as a 500, logged. */
const orDie = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(effect, (error): error is Extract<E, SqlError> => error._tag === "SqlError", Effect.die)

export const JobsApiLive = HttpApiBuilder.group(ForemanApi, "jobs", (handlers) =>
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    const capabilities = yield* ModelCapabilities
    const jobs = yield* Jobs
    const store = yield* Store
    const worker = yield* Worker
    const eventStream = yield* JobEventStream

    return handlers
      // Raw, so the body reaches the target as the caller's bytes (big integers, unknown fields).
      .handleRaw("submit", ({ request }) =>
        Effect.gen(function*() {
          const body = yield* readBody(request, config.maxBody).pipe(
            Effect.catchTags({
              BodyTooLarge: (error) => Effect.fail(new PayloadTooLarge({ error: error.message })),
              BodyUnreadable: (error) => Effect.fail(new BadRequest({ error: error.message }))
            })
          )
          const text = new TextDecoder().decode(body)
          const fields = yield* Either.match(readSubmitFields(text), {
            onLeft: (error) => Effect.fail(new BadRequest({ error })),
            onRight: Effect.succeed
          })
          yield* capabilities.admit(fields)
          const payload = !fields.hasKeepAlive && Option.isSome(config.keepAlive)
            ? withKeepAlive(text, config.keepAlive.value)
            : text
          const id = yield* jobs.newId
          yield* jobs.submit({ id, mode: "async", endpoint: fields.endpoint, api: "native", model: fields.model, payload, webhookUrl: fields.webhookUrl }).pipe(orDie)
          return { job_id: id }
        }))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          const rawState = yield* single("state", urlParams.state)
          const rawCursor = yield* single("cursor", urlParams.cursor)
          const model = yield* single("model", urlParams.model)
          if (model !== undefined && model.trim() === "") return yield* new BadRequest({ error: "model must not be empty" })
          const state = rawState === undefined ? undefined : yield* Either.match(decodeState(rawState), {
            onLeft: () => Effect.fail(new BadRequest({ error: `state must be one of ${JobState.literals.join(", ")}` })),
            onRight: Effect.succeed
          })
          const before = rawCursor === undefined ? undefined : yield* jobIdFrom(rawCursor)
          const limit = yield* parseLimit(yield* single("limit", urlParams.limit))
          const page = yield* store.list({ state, model: model === undefined ? undefined : normalizeModel(model), before, limit: limit + 1 })
            .pipe(orDie)
          const shown = page.slice(0, limit)
          return {
            jobs: shown.map(jobSummary),
            next_cursor: page.length > limit ? shown.at(-1)?.id ?? null : null
          }
        }))
      .handle("get", ({ path }) =>
        Effect.gen(function*() {
          const job = yield* store.get(yield* jobIdFrom(path.id)).pipe(orDie)
          return yield* jobView(store, job, yield* worker.resident).pipe(orDie)
        }))
      .handle("cancel", ({ path }) =>
        Effect.gen(function*() {
          const job = yield* jobs.cancel(yield* jobIdFrom(path.id)).pipe(
            // The job reached a terminal state between the read and the move: it is no longer cancellable.
            Effect.catchTag("InvalidTransition", (error) =>
              Effect.fail(new JobAlreadyTerminal({ error: `job ${error.jobId} is already ${error.actual}` }))),
            orDie
          )
          return yield* jobView(store, job, yield* worker.resident).pipe(orDie)
        }))
      .handleRaw("artifact", ({ path }) =>
        Effect.gen(function*() {
          const id = yield* jobIdFrom(path.id)
          yield* store.get(id).pipe(orDie)
          const artifact = yield* store.getArtifact(id, path.name).pipe(orDie)
          return yield* Option.match(artifact, {
            onNone: () => Effect.fail(new JobNotFound({ error: `job ${id} has no artifact "${path.name}"` })),
            onSome: (found) => Effect.succeed(HttpServerResponse.uint8Array(found.data, { contentType: found.contentType }))
          })
        }))
      .handleRaw("events", ({ path, request }) =>
        Effect.flatMap(jobIdFrom(path.id), (id) => eventStream.open(id, request.headers["last-event-id"]).pipe(orDie)))
  }))
