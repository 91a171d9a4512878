import { Effect, Option, Stream } from "effect"
import { json, ndjson } from "../wire/responses.js"

/** api.ProgressResponse */
export interface Progress {
  readonly status: string
  readonly digest?: string
  readonly total?: number
  readonly completed?: number
}

/**
 * Pull, push and create answer a stream of statuses, or with stream:false only
 * the last one, under waitForStream's bare "application/json" content type.
 */
export const progressResponse = (updates: Stream.Stream<Progress>, stream: boolean) =>
  stream
    ? Effect.succeed(ndjson(updates))
    : Effect.map(
      Stream.runLast(updates),
      (last) => json(Option.getOrElse(last, (): Progress => ({ status: "success" })), 200, "application/json")
    )
