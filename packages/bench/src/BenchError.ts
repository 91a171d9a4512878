import { Data, Effect, Either } from "effect"

/** Anything that stops the harness itself (not a missed goal). */
export class BenchError extends Data.TaggedError("BenchError")<{ readonly message: string }> {}

/** The text of whatever a Promise rejected with. */
export const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** A Promise-based step; a rejection becomes a BenchError with the rejection's message. */
export const fromPromise = <A>(run: () => Promise<A>): Effect.Effect<A, BenchError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new BenchError({ message: messageOf(cause) }) })

/**
 * A Promise-based loop (a timed one, kept free of Effect) that hands its own failures back as a
 * value, `Left(message)`: those and any rejection become a BenchError.
 */
export const fromResult = <A>(run: () => Promise<Either.Either<A, string>>): Effect.Effect<A, BenchError> =>
  Effect.flatMap(
    fromPromise(run),
    Either.match({ onLeft: (message) => Effect.fail(new BenchError({ message })), onRight: Effect.succeed })
  )

/** Prefixes a step's BenchError with what the harness was doing: "`what`: message". */
export const during = (what: string) => <A, R>(self: Effect.Effect<A, BenchError, R>): Effect.Effect<A, BenchError, R> =>
  Effect.mapError(self, (error) => new BenchError({ message: `${what}: ${error.message}` }))

/** A plain async step of the harness, its failure a BenchError saying `what` failed. */
export const attempt = <A>(what: string, run: () => Promise<A>): Effect.Effect<A, BenchError> =>
  during(what)(fromPromise(run))

/** `fromResult`, its failure saying `what` failed. */
export const attemptResult = <A>(what: string, run: () => Promise<Either.Either<A, string>>): Effect.Effect<A, BenchError> =>
  during(what)(fromResult(run))
