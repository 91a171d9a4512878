import { Effect, Stream } from "effect"
import { Inventory } from "../models/Inventory.js"
import { describeModel, digestOf, guessKind } from "../models/ModelCatalog.js"
import { displayName, parseName } from "../models/ModelName.js"
import { boolField, stringField } from "../wire/fields.js"
import { invalidModelName } from "../wire/OllamaError.js"
import { jsonBody } from "../wire/RequestBody.js"
import { type Progress, progressResponse } from "./progress.js"

// One layer's progress, as server/download.go words it: "pulling <12 hex>".
const layer = (digest: string, total: number): ReadonlyArray<Progress> => [
  { status: `pulling ${digest.slice(0, 12)}`, digest: `sha256:${digest}`, total },
  { status: `pulling ${digest.slice(0, 12)}`, digest: `sha256:${digest}`, total, completed: total }
]

/** POST /api/pull: always succeeds and installs the model. */
export const pull = Effect.gen(function*() {
  const where = "PullRequest"
  const body = yield* jsonBody(where)
  const raw = (yield* stringField(body, where, "model")) || ((yield* stringField(body, where, "name")) ?? "")
  const stream = (yield* boolField(body, where, "stream")) ?? true
  const name = parseName(raw)
  if (name === undefined) return yield* invalidModelName

  const inventory = yield* Inventory
  const existing = yield* inventory.find(raw)
  const spec = existing._tag === "Some" ? existing.value.spec : describeModel(displayName(name), guessKind(displayName(name)))
  const updates = Stream.concat(
    Stream.fromIterable<Progress>([
      { status: "pulling manifest" },
      ...layer(spec.digest, spec.size),
      ...layer(digestOf(`template:${spec.digest}`), 1429),
      { status: "verifying sha256 digest" },
      { status: "writing manifest" }
    ]),
    Stream.fromEffect(Effect.as(inventory.install(name, spec), { status: "success" }))
  )
  return yield* progressResponse(updates, stream)
})
