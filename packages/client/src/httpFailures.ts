import type * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { BadRequest, Unauthorized } from "@foreman/domain"
import { Effect, Option, ParseResult, Schema } from "effect"
import { DaemonError, DaemonUnreachable } from "./ClientErrors.js"

/** What any call can fail with besides the endpoint's own errors. */
export type ClientFailure = DaemonUnreachable | DaemonError | Unauthorized

type Raw = HttpClientError.HttpClientError | ParseResult.ParseError

const ErrorBody = Schema.parseJson(Schema.Struct({ error: Schema.String }))
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

/** Both of foreman's error shapes carry `error`; anything else (a proxy's page) is shown as is. */
const describeBody = (response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.map((text) => Option.getOrElse(Option.map(decodeErrorBody(text), (body) => body.error), () => text.trim().slice(0, 500))),
    Effect.orElseSucceed(() => "")
  )

/** The underlying cause of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`) says more than "fetch failed". */
const transportDetail = (error: HttpClientError.RequestError) => {
  const cause: unknown = error.cause
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  return inner instanceof Error ? inner.message : String(inner)
}

const translate = (baseUrl: string) => (error: Raw): Effect.Effect<never, ClientFailure> => {
  if (ParseResult.isParseError(error)) {
    return Effect.fail(new DaemonError({ status: null, error: `unexpected answer: ${error.message}` }))
  }
  if (error._tag === "RequestError") {
    return error.reason === "Transport"
      ? Effect.fail(new DaemonUnreachable({ url: baseUrl, error: transportDetail(error) }))
      : Effect.fail(new DaemonError({ status: null, error: error.message }))
  }
  const { response } = error
  if (response.status === 401) {
    return Effect.fail(new Unauthorized({ error: "missing or wrong bearer token (set FOREMAN_TOKEN)" }))
  }
  // A body that broke off mid-read is a transport failure; a bad status is the daemon's answer.
  return error.reason === "StatusCode" || response.status >= 300
    ? Effect.flatMap(describeBody(response), (body) => Effect.fail(new DaemonError({ status: response.status, error: body })))
    : Effect.fail(new DaemonError({ status: response.status, error: error.message }))
}

const isRaw = <E>(error: E): error is Extract<E, Raw> => HttpClientError.isHttpClientError(error) || ParseResult.isParseError(error)

/** Replaces the HTTP layer's errors with the client's own: unreachable, unauthorized, or a bad answer. */
export const refineFailures = (baseUrl: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(effect, isRaw<E>, (error: Extract<E, Raw>) => translate(baseUrl)(error))

/** The framework's own 400 (a request that did not match the schema) is a bad request like any other. */
export const rejectedRequest = (error: HttpApiError.HttpApiDecodeError) => Effect.fail(new BadRequest({ error: error.message }))
