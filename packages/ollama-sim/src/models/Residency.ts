import { Clock, Effect, Ref } from "effect"
import { SimConfig } from "../SimOptions.js"
import { Stats } from "../state/Stats.js"
import type { InstalledModel } from "./Inventory.js"

/** A loaded model, as /api/ps shows it. */
export interface Resident {
  readonly model: InstalledModel
  readonly expiresAt: number
  readonly inUse: number
  readonly contextLength: number
}

// Like a target with OLLAMA_MAX_LOADED_MODELS=1: one generation model at a
// time; embedding models are loaded beside it and never evict it.
interface Slots {
  readonly generation: Resident | undefined
  readonly embed: ReadonlyMap<string, Resident>
}

// A model past its keep_alive is gone, unless a request is still using it.
const alive = (resident: Resident | undefined, now: number): resident is Resident =>
  resident !== undefined && (resident.inUse > 0 || resident.expiresAt > now)

/**
 * A resident model serves a request as it is only when loaded with the context size the request
 * asks for; otherwise Ollama loads it again (needsReload in server/sched.go). Ollama waits for a
 * busy runner to finish first; the sim lets requests already using it keep their slot.
 */
const warmFor = (resident: Resident | undefined, contextLength: number, now: number): resident is Resident =>
  alive(resident, now) && (resident.contextLength === contextLength || resident.inUse > 0)

const slotOf = (slots: Slots, model: InstalledModel): Resident | undefined =>
  model.spec.kind === "generate"
    ? slots.generation?.model.key === model.key ? slots.generation : undefined
    : slots.embed.get(model.key)

const withSlot = (slots: Slots, model: InstalledModel, resident: Resident | undefined): Slots => {
  if (model.spec.kind === "generate") return { ...slots, generation: resident }
  const embed = new Map(slots.embed)
  if (resident === undefined) embed.delete(model.key)
  else embed.set(model.key, resident)
  return { ...slots, embed }
}

export class Residency extends Effect.Service<Residency>()("@foreman/ollama-sim/Residency", {
  effect: Effect.gen(function*() {
    const config = yield* SimConfig
    const stats = yield* Stats
    const slots = yield* Ref.make<Slots>({ generation: undefined, embed: new Map() })
    // Loads are serialized, like Ollama's scheduler.
    const loading = yield* Effect.makeSemaphore(1)

    const load = (model: InstalledModel, keepAliveMs: number, contextLength: number) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeNanos
        const current = slotOf(yield* Ref.get(slots), model)
        if (!warmFor(current, contextLength, yield* Clock.currentTimeMillis)) {
          // A client that leaves mid-load stops the load.
          if (config.loadDelayMs > 0) yield* Effect.interruptible(Effect.sleep(config.loadDelayMs))
          yield* stats.recordLoad(model.spec.kind)
        }
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(slots, (s) => {
          const previous = slotOf(s, model)
          return withSlot(
            s,
            model,
            warmFor(previous, contextLength, now)
              ? { ...previous, expiresAt: now + keepAliveMs, inUse: previous.inUse + 1 }
              : { model, expiresAt: now + keepAliveMs, inUse: 1, contextLength }
          )
        })
        return Number((yield* Clock.currentTimeNanos) - started)
      })

    const release = (model: InstalledModel, keepAliveMs: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(slots, (s) => {
          const current = slotOf(s, model)
          if (current === undefined) return s
          const inUse = Math.max(0, current.inUse - 1)
          if (inUse === 0 && keepAliveMs === 0) return withSlot(s, model, undefined)
          return withSlot(s, model, { ...current, inUse, expiresAt: inUse === 0 ? now + keepAliveMs : current.expiresAt })
        }))

    /**
     * Makes `model` resident and in use until the current scope closes; returns
     * the load time in ns. Waiting for another load and loading are
     * interruptible; once the model is marked in use, its release is registered.
     */
    const hold = (model: InstalledModel, keepAliveMs: number, contextLength: number) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          yield* restore(loading.take(1))
          const loadNs = yield* load(model, keepAliveMs, contextLength).pipe(Effect.ensuring(loading.release(1)))
          yield* Effect.addFinalizer(() => release(model, keepAliveMs))
          return loadNs
        })
      )

    /** keep_alive 0 with nothing to generate: unload if idle, like expireRunner. */
    const unload = (model: InstalledModel) =>
      Ref.update(slots, (s) => {
        const current = slotOf(s, model)
        return current !== undefined && current.inUse === 0 ? withSlot(s, model, undefined) : s
      })

    const residents: Effect.Effect<ReadonlyArray<Resident>> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const s = yield* Ref.get(slots)
      return [s.generation, ...s.embed.values()].filter((r): r is Resident => alive(r, now))
    })

    const residentGeneration: Effect.Effect<string | null> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { generation } = yield* Ref.get(slots)
      return alive(generation, now) ? generation.model.name : null
    })

    return { hold, unload, residents, residentGeneration } as const
  })
}) {}
