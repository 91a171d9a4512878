import { Effect } from "effect"
import { Residency } from "../models/Residency.js"
import { type SimStats, Stats } from "./Stats.js"

/** The counters plus the resident generation model. */
export const simStats: Effect.Effect<SimStats, never, Stats | Residency> = Effect.gen(function*() {
  const counters = yield* Effect.flatMap(Stats, (stats) => stats.snapshot)
  const resident = yield* Effect.flatMap(Residency, (residency) => residency.residentGeneration)
  return { ...counters, resident }
})
