import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { BadRequest, ForemanApi, JobEvent, JobNotFound, type JobState, type SubmitJob } from "@foreman/domain"
import { Duration, Effect, flow, Layer, Option, Schema, Stream } from "effect"
import { DaemonError, DaemonUnreachable } from "./ClientErrors.js"
import { type ClientOptions, ForemanClientConfig } from "./ForemanClientConfig.js"
import { type EventsOptions, followJob, type WaitOptions } from "./followJob.js"
import { recordAnswers, refineFailures, rejectedRequest } from "./httpFailures.js"
import { InstalledModels, RunningModels } from "./NativeModels.js"
import { checkJobId, checkPayload } from "./requestChecks.js"
import { serverSentEvents } from "./ServerSentEvents.js"

export interface ListFilter {
  readonly state?: JobState | undefined
  readonly model?: string | undefined
  /** 1 to 500; the daemon's default is 50. */
  readonly limit?: number | undefined
  /** `next_cursor` of the previous page. */
  readonly cursor?: string | undefined
}

const decodeEvent = Schema.decodeUnknown(Schema.parseJson(JobEvent))
// The events route answers its errors before the stream starts, in foreman's `_tag` + `error` shape.
const EventsRefusal = Schema.Union(BadRequest, JobNotFound)

/**
 * The daemon sends a heartbeat comment every 15 s, so an event stream that passes no byte for three
 * of them is dead though still open (a frozen proxy). Without a limit only undici's 300 s body
 * timeout would notice, and `wait` would hang that long before falling back to polling.
 */
export const eventStreamIdleTimeout = Duration.seconds(45)

const silentFor = (idle: Duration.Duration) => () =>
  new DaemonError({ status: null, error: `the event stream passed nothing, not even a heartbeat, for ${Duration.format(idle)}` })

const defined = <A extends Record<string, unknown>>(record: A) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))

/**
 * A typed client for a running foreman: the HttpApi endpoints derived from `ForemanApi`, the native
 * calls the CLI shows (`/api/ps`, `/api/tags`), the job's SSE events, and `submitAndWait`.
 * Network and protocol failures become `DaemonUnreachable`, `DaemonError` or `Unauthorized`.
 */
