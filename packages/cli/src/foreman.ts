import * as Command from "@effect/cli/Command"
import { ForemanClient } from "@foreman/client"
import {
  cancelCommand,
  healthCommand,
  jobCommand,
  jobsCommand,
  psCommand,
  serveCommand,
  simCommand,
  submitCommand,
  tagsCommand
} from "./commands/index.js"
import { withCommandConsole } from "./output/PlainWhenPiped.js"

// The client is built per command, so `serve` and `sim` never read FOREMAN_URL.
const talking = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  Command.provide(command, ForemanClient.Default)

// Only @effect/cli's own help and errors are made plain when piped (main.ts); a command prints as is.
const printsAsIs = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(command, withCommandConsole)

/** The `foreman` command tree: the daemon and the sim, and the commands that talk to a daemon. */
export const foreman = Command.make("foreman").pipe(
  Command.withDescription(
    "A queued, observable job endpoint in front of one Ollama server. Client commands read FOREMAN_URL " +
      "(default http://127.0.0.1:8080), FOREMAN_TOKEN and FOREMAN_REQUEST_TIMEOUT (default 30s). Exit codes: 0 ok, 1 the job failed or was " +
      "cancelled or the daemon said no, 2 usage error, 3 daemon unreachable."
  ),
  Command.withSubcommands([
    printsAsIs(serveCommand),
    printsAsIs(simCommand),
    printsAsIs(talking(submitCommand)),
    printsAsIs(talking(jobsCommand)),
    printsAsIs(talking(jobCommand)),
    printsAsIs(talking(cancelCommand)),
    printsAsIs(talking(psCommand)),
    printsAsIs(talking(tagsCommand)),
    printsAsIs(talking(healthCommand))
  ])
)
