import { Clock, Effect, Option, Ref } from "effect"
import { SimConfig } from "../SimOptions.js"
import { describeModel, type ModelKind, type ModelSpec } from "./ModelCatalog.js"
import { displayName, type ModelName, nameKey, parseName } from "./ModelName.js"

/** A model on the sim's "disk". */
export interface InstalledModel {
  readonly name: string
  readonly key: string
  readonly spec: ModelSpec
  readonly modifiedAt: number
}

const installed = (name: ModelName, spec: ModelSpec, modifiedAt: number): InstalledModel => ({
  name: displayName(name),
  key: nameKey(name),
  spec,
  modifiedAt
})

// Configured models get modification times one second apart so /api/tags
// (newest first) lists them in the order they were given.
const initialModels = (
  models: ReadonlyArray<string>,
  embedModels: ReadonlyArray<string>,
  now: number
): Effect.Effect<ReadonlyMap<string, InstalledModel>> =>
  Effect.gen(function*() {
    const entries = new Map<string, InstalledModel>()
    const declared: ReadonlyArray<readonly [string, ModelKind]> = [
      ...models.map((m) => [m, "generate"] as const),
      ...embedModels.map((m) => [m, "embed"] as const)
    ]
    for (const [index, [raw, kind]] of declared.entries()) {
      const name = parseName(raw)
      if (name === undefined) {
        yield* Effect.logWarning(`ollama-sim: ignoring invalid model name ${JSON.stringify(raw)}`)
        continue
      }
      const model = installed(name, describeModel(displayName(name), kind), now - index * 1000)
      entries.set(model.key, model)
    }
    return entries
  })

/** Installed models and uploaded blobs. */
export class Inventory extends Effect.Service<Inventory>()("@foreman/ollama-sim/Inventory", {
  effect: Effect.gen(function*() {
    const config = yield* SimConfig
    const start = yield* Clock.currentTimeMillis
    const models = yield* Ref.make(yield* initialModels(config.models, config.embedModels, start))
    const blobs = yield* Ref.make<ReadonlySet<string>>(new Set())

    const list: Effect.Effect<ReadonlyArray<InstalledModel>> = Effect.map(
      Ref.get(models),
      (all) => [...all.values()].sort((a, b) => b.modifiedAt - a.modifiedAt)
    )

    const find = (raw: string): Effect.Effect<Option.Option<InstalledModel>> => {
      const name = parseName(raw)
      return name === undefined
        ? Effect.succeedNone
        : Effect.map(Ref.get(models), (all) => Option.fromNullable(all.get(nameKey(name))))
    }

    const install = (name: ModelName, spec: ModelSpec): Effect.Effect<InstalledModel> =>
      Effect.gen(function*() {
        const model = installed(name, spec, yield* Clock.currentTimeMillis)
        yield* Ref.update(models, (all) => new Map(all).set(model.key, model))
        return model
      })

    const remove = (name: ModelName): Effect.Effect<boolean> =>
      Ref.modify(models, (all) => {
        const key = nameKey(name)
        if (!all.has(key)) return [false, all]
        const next = new Map(all)
        next.delete(key)
        return [true, next]
      })

    const replace = (generate: ReadonlyArray<string>, embed: ReadonlyArray<string>): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(initialModels(generate, embed, now), (next) => Ref.set(models, next)))

    return {
      list,
      find,
      install,
      remove,
      replace,
      hasBlob: (digest: string) => Effect.map(Ref.get(blobs), (all) => all.has(digest)),
      addBlob: (digest: string) => Ref.update(blobs, (all) => new Set(all).add(digest))
    } as const
  })
}) {}
