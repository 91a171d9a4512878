import * as Command from "@effect/cli/Command"
import { ForemanClient } from "@foreman/client"
import { Console, Effect } from "effect"
import { jobIdArg, jsonOption } from "../options.js"
import { json } from "../output/format.js"

/** `foreman cancel <id>`: a queued job never runs; a running one is aborted at the target. */
export const cancelCommand = Command.make("cancel", { id: jobIdArg, json: jsonOption }, (flags) =>
  Effect.gen(function*() {
    const client = yield* ForemanClient
    const job = yield* client.cancel(flags.id)
    yield* Console.log(flags.json ? json(job) : `${job.id} cancelled`)
  })).pipe(Command.withDescription("Cancel a queued or running job (exit 1 if it had already ended)."))
