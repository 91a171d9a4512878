import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Data, Effect } from "effect"
import { describeNetworkError } from "../transport/NodeHttpRequest.js"
import { collectReadable } from "../transport/ReadableBody.js"

export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {
  override get message() {
    return `request body too large (limit ${this.limit} bytes, FOREMAN_MAX_BODY)`
  }
}

export class BodyUnreadable extends Data.TaggedError("BodyUnreadable")<{ readonly reason: string }> {
  override get message() {
    return `could not read the request body: ${this.reason}`
  }
}

/**
 * Reads the whole body as bytes, refusing more than `limit`. A declared Content-Length over the
 * limit is refused before reading; an undeclared one is drained and discarded past the limit so the
 * 413 still reaches the caller instead of a reset connection.
 */
export const readBody = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"] ?? Number.NaN)
    if (declared > limit) return yield* new BodyTooLarge({ limit })
    const collected = yield* collectReadable(
      NodeHttpServerRequest.toIncomingMessage(request),
      limit,
      (error) => new BodyUnreadable({ reason: describeNetworkError(error) })
    )
    if (collected.bytes === undefined) return yield* new BodyTooLarge({ limit })
    return collected.bytes
  })
