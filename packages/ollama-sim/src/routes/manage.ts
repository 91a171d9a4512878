import { Effect } from "effect"
import { Inventory } from "../models/Inventory.js"
import { parseName } from "../models/ModelName.js"
import { stringField } from "../wire/fields.js"
import { copySourceNotFound, invalidName, modelNotFound } from "../wire/OllamaError.js"
import { jsonBody } from "../wire/RequestBody.js"
import { emptyOk } from "../wire/responses.js"
import { installedModel } from "./requestParts.js"

/** DELETE /api/delete: 200 with an empty body. */
export const deleteModel = Effect.gen(function*() {
  const where = "DeleteRequest"
  const body = yield* jsonBody(where)
  const raw = (yield* stringField(body, where, "model")) || ((yield* stringField(body, where, "name")) ?? "")
  const name = parseName(raw)
  if (name === undefined) return yield* invalidName("name", raw)
  const removed = yield* Effect.flatMap(Inventory, (inventory) => inventory.remove(name))
  return removed ? emptyOk : yield* modelNotFound(raw)
})

/** POST /api/copy: the copy shares the source's manifest, so its digest too. */
export const copyModel = Effect.gen(function*() {
  const where = "CopyRequest"
  const body = yield* jsonBody(where)
  const source = (yield* stringField(body, where, "source")) ?? ""
  const destination = (yield* stringField(body, where, "destination")) ?? ""
  if (parseName(source) === undefined) return yield* invalidName("source", source)
  const target = parseName(destination)
  if (target === undefined) return yield* invalidName("destination", destination)
  const original = yield* installedModel(source, copySourceNotFound)
  yield* Effect.flatMap(Inventory, (inventory) => inventory.install(target, original.spec))
  return emptyOk
})