export class ForemanClient extends Effect.Service<ForemanClient>()("@foreman/client/ForemanClient", {
  dependencies: [ForemanClientConfig.Default, FetchHttpClient.layer],
  effect: Effect.gen(function*() {
    const config = yield* ForemanClientConfig
    // Every request carries FOREMAN_TOKEN when there is one; /healthz simply ignores it.
    const authorize = HttpClient.mapRequest((request) =>
      Option.match(config.token, {
        onNone: () => request,
        onSome: (token) => HttpClientRequest.bearerToken(request, token)
      })
    )
    const transformClient = flow(authorize, recordAnswers)
    const api = yield* HttpApiClient.make(ForemanApi, { baseUrl: config.url, transformClient })
    const native = (yield* HttpClient.HttpClient).pipe(
      transformClient,
      HttpClient.mapRequest(HttpClientRequest.prependUrl(config.url))
    )
    const refine = refineFailures(config.url)
    // Every call here but the event stream (which has its own idle limit) is answered at once.
    const answered = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      !Duration.isFinite(config.requestTimeout) ? effect : Effect.timeoutFail(effect, {
        duration: config.requestTimeout,
        onTimeout: () => new DaemonUnreachable({ url: config.url, error: `no answer within ${Duration.format(config.requestTimeout)}` })
      })

    const health = api.health.healthz().pipe(
      Effect.catchTag("HttpApiDecodeError", rejectedRequest),
      refine,
      answered,
      Effect.withSpan("ForemanClient.health")
    )

    const submit = Effect.fn("ForemanClient.submit")(function*(payload: SubmitJob) {
      yield* checkPayload(payload)
      const accepted = yield* api.jobs.submit({ payload }).pipe(
        Effect.catchTag("HttpApiDecodeError", rejectedRequest),
        refine,
        answered
      )
      return accepted.job_id
    })

    const list = Effect.fn("ForemanClient.list")(function*(filter: ListFilter = {}) {
      const urlParams = defined({
        state: filter.state,
        model: filter.model,
        limit: filter.limit === undefined ? undefined : String(filter.limit),
        cursor: filter.cursor
      })
      return yield* api.jobs.list({ urlParams }).pipe(
        Effect.catchTag("HttpApiDecodeError", rejectedRequest),
        refine,
        answered
      )
    })

    const get = Effect.fn("ForemanClient.get")(function*(id: string) {
      yield* checkJobId(id)
      return yield* api.jobs.get({ path: { id } }).pipe(
        Effect.catchTag("HttpApiDecodeError", rejectedRequest),
        refine,
        answered
      )
    })

    const cancel = Effect.fn("ForemanClient.cancel")(function*(id: string) {
      yield* checkJobId(id)
      return yield* api.jobs.cancel({ path: { id } }).pipe(
        Effect.catchTag("HttpApiDecodeError", rejectedRequest),
        refine,
        answered
      )
    })

    /** GET without the API schema: the native routes answer Ollama's shapes, not foreman's. */
    const nativeJson = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
      native.get(path).pipe(
        Effect.flatMap(HttpClientResponse.filterStatusOk),
        Effect.flatMap(HttpClientResponse.schemaBodyJson(schema)),
        refine,
        answered,
        Effect.withSpan("ForemanClient.native", { attributes: { path } })
      )

    const ps = nativeJson("/api/ps", RunningModels)
    const tags = nativeJson("/api/tags", InstalledModels)

    /** Opens the SSE response; the route refuses in foreman's `_tag` + `error` shape before streaming. */
    const openEvents = (id: string, idle: Duration.Duration) =>
      native.get(`/jobs/${id}/events`, { headers: { accept: "text/event-stream" } }).pipe(
        Effect.flatMap((response) =>
          response.status === 200
            ? Effect.succeed(response)
            : response.status === 400 || response.status === 404
            ? Effect.flatMap(HttpClientResponse.schemaBodyJson(EventsRefusal)(response), Effect.fail)
            : HttpClientResponse.filterStatusOk(response)
        ),
        Effect.timeoutFail({ duration: idle, onTimeout: silentFor(idle) })
      )

    /**
     * The job's state events as they happen: the current state first, ending after a terminal one.
     * A stream silent for `idleTimeout` (default `eventStreamIdleTimeout`) fails with `DaemonError`.
     */
    const events = (id: string, options: EventsOptions = {}) => {
      const idle = Duration.decode(options.idleTimeout ?? eventStreamIdleTimeout)
      return Stream.unwrap(
        Effect.map(Effect.flatMap(checkJobId(id), (checked) => openEvents(checked, idle)), (response) =>
          // Heartbeat comments count as life here, before the parser drops them.
          serverSentEvents(Stream.timeoutFail(response.stream, silentFor(idle), idle)).pipe(
            Stream.filter((message) => message.event === "state"),
            Stream.mapEffect((message) => decodeEvent(message.data))
          ))
      ).pipe(
        // Failing to open or to read the stream ends up as the same errors as any other call.
        Stream.catchAll((error) => Stream.fromEffect(refine(Effect.fail(error))))
      )
    }

    const source = { events, get }

    /** Follows a job to its end: the `done` view, or `JobFailed` / `JobCancelled`. */
    const wait = (id: string, options?: WaitOptions) => followJob(source, id, options)

    /** Submits a job and follows it to its end, like `wait`. */
    const submitAndWait = Effect.fn("ForemanClient.submitAndWait")(function*(payload: SubmitJob, options?: WaitOptions) {
      const id = yield* submit(payload)
      return yield* wait(id, options)
    })

    return { api, health, submit, list, get, cancel, events, wait, submitAndWait, ps, tags } as const
  })
}) {
  /** The client for a daemon given by a plain object instead of FOREMAN_URL / FOREMAN_TOKEN. */
  static layer(options: ClientOptions) {
    return ForemanClient.DefaultWithoutDependencies.pipe(
      Layer.provide(ForemanClientConfig.layer(options)),
      Layer.provide(FetchHttpClient.layer)
    )
  }
}
