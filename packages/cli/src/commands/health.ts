import * as Command from "@effect/cli/Command"
import { ForemanClient } from "@foreman/client"
import { Clock, Console, Effect } from "effect"
import { jsonOption } from "../options.js"
import { ago, json } from "../output/format.js"
import { fields } from "../output/table.js"

/** `foreman health`: is the daemon up, and can it reach its target? (GET /healthz, never behind auth) */
export const healthCommand = Command.make("health", { json: jsonOption }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const health = yield* client.health
    if (flags.json) return yield* Console.log(json(health))
    yield* Console.log(fields([
      ["STATUS", health.degraded ? "degraded (the target cannot be used, see ERROR; jobs wait)" : health.status],
      ["TARGET", health.target],
      ...(health.error === null ? [] : [["ERROR", health.error] as const]),
      ["LAST POLL", ago(health.last_poll, yield* Clock.currentTimeMillis)],
      ["MODELS", `${health.models} installed`],
      ["RESIDENT", health.resident ?? "-"],
      ["QUEUED", String(health.queued)]
    ]))
  })).pipe(Command.withDescription("Show the daemon's health: degraded or not, the target, the queue."))
