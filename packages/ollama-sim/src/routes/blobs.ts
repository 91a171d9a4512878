import * as HttpRouter from "@effect/platform/HttpRouter"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { Inventory } from "../models/Inventory.js"
import { badRequest, OllamaError } from "../wire/OllamaError.js"
import { RequestBody } from "../wire/RequestBody.js"
import { empty, emptyOk } from "../wire/responses.js"

// Only real sha256 digests are accepted (GetBlobsPath in server/modelpath.go).
const digestPattern = /^sha256[:-][0-9a-fA-F]{64}$/

const digestParam = Effect.flatMap(HttpRouter.params, (params) => {
  const digest = params["digest"] ?? ""
  return digestPattern.test(digest) ? Effect.succeed(digest) : Effect.fail(badRequest("invalid digest format"))
})

/** HEAD /api/blobs/:digest: 200 if uploaded, else 404. */
export const headBlob = Effect.gen(function*() {
  const digest = yield* digestParam
  const known = yield* Effect.flatMap(Inventory, (inventory) => inventory.hasBlob(digest))
  return known ? emptyOk : yield* new OllamaError({ status: 404, message: `blob ${JSON.stringify(digest)} not found` })
})

/** POST /api/blobs/:digest: 201 once stored, 200 if already there, 400 if the bytes don't match. */
export const createBlob = Effect.gen(function*() {
  const digest = yield* digestParam
  const inventory = yield* Inventory
  if (yield* inventory.hasBlob(digest)) return emptyOk
  const { bytes } = yield* RequestBody
  const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`
  if (actual !== digest) {
    return yield* badRequest(`digest mismatch, expected ${JSON.stringify(digest)}, got ${JSON.stringify(actual)}`)
  }
  yield* inventory.addBlob(digest)
  return empty(201)
})
