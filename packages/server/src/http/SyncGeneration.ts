import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { isTerminal, type JobApi, type JobEndpoint } from "@foreman/domain"
import { Chunk, Duration, Effect, Either, Exit, Fiber, Option, Queue, Ref, Scope, Stream } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Inventory } from "../inventory/Inventory.js"
import { ModelCapabilities } from "../inventory/ModelCapabilities.js"
import { isCloudModel } from "../inventory/ModelName.js"
import { JobEvents, type JobSignal } from "../jobs/JobEvents.js"
import { Jobs } from "../jobs/Jobs.js"
import { Worker } from "../jobs/Worker.js"
import { readGenerationFields, withKeepAlive } from "../ollama/GenerationFields.js"
import type { JobRecord } from "../store/JobRecord.js"
import { joinWithin } from "./joinWithin.js"
import { errorLine, jsonContentType, ndjsonContentType, ollamaError, ollamaJson } from "./OllamaResponses.js"
import { eventStreamContentType, openAiError, openAiErrorEvent } from "./OpenAiResponses.js"
import { Passthrough } from "./Passthrough.js"
import { readBody } from "./RequestBody.js"

type First =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Ended"; readonly job: JobRecord }

const endedWith = (signal: JobSignal): Option.Option<JobRecord> =>
  signal._tag === "State" && isTerminal(signal.change.job.state) ? Option.some(signal.change.job) : Option.none()

/** How one wire family answers: content types and error shapes. */
interface Wire {
  readonly streamContentType: string
  readonly error: (status: number, message: string, headers?: Record<string, string>) => HttpServerResponse.HttpServerResponse
  readonly errorChunk: (message: string) => Uint8Array
  /** Only Ollama's API knows keep_alive. */
  readonly keepAlive: boolean
}

const wires: Record<JobApi, Wire> = {
  native: { streamContentType: ndjsonContentType, error: ollamaError, errorChunk: errorLine, keepAlive: true },
  openai: { streamContentType: eventStreamContentType, error: openAiError, errorChunk: openAiErrorEvent, keepAlive: false }
}

/**
 * A job that ended without an answer, in the family's error shape. A job someone cancelled is a
 * 410: SDKs that retry a 503 (`openai`, the AI SDK) would otherwise submit it again at once. A
 * job cancelled because foreman stopped is a 503: trying again once foreman is back is right.
 */
const failureOf = (job: JobRecord): { readonly status: number; readonly message: string } =>
  job.state === "cancelled"
    ? job.error === "cancelled" || job.error === null
      ? { status: 410, message: `job ${job.id} was cancelled` }
      : { status: 503, message: job.error }
    : { status: job.errorStatus ?? 500, message: job.error ?? "job failed" }

const failure = (wire: Wire, job: JobRecord, headers: Record<string, string>) => {
  const { message, status } = failureOf(job)
  return wire.error(status, message, headers)
}

/** The error an NDJSON or SSE body's last line reports (`{"error": "…"}`, or OpenAI's `{"error": {"message"}}`). */
const lastLineError = (text: string): string | undefined => {
  const line = text.trimEnd().split("\n").at(-1)?.trim() ?? ""
  try {
    const parsed: unknown = JSON.parse(line.startsWith("data:") ? line.slice(5) : line)
    if (typeof parsed !== "object" || parsed === null || !("error" in parsed)) return undefined
    const error: unknown = parsed.error
    if (typeof error === "string") return error
    return typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : undefined
  } catch {
    return undefined
  }
}

/**
 * Native /api/chat and /api/generate, and their OpenAI-compatible /v1 twins: the request becomes
 * a sync job, and the response is that job's output — streamed chunk by chunk as the target
 * produces it, or as one JSON body.
 */
