// Foreman embedded in an Effect program, without its HTTP server, configured from the
// environment like the daemon: FOREMAN_OLLAMA_URL, FOREMAN_DB_PATH, FOREMAN_KEEP_ALIVE, ...
//
//   FOREMAN_OLLAMA_URL=http://127.0.0.1:11434 MODEL=llama3.2:1b pnpm --filter @foreman/example-embedded start
import { NodeRuntime } from "@effect/platform-node"
import { ForemanConfig, ForemanCoreLive } from "@foreman/server"
import { Config, Effect, Layer } from "effect"
import { askForeman } from "./askForeman.js"

const ForemanLive = ForemanCoreLive.pipe(Layer.provide(ForemanConfig.Default))

const main = Effect.flatMap(Config.string("MODEL").pipe(Config.withDefault("llama3.2:1b")), askForeman)

main.pipe(Effect.provide(ForemanLive), NodeRuntime.runMain)
