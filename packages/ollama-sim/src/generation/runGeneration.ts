import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Chunk, Clock, Effect, Option, Ref, Stream } from "effect"
import type { InstalledModel } from "../models/Inventory.js"
import { isCloudName } from "../models/ModelName.js"
import { Residency } from "../models/Residency.js"
import { Faults } from "../server/Faults.js"
import { SimConfig } from "../SimOptions.js"
import { Stats } from "../state/Stats.js"
import { json, ndjson } from "../wire/responses.js"
import { answerText, chunkPlan, wordPieces } from "./answer.js"

/** api.Metrics, in Go's field order; durations in nanoseconds. */
export interface Metrics {
  readonly total_duration: number
  readonly load_duration: number
  readonly prompt_eval_count: number
  readonly prompt_eval_duration: number
  readonly eval_count: number
  readonly eval_duration: number
}

/** How one endpoint (chat or generate) prints its lines; `createdAt` is epoch ms. */
export interface ResponseShape<Line = object> {
  /** A streamed piece (done: false). */
  readonly piece: (model: string, createdAt: number, content: string) => Line
  /** The done line; metrics are absent for a load-only answer. */
  readonly done: (
    model: string,
    createdAt: number,
    content: string,
    reason: "stop" | "load" | "unload",
    metrics?: Metrics
  ) => Line
  /** A mid-stream `{"error": …}` line; only the native API has one (see Faults.failMidStreamNext). */
  readonly error?: (message: string) => Line
}

/** How lines reach the client: the native API writes JSON and NDJSON, /v1 rewrites them. */
export interface ResponseWire<Line> {
  /** A single line: a load-only answer, or the whole answer when not streaming. */
  readonly single: (line: Line) => HttpServerResponse.HttpServerResponse
  /** Lines flushed as they are produced, the done line last. */
  readonly stream: <E>(lines: Stream.Stream<Line, E>) => HttpServerResponse.HttpServerResponse
}

/** The native API's wire: c.JSON for one line, streamResponse's NDJSON for many. */
export const nativeWire: ResponseWire<unknown> = { single: (line) => json(line), stream: ndjson }

export interface GenerationRequest {
  /** The model as the client named it: Ollama echoes it back unchanged. */
  readonly model: string
  readonly installed: InstalledModel
  readonly stream: boolean
  readonly keepAliveMs: number
  readonly contextLength: number
  /** undefined: nothing to generate, only load the model (done_reason "load"). */
  readonly input: string | undefined
  readonly promptTokens: number
  /** Clock.currentTimeNanos when the request arrived. */
  readonly startedNs: bigint
}

const nanosSince = (start: bigint) => Effect.map(Clock.currentTimeNanos, (now) => Math.max(1, Number(now - start)))

const createdAt = Clock.currentTimeMillis

/**
 * Loads the model if needed and answers, streamed or not. Counts the request as
 * an active generation until its response is fully written (the request scope
 * closes then), and as aborted if the scope closes before the done line.
 */
export const runGeneration = <Line>(
  request: GenerationRequest,
  shape: ResponseShape<Line>,
  wire: ResponseWire<Line> = nativeWire
) =>
  Effect.gen(function*() {
    const config = yield* SimConfig
    const faults = yield* Faults
    const stats = yield* Stats
    const residency = yield* Residency
    const finished = yield* Ref.make(false)
    yield* Effect.acquireRelease(
      stats.beginGeneration,
      () => Effect.flatMap(Ref.get(finished), (done) => stats.endGeneration(!done))
    )
    // A cloud model runs elsewhere: the local runner is neither loaded nor swapped for it.
    const loadNs = isCloudName(request.model) ? 0 : yield* residency.hold(request.installed, request.keepAliveMs, request.contextLength)

    if (request.input === undefined) {
      yield* Ref.set(finished, true)
      return wire.single(shape.done(request.model, yield* createdAt, "", "load"))
    }

    const plan = chunkPlan(wordPieces(answerText(request.model, request.input)), config.tokens)
    const evalStartedNs = yield* Clock.currentTimeNanos
    const doneLine = (content: string) =>
      Effect.gen(function*() {
        const metrics: Metrics = {
          total_duration: yield* nanosSince(request.startedNs),
          load_duration: Math.max(1, loadNs),
          prompt_eval_count: request.promptTokens,
          prompt_eval_duration: request.promptTokens * 25_000,
          eval_count: plan.length,
          eval_duration: yield* nanosSince(evalStartedNs)
        }
        yield* Ref.set(finished, true)
        return shape.done(request.model, yield* createdAt, content, "stop", metrics)
      })

    const delay = config.tokenDelayMs
    if (!request.stream) {
      if (delay > 0) yield* Effect.sleep(delay * plan.length)
      return wire.single(yield* doneLine(plan.join("")))
    }

    const pieceLine = (at: number) => (content: string) => shape.piece(request.model, at, content)
    const pieces = delay > 0
      ? Stream.fromIterable(plan).pipe(
        Stream.mapEffect((content) => Effect.zipRight(Effect.sleep(delay), Effect.map(createdAt, (at) => pieceLine(at)(content))))
      )
      // No sleeps and one clock read per batch: benchmarks stream thousands of chunks.
      : Stream.fromIterable(plan).pipe(
        Stream.mapChunksEffect((batch) => Effect.map(createdAt, (at) => Chunk.map(batch, pieceLine(at))))
      )
    const errorLine = shape.error
    if (errorLine !== undefined) {
      const midStreamFailure = yield* faults.takeMidStreamFailure
      if (Option.isSome(midStreamFailure)) {
        // Half the answer, then the error instead of the done line; the request still counts as answered.
        const half = Stream.take(pieces, Math.ceil(plan.length / 2))
        const failure = Stream.fromEffect(Effect.as(Ref.set(finished, true), errorLine(midStreamFailure.value)))
        return wire.stream(Stream.concat(half, failure))
      }
    }
    return wire.stream(Stream.concat(pieces, Stream.fromEffect(doneLine(""))))
  })
