import type { HttpServerRequest } from "@effect/platform"
import { Data, Effect, Stream } from "effect"

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
    const collected = yield* request.stream.pipe(
      Stream.mapError((error) => new BodyUnreadable({ reason: String(error.cause ?? error.reason) })),
      Stream.runFold({ chunks: new Array<Uint8Array>(), size: 0 }, (acc, chunk) => {
        acc.size += chunk.byteLength
        if (acc.size <= limit) acc.chunks.push(chunk)
        return acc
      })
    )
    if (collected.size > limit) return yield* new BodyTooLarge({ limit })
    return Buffer.concat(collected.chunks, collected.size)
  })
