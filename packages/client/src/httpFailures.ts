import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { BadRequest, Unauthorized } from "@foreman/domain"
import { Effect, FiberRef, Option, ParseResult, Schema } from "effect"
import { bodySummary, notForeman } from "./bodySummary.js"
import { DaemonError, DaemonUnreachable } from "./ClientErrors.js"

/** What any call can fail with besides the endpoint's own errors. */
export type ClientFailure = DaemonUnreachable | DaemonError | Unauthorized

type Raw = HttpClientError.HttpClientError | ParseResult.ParseError

const ErrorBody = Schema.parseJson(Schema.Struct({ error: Schema.String }))
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/**
 * The answer the current call got. HttpApiClient fails with a bare ParseError when a body is not the
 * endpoint's schema (Ollama's `404 page not found` where foreman's JSON `JobNotFound` was due), so
 * the status and body it had are kept here to be shown instead of the schema's tree.
 */
const lastAnswer = FiberRef.unsafeMake(Option.none<HttpClientResponse.HttpClientResponse>())

/** Remembers each response, for `refineFailures` to describe one whose body failed to decode. */
export const recordAnswers = HttpClient.tap((response: HttpClientResponse.HttpClientResponse) =>
  FiberRef.set(lastAnswer, Option.some(response))
)

// A body is read only once, but kept as text or as bytes, whichever the decoder that failed on it used.
const bodyText = (response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(Effect.orElse(() => Effect.map(response.arrayBuffer, (bytes) => new TextDecoder().decode(bytes))))

/** Both of foreman's error shapes carry `error`; anything else (a proxy's page) is summed up in one line. */
const describeBody = (response: HttpClientResponse.HttpClientResponse) =>
  bodyText(response).pipe(
    Effect.map((text) =>
      Option.getOrElse(Option.map(decodeErrorBody(text), (body) => body.error), () => bodySummary(text, response.headers["content-type"]))
    ),
    Effect.orElseSucceed(() => notForeman)
  )

const unexpectedAnswer = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(describeBody(response), (body) => Effect.fail(new DaemonError({ status: response.status, error: body })))

/** The underlying cause of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`) says more than "fetch failed". */
const transportDetail = (error: HttpClientError.RequestError) => {
  const cause: unknown = error.cause
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  return inner instanceof Error ? inner.message : String(inner)
}

const translate = (baseUrl: string) => (error: Raw): Effect.Effect<never, ClientFailure> => {
  if (ParseResult.isParseError(error)) {
    return Effect.flatMap(FiberRef.get(lastAnswer), Option.match({
      onNone: () => Effect.fail(new DaemonError({ status: null, error: notForeman })),
      onSome: unexpectedAnswer
    }))
  }
  if (error._tag === "RequestError") {
    return error.reason === "Transport"
      ? Effect.fail(new DaemonUnreachable({ url: baseUrl, error: transportDetail(error) }))
      : Effect.fail(new DaemonError({ status: null, error: error.message }))
  }
  const { response } = error
  if (response.status === 401) {
    return Effect.fail(wrongToken)
  }
  // A body that broke off mid-read is a transport failure; a bad status is the daemon's answer.
  return error.reason === "StatusCode" || response.status >= 300
    ? unexpectedAnswer(response)
    : Effect.fail(new DaemonError({ status: response.status, error: error.message }))
}

/** The daemon says "missing or wrong bearer token"; the client also says where the token goes. */
const wrongToken = new Unauthorized({ error: "missing or wrong bearer token (set FOREMAN_TOKEN)" })

const needsRefining = <E>(error: E): error is Extract<E, Raw | Unauthorized> =>
  HttpClientError.isHttpClientError(error) || ParseResult.isParseError(error) || error instanceof Unauthorized

/**
 * Replaces the HTTP layer's errors with the client's own: unreachable, unauthorized, or a bad answer.
 * Each call starts with no answer recorded, so one call's response is never blamed on another.
 */
export const refineFailures = (baseUrl: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(effect, needsRefining<E>, (error: Extract<E, Raw | Unauthorized>) =>
    error instanceof Unauthorized ? Effect.fail(wrongToken) : translate(baseUrl)(error)).pipe(
    Effect.locally(lastAnswer, Option.none())
  )

/** The framework's own 400 (a request that did not match the schema) is a bad request like any other. */
export const rejectedRequest = (error: HttpApiError.HttpApiDecodeError) => Effect.fail(new BadRequest({ error: error.message }))