export class SyncGeneration extends Effect.Service<SyncGeneration>()("foreman/SyncGeneration", {
  effect: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const inventory = yield* Inventory
    const capabilities = yield* ModelCapabilities
    const jobs = yield* Jobs
    const events = yield* JobEvents
    const worker = yield* Worker
    const passthrough = yield* Passthrough

    const firstOutput = (queue: Queue.Dequeue<JobSignal>): Effect.Effect<First> =>
      Queue.take(queue).pipe(
        Effect.flatMap((signal): Effect.Effect<First> =>
          signal._tag === "Chunk"
            ? Effect.succeed({ _tag: "Bytes", bytes: signal.bytes })
            : Option.match(endedWith(signal), {
              onNone: () => firstOutput(queue),
              onSome: (job) => Effect.succeed({ _tag: "Ended", job })
            })
        )
      )

    const ending = (queue: Queue.Dequeue<JobSignal>): Effect.Effect<JobRecord> =>
      Queue.take(queue).pipe(
        Effect.flatMap((signal) => Option.match(endedWith(signal), { onNone: () => ending(queue), onSome: Effect.succeed }))
      )

    const handle = (endpoint: JobEndpoint, api: JobApi = "native") => {
      const wire = wires[api]
      return Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* readBody(request, config.maxBody)
        const text = new TextDecoder().decode(body)
        const fields = readGenerationFields(text, api, endpoint)
        if (Either.isLeft(fields)) return wire.error(400, fields.left)
        const { model, needs, stream } = fields.right
        // The target proxies a cloud model to ollama.com: nothing loads here, so nothing waits in
        // line for the GPU, and no install is needed (ADR-0051).
        if (isCloudModel(model)) return yield* passthrough.forward({ body, openAi: api === "openai" })
        if (!(yield* inventory.ensureInstalled(model))) {
          return wire.error(404, `model '${model}' not found`)
        }
        const refused = yield* capabilities.refusal(model, endpoint, needs)
        if (Option.isSome(refused)) return wire.error(400, refused.value)
        const payload = wire.keepAlive && !fields.right.hasKeepAlive && Option.isSome(config.keepAlive)
          ? withKeepAlive(text, config.keepAlive.value)
          : text

        // Once the worker has stopped nothing would run the job; the caller can retry elsewhere or later.
        if (yield* worker.isStopped) return wire.error(503, "foreman is stopping; try again when it is back")
        const id = yield* jobs.newId
        const headers = { "x-foreman-job-id": id }
        const scope = yield* Scope.make()
        const finished = yield* Ref.make(false)
        const handedOff = yield* Ref.make(false)
        // The caller going away (handler interrupted, or the response stream cut) cancels the job.
        const release = Effect.zipRight(
          Effect.unlessEffect(jobs.cancel(id).pipe(Effect.ignore), Ref.get(finished)),
          Scope.close(scope, Exit.void)
        )
        const queue = yield* events.subscribe(id).pipe(Scope.extend(scope))

        const respond = Effect.gen(function*() {
          yield* jobs.submit({ id, mode: "sync", endpoint, api, model, payload, webhookUrl: null })
          if (!stream) {
            const job = yield* ending(queue)
            yield* Ref.set(finished, true)
            return job.state === "done" && job.result !== null ? ollamaJson(job.result, headers) : failure(wire, job, headers)
          }
          // A caller's client may give up waiting for headers (Node's fetch after 300 s) while the
          // job waits its turn: past FOREMAN_STREAM_HEADERS_AFTER they go out, and an end without
          // output is then told in the stream, as a target's own mid-stream error is (ADR-0050).
          // The take runs in its own fiber (closed with the request's scope) and only the wait for
          // it times out: a take interrupted just as a signal reached it could lose that signal.
          const taking = yield* Effect.forkIn(firstOutput(queue), scope)
          const early = yield* joinWithin(taking, Duration.toMillis(config.streamHeadersAfter))
          if (Option.isSome(early) && early.value._tag === "Ended") {
            yield* Ref.set(finished, true)
            return failure(wire, early.value.job, headers)
          }
          const fromFirst = (first: First): Stream.Stream<Uint8Array> => {
            if (first._tag === "Ended") {
              return Stream.fromEffect(Effect.as(Ref.set(finished, true), wire.errorChunk(failureOf(first.job).message)))
            }
            return Stream.concat(Stream.succeed(first.bytes), relayAfter(first.bytes))
          }
          // A target that fails mid-answer says so in its last line (HTTP 200, then {"error": …}); the
          // caller has that line already and needs no second copy from foreman. The last two chunks
          // are kept, undecoded, for a line that arrived in two pieces.
          const relayAfter = (firstBytes: Uint8Array): Stream.Stream<Uint8Array> => {
            let beforeLast: Uint8Array = new Uint8Array(0)
            let lastRelayed = firstBytes
            const saidAlready = (error: string) => lastLineError(Buffer.concat([beforeLast, lastRelayed]).toString("utf8")) === error
            // Whole batches of signals at a time, not one effect per chunk: a stream can be thousands of chunks.
            return Stream.fromQueue(queue).pipe(
              Stream.takeUntil((signal) => Option.isSome(endedWith(signal))),
              Stream.mapChunksEffect((signals) => {
                const bytes = Chunk.filterMap(signals, (signal): Option.Option<Uint8Array> => {
                  if (signal._tag === "Chunk") {
                    beforeLast = lastRelayed
                    lastRelayed = signal.bytes
                    return Option.some(signal.bytes)
                  }
                  const { error, state } = signal.change.job
                  if (state !== "failed" && state !== "cancelled") return Option.none()
                  if (state === "failed" && error !== null && saidAlready(error)) return Option.none()
                  return Option.some(wire.errorChunk(error ?? `job ${state}`))
                })
                return Chunk.some(signals, (signal) => Option.isSome(endedWith(signal)))
                  ? Effect.as(Ref.set(finished, true), bytes)
                  : Effect.succeed(bytes)
              })
            )
          }
          const body = Option.match(early, {
            onSome: fromFirst,
            // Node sends the status line and headers with the first write; an empty one sends them alone.
            onNone: () => Stream.concat(Stream.succeed(new Uint8Array(0)), Stream.unwrap(Effect.map(Fiber.join(taking), fromFirst)))
          })
          yield* Ref.set(handedOff, true)
          return HttpServerResponse.stream(body.pipe(Stream.ensuring(release)), { status: 200, contentType: wire.streamContentType, headers })
        })
        // Once the response stream owns the subscription it releases it; every other exit does here.
        return yield* respond.pipe(Effect.onExit(() => Effect.unlessEffect(release, Ref.get(handedOff))))
      }).pipe(
        Effect.catchTags({
          BodyTooLarge: (error) => Effect.succeed(wire.error(413, error.message)),
          BodyUnreadable: (error) => Effect.succeed(wire.error(400, error.message))
        }),
        Effect.withSpan("SyncGeneration.handle", { attributes: { endpoint, api } })
      )
    }

    return { handle, jsonContentType } as const
  })
}) {}
