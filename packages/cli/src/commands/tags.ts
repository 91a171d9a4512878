import * as Command from "@effect/cli/Command"
import { ForemanClient } from "@foreman/client"
import { Clock, Console, Effect } from "effect"
import { jsonOption } from "../options.js"
import { ago, bytes, json } from "../output/format.js"
import { table } from "../output/table.js"

/** `foreman tags`: the target's installed models, as foreman last saw them (GET /api/tags). */
export const tagsCommand = Command.make("tags", { json: jsonOption }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const installed = yield* client.tags
    if (flags.json) return yield* Console.log(json(installed))
    const now = yield* Clock.currentTimeMillis
    yield* Console.log(table(
      ["NAME", "SIZE", "PARAMS", "QUANT", "MODIFIED"],
      installed.models.map((m) => [
        m.name,
        bytes(m.size),
        m.details?.parameter_size ?? "-",
        m.details?.quantization_level ?? "-",
        ago(m.modified_at, now)
      ])
    ))
  })).pipe(Command.withDescription("List the models installed on the target."))
