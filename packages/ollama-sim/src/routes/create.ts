import { Effect, Option, Stream } from "effect"
import { Inventory } from "../models/Inventory.js"
import { describeModel, guessKind } from "../models/ModelCatalog.js"
import { displayName, parseName } from "../models/ModelName.js"
import { boolField, objectField, stringField } from "../wire/fields.js"
import { invalidModelName } from "../wire/OllamaError.js"
import { jsonBody } from "../wire/RequestBody.js"
import { json } from "../wire/responses.js"
import { type Progress, progressResponse } from "./progress.js"

/** POST /api/create: from a model ("from") or uploaded blobs ("files"); installs the new model. */
export const create = Effect.gen(function*() {
  const where = "CreateRequest"
  const body = yield* jsonBody(where)
  const raw = (yield* stringField(body, where, "model")) || ((yield* stringField(body, where, "name")) ?? "")
  const from = (yield* stringField(body, where, "from")) ?? ""
  const files = yield* objectField(body, where, "files", "map[string]string")
  const stream = (yield* boolField(body, where, "stream")) ?? true
  const name = parseName(raw)
  if (name === undefined) return yield* invalidModelName
  if (from === "" && files === undefined) {
    // Reported from inside the progress stream, hence the bare content type.
    return json({ error: "neither 'from' or 'files' was specified" }, 400, "application/json")
  }

  const inventory = yield* Inventory
  const base = from === "" ? Option.none() : yield* inventory.find(from)
  const kind = Option.match(base, { onNone: () => guessKind(displayName(name)), onSome: (model) => model.spec.kind })
  const spec = describeModel(displayName(name), kind)
  const baseDigest = Option.match(base, { onNone: () => spec.digest, onSome: (model) => model.spec.digest })
  const updates = Stream.concat(
    Stream.fromIterable<Progress>([
      { status: `using existing layer sha256:${baseDigest}` },
      { status: "writing manifest" }
    ]),
    Stream.fromEffect(Effect.as(inventory.install(name, spec), { status: "success" }))
  )
  return yield* progressResponse(updates, stream)
})
