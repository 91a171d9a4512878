import * as Command from "@effect/cli/Command"
import { ForemanClient } from "@foreman/client"
import { Clock, Console, Effect } from "effect"
import { jsonOption } from "../options.js"
import { bytes, fromNow, json } from "../output/format.js"
import { table } from "../output/table.js"

/** `foreman ps`: what the target has loaded, as foreman last saw it (GET /api/ps). */
export const psCommand = Command.make("ps", { json: jsonOption }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const running = yield* client.ps
    if (flags.json) return yield* Console.log(json(running))
    const now = yield* Clock.currentTimeMillis
    yield* Console.log(table(
      ["NAME", "SIZE", "VRAM", "CONTEXT", "UNTIL"],
      running.models.map((m) => [m.name, bytes(m.size), bytes(m.size_vram), String(m.context_length ?? "-"), fromNow(m.expires_at, now)])
    ))
  })).pipe(Command.withDescription("List the models the target has loaded."))
