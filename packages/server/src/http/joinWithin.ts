import { Effect, type Exit, type Fiber, Option } from "effect"

// setTimeout fires at once past this (a 32-bit millisecond count); longer waits never end.
const longestTimer = 2 ** 31 - 1

/**
 * The fiber's result, or none once `millis` have passed. One timer and an observer: where
 * `Effect.timeoutOption` races the join against a sleeping fiber, which cost ≈0.25 ms of CPU a
 * streamed request (`pnpm bench:compare --route stream`, 12 rounds of 200).
 */
export const joinWithin = <A>(fiber: Fiber.RuntimeFiber<A>, millis: number): Effect.Effect<Option.Option<A>> =>
  Effect.async<Option.Option<A>>((resume) => {
    const observer = (exit: Exit.Exit<A>) => {
      clearTimeout(timer)
      resume(Effect.asSome(exit))
    }
    const timer = millis > longestTimer ? undefined : setTimeout(() => {
      fiber.removeObserver(observer)
      resume(Effect.succeedNone)
    }, millis)
    fiber.addObserver(observer)
    return Effect.sync(() => {
      clearTimeout(timer)
      fiber.removeObserver(observer)
    })
  })
