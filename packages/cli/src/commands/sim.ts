import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Console, Effect, Option } from "effect"
import { stopsCleanly } from "../exitCode.js"
import { hostPort, listenReason } from "../listenFailure.js"

// Loaded on demand, like the daemon: only `foreman sim` needs it.
const sim = Effect.promise(() => import("@foreman/ollama-sim"))

const list = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withDescription(description),
    Options.map((raw) => raw.split(",").map((s) => s.trim()).filter((s) => s !== "")),
    Options.optional
  )

const port = Options.integer("port").pipe(
  Options.withDescription("Port to listen on (default 11434; 0 picks a free one)."),
  // node's listen() throws on anything else, which surfaced as a stack trace.
  Options.filterMap((n) => n >= 0 && n <= 65535 ? Option.some(n) : Option.none(), "--port must be between 0 and 65535"),
  Options.withDefault(11434)
)
const host = Options.text("host").pipe(Options.withDescription("Address to listen on."), Options.withDefault("127.0.0.1"))
const models = list("models", "Comma-separated generation models to pretend are installed.")
const embedModels = list("embed-models", "Comma-separated embedding models to pretend are installed.")
/** The sim took a negative delay or zero tokens silently and answered as if they were unset. */
const atLeast = (min: number, flag: string) =>
  Options.filterMap((n: number) => n >= min ? Option.some(n) : Option.none(), `--${flag} must be at least ${min}`)

const loadDelay = Options.integer("load-delay").pipe(
  Options.withDescription("Milliseconds a model swap takes."),
  atLeast(0, "load-delay"),
  Options.withDefault(0)
)
const tokenDelay = Options.integer("token-delay").pipe(
  Options.withDescription("Milliseconds between streamed chunks."),
  atLeast(0, "token-delay"),
  Options.withDefault(0)
)
const tokens = Options.integer("tokens").pipe(
  Options.withDescription("Chunks per answer (default: one per word)."),
  atLeast(1, "tokens"),
  Options.optional
)

/** `foreman sim`: a simulated Ollama server, for trying foreman without a GPU. */
export const simCommand = Command.make(
  "sim",
  { port, host, models, embedModels, loadDelay, tokenDelay, tokens },
  (options) =>
    Effect.zipRight(stopsCleanly, sim).pipe(Effect.flatMap(({ runSim }) =>
      runSim({
        port: options.port,
        host: options.host,
        loadDelayMs: options.loadDelay,
        tokenDelayMs: options.tokenDelay,
        ...Option.match(options.models, { onNone: () => ({}), onSome: (models) => ({ models }) }),
        ...Option.match(options.embedModels, { onNone: () => ({}), onSome: (embedModels) => ({ embedModels }) }),
        ...Option.match(options.tokens, { onNone: () => ({}), onSome: (tokens) => ({ tokens }) })
      }))).pipe(
      Effect.catchTag("SimListenError", (error) =>
        Console.error(`foreman sim: cannot listen on ${hostPort(error.host, error.port)}: ${listenReason(error.cause)}`).pipe(
          Effect.zipRight(Effect.sync(() => {
            process.exitCode = 1
          }))
        ))
    )
).pipe(Command.withDescription("Run a simulated Ollama server (deterministic answers, fault injection) for trying foreman."))
