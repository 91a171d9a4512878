import * as HttpRouter from "@effect/platform/HttpRouter"
import { Effect } from "effect"
import { Inventory } from "../models/Inventory.js"
import { Faults } from "../server/Faults.js"
import { Recorder } from "../state/Recorder.js"
import { simStats } from "../state/simStats.js"
import { Stats } from "../state/Stats.js"
import { arrayField, stringField } from "../wire/fields.js"
import { badRequest, OllamaError } from "../wire/OllamaError.js"
import { jsonBody, type JsonObject } from "../wire/RequestBody.js"
import { json } from "../wire/responses.js"

// The /_sim control surface, so another process (a benchmark) can drive the sim.

const ok = json({ ok: true })

const positive = (body: JsonObject, field: string): number | undefined => {
  const value = body[field]
  return typeof value === "number" && value > 0 ? value : undefined
}

const strings = (values: ReadonlyArray<unknown> | undefined) =>
  values?.filter((value): value is string => typeof value === "string")

/** POST /_sim/fault {"kind": "refuse"|"reset"|"fail", "ms"?, "n"?, "status"?, "message"?} */
const fault = Effect.gen(function*() {
  const body = yield* jsonBody("Fault")
  const faults = yield* Faults
  const kind = yield* stringField(body, "Fault", "kind")
  const ms = positive(body, "ms")
  switch (kind) {
    case "refuse":
      // Nobody could send the restore: the listener is closed.
      if (ms === undefined) return yield* badRequest("refuse needs \"ms\"")
      // After this response is written: refusing drops every connection, this one too.
      yield* Effect.addFinalizer(() => faults.refuse(ms))
      return ok
    case "reset":
      yield* faults.reset(ms)
      return ok
    case "fail": {
      const message = (yield* stringField(body, "Fault", "message")) ?? "simulated failure"
      yield* faults.failNext(positive(body, "n") ?? 1, positive(body, "status") ?? 500, message)
      return ok
    }
    default:
      return yield* badRequest("kind must be \"refuse\", \"reset\" or \"fail\"")
  }
})

/** POST /_sim/models {"models"?: [...], "embedModels"?: [...]}: replaces the installed models. */
const models = Effect.gen(function*() {
  const body = yield* jsonBody("Models")
  const inventory = yield* Inventory
  const current = yield* inventory.list
  const generate = strings(yield* arrayField(body, "Models", "models", "[]string")) ??
    current.filter((m) => m.spec.kind === "generate").map((m) => m.name)
  const embed = strings(yield* arrayField(body, "Models", "embedModels", "[]string")) ??
    current.filter((m) => m.spec.kind === "embed").map((m) => m.name)
  yield* inventory.replace(generate, embed)
  return ok
})

export const adminRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/_sim/stats", Effect.map(simStats, (stats) => json(stats))),
  HttpRouter.get("/_sim/requests", Effect.map(Effect.flatMap(Recorder, (r) => r.all), (all) => json(all))),
  HttpRouter.post("/_sim/fault", fault),
  HttpRouter.post(
    "/_sim/restore",
    Effect.flatMap(Faults, (faults) => faults.restore).pipe(
      Effect.as(ok),
      Effect.catchTag("SimListenError", (error) => Effect.fail(new OllamaError({ status: 500, message: error.message })))
    )
  ),
  HttpRouter.post(
    "/_sim/reset-stats",
    Effect.gen(function*() {
      yield* Effect.flatMap(Stats, (stats) => stats.reset)
      yield* Effect.flatMap(Recorder, (recorder) => recorder.clear)
      return ok
    })
  ),
  HttpRouter.post("/_sim/models", models)
)
