import { Effect } from "effect"
import { OllamaSim } from "./OllamaSim.js"
import type { SimListenError } from "./server/SimListenError.js"
import type { SimOptions } from "./SimOptions.js"

/** Runs a sim until interrupted, for `foreman sim` and benchmarks in another process. */
export const runSim = (options: SimOptions = {}): Effect.Effect<never, SimListenError> =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start(options)
      yield* Effect.logInfo(`ollama-sim listening on ${sim.url}`)
      return yield* Effect.never
    })
  )
