import { Chunk, Effect, Ref } from "effect"
import { SimConfig } from "../SimOptions.js"

/** One request as it arrived, for byte-faithfulness and header checks. */
export interface RecordedRequest {
  readonly method: string
  /** The path without its query string. */
  readonly path: string
  /** The request target as sent, query included. */
  readonly url: string
  /** Lower-cased header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string>>
  /** The raw body, decoded as UTF-8. */
  readonly body: string
}

/** The most recent requests, oldest first, bounded by `recordLimit`. */
export class Recorder extends Effect.Service<Recorder>()("@foreman/ollama-sim/Recorder", {
  effect: Effect.gen(function*() {
    const { recordLimit } = yield* SimConfig
    const log = yield* Ref.make(Chunk.empty<RecordedRequest>())
    return {
      record: (request: RecordedRequest) =>
        Ref.update(log, (all) => {
          const next = Chunk.append(all, request)
          return Chunk.size(next) > recordLimit ? Chunk.drop(next, Chunk.size(next) - recordLimit) : next
        }),
      all: Effect.map(Ref.get(log), Chunk.toReadonlyArray),
      clear: Ref.set(log, Chunk.empty())
    } as const
  })
}) {}
