import { Duration, Effect, Option, Schedule } from "effect"
import type { BenchError } from "./BenchError.js"

export interface PollOptions<A> {
  /** Pause between the end of one step and the start of the next. */
  readonly everyMs: number
  /** The whole poll's deadline, from its first step. */
  readonly timeoutMs: number
  /** The failure once the deadline passes, given the last result seen (none when no step finished). */
  readonly onTimeout: (last: Option.Option<A>) => BenchError
}

/**
 * Runs `step` now and then every `everyMs` (after the previous run ends) until `done` holds for its
 * result, which it returns; fails with `onTimeout` when `timeoutMs` passes first. A failing step
 * ends the poll with its error.
 */
export const pollUntil = <A, E, R>(
  step: Effect.Effect<A, E, R>,
  done: (result: A) => boolean,
  options: PollOptions<A>
): Effect.Effect<A, E | BenchError, R> =>
  Effect.suspend(() => {
    let last = Option.none<A>()
    const until = Schedule.spaced(Duration.millis(options.everyMs)).pipe(
      Schedule.whileInput((result: A) => !done(result)),
      Schedule.passthrough
    )
    return step.pipe(
      Effect.tap((result) => {
        last = Option.some(result)
      }),
      Effect.repeat(until),
      Effect.timeoutFail({ duration: Duration.millis(options.timeoutMs), onTimeout: () => options.onTimeout(last) })
    )
  })
