import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, type Scope } from "effect"
import { Inventory } from "./models/Inventory.js"
import { Residency } from "./models/Residency.js"
import { Faults } from "./server/Faults.js"
import { Listener } from "./server/Listener.js"
import type { SimListenError } from "./server/SimListenError.js"
import { simApp } from "./server/simApp.js"
import { SimConfig, type SimOptions } from "./SimOptions.js"
import { type RecordedRequest, Recorder } from "./state/Recorder.js"
import { simStats } from "./state/simStats.js"
import { type SimStats, Stats } from "./state/Stats.js"

/** A running sim: where it listens, what it saw, and its fault controls. */
export interface SimHandle {
  /** "http://127.0.0.1:PORT" */
  readonly url: string
  readonly port: number
  readonly stats: Effect.Effect<SimStats>
  /** Zeroes the counters and forgets the recorded requests. */
  readonly resetStats: Effect.Effect<void>
  /** Recent requests to the Ollama surface, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  /** Close the listener (connections refused, open ones dropped) for `ms`, or until `restore`. */
  readonly refuse: (ms?: number) => Effect.Effect<void>
  /** Accept connections and reset them (ECONNRESET) for `ms`, or until `restore`. */
  readonly reset: (ms?: number) => Effect.Effect<void>
  /** Clear every fault; listen again on the same port. */
  readonly restore: Effect.Effect<void, SimListenError>
  /**
   * The next `n` chat/generate calls answer `status` with {"error": message}
   * (/v1 chat and completions: in the OpenAI error shape, type "api_error").
   */
  readonly failNext: (n: number, status?: number, message?: string) => Effect.Effect<void>
  /** The next `n` streamed native chat/generate answers stop halfway with an `{"error": message}` line (HTTP 200). */
  readonly failMidStreamNext: (n: number, message?: string) => Effect.Effect<void>
  /** Replace the installed models. */
  readonly setModels: (models: ReadonlyArray<string>, embedModels?: ReadonlyArray<string>) => Effect.Effect<void>
}

const services = (options: SimOptions) =>
  Layer.mergeAll(Residency.Default, Faults.Default).pipe(
    Layer.provideMerge(Layer.mergeAll(Inventory.Default, Stats.Default, Recorder.Default, Listener.Default)),
    Layer.provideMerge(SimConfig.layer(options))
  )

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host)

const serve = Effect.gen(function*() {
  const listener = yield* Listener
  yield* listener.attach(yield* NodeHttpServer.makeHandler(simApp))
  yield* listener.open
  const port = yield* listener.port
  const stats = yield* Stats
  const recorder = yield* Recorder
  const faults = yield* Faults
  const inventory = yield* Inventory
  const residency = yield* Residency
  const handle: SimHandle = {
    url: `http://${urlHost(listener.host)}:${port}`,
    port,
    stats: simStats.pipe(Effect.provideService(Stats, stats), Effect.provideService(Residency, residency)),
    resetStats: Effect.zipRight(stats.reset, recorder.clear),
    requests: recorder.all,
    refuse: faults.refuse,
    reset: faults.reset,
    restore: faults.restore,
    failNext: faults.failNext,
    failMidStreamNext: faults.failMidStreamNext,
    setModels: (models, embedModels) =>
      Effect.flatMap(inventory.list, (current) =>
        inventory.replace(
          models,
          embedModels ?? current.filter((model) => model.spec.kind === "embed").map((model) => model.name)
        ))
  }
  return handle
})

/** Starts a sim listening on a real port; it stops when the scope closes. */
const start = (options: SimOptions = {}): Effect.Effect<SimHandle, SimListenError, Scope.Scope> =>
  Effect.flatMap(Layer.build(services(options)), (context) => Effect.provide(serve, context))

/** A simulated Ollama server, as a service for Layer-based tests, or started directly. */
export class OllamaSim extends Context.Tag("@foreman/ollama-sim/OllamaSim")<OllamaSim, SimHandle>() {
  static readonly start = start
  static readonly layer = (options: SimOptions = {}): Layer.Layer<OllamaSim, SimListenError> =>
    Layer.scoped(OllamaSim, start(options))
}
