import { Effect, Ref } from "effect"
import type { ModelKind } from "../models/ModelCatalog.js"

/** Counters the sim keeps about what it was asked to do. */
export interface StatsCounters {
  /** Loads of a generation model, the first one included. */
  readonly swaps: number
  /** Every model load, embedding models included. */
  readonly loads: number
  /** Chat/generate requests, /v1 ones included, that reached the model (load-only requests included). */
  readonly generations: number
  readonly maxConcurrentGenerations: number
  readonly activeGenerations: number
  /** Generations whose client went away before the last line. */
  readonly aborted: number
  /** Requests per "METHOD /path" (the /_sim admin surface is not counted). */
  readonly calls: Readonly<Record<string, number>>
}

export interface SimStats extends StatsCounters {
  /** The resident generation model, if any. */
  readonly resident: string | null
}

const zero: StatsCounters = {
  swaps: 0,
  loads: 0,
  generations: 0,
  maxConcurrentGenerations: 0,
  activeGenerations: 0,
  aborted: 0,
  calls: {}
}

export class Stats extends Effect.Service<Stats>()("@foreman/ollama-sim/Stats", {
  effect: Effect.gen(function*() {
    const counters = yield* Ref.make(zero)
    return {
      snapshot: Ref.get(counters),
      // In-flight generations survive a reset: they are still running.
      reset: Ref.update(counters, (c) => ({
        ...zero,
        activeGenerations: c.activeGenerations,
        maxConcurrentGenerations: c.activeGenerations
      })),
      countCall: (method: string, path: string) =>
        Ref.update(counters, (c) => {
          const key = `${method} ${path}`
          return { ...c, calls: { ...c.calls, [key]: (c.calls[key] ?? 0) + 1 } }
        }),
      recordLoad: (kind: ModelKind) =>
        Ref.update(counters, (c) => ({
          ...c,
          loads: c.loads + 1,
          swaps: kind === "generate" ? c.swaps + 1 : c.swaps
        })),
      beginGeneration: Ref.update(counters, (c) => ({
        ...c,
        generations: c.generations + 1,
        activeGenerations: c.activeGenerations + 1,
        maxConcurrentGenerations: Math.max(c.maxConcurrentGenerations, c.activeGenerations + 1)
      })),
      endGeneration: (aborted: boolean) =>
        Ref.update(counters, (c) => ({
          ...c,
          activeGenerations: c.activeGenerations - 1,
          aborted: aborted ? c.aborted + 1 : c.aborted
        }))
    } as const
  })
}) {}
