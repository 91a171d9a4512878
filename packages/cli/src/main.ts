import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { serveCommand } from "./commands/serve.js"
import { simCommand } from "./commands/sim.js"

const foreman = Command.make("foreman").pipe(
  Command.withDescription("A queued, observable job endpoint in front of one Ollama server."),
  Command.withSubcommands([serveCommand, simCommand])
)

const cli = Command.run(foreman, { name: "foreman", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disablePrettyLogger: true }))
