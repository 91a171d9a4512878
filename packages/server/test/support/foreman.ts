import { HttpServer } from "@effect/platform"
import { OllamaSim, type SimHandle, type SimOptions } from "@foreman/ollama-sim"
import { Context, Effect, Layer } from "effect"
import { join } from "node:path"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { ForemanServerLive } from "../../src/ForemanServer.js"
import { WebhookPolicy, type WebhookPolicyValues } from "../../src/webhooks/WebhookDispatcher.js"
import { tempDir } from "./tempDir.js"

export interface RunningForeman {
  /** "http://127.0.0.1:PORT" of foreman itself */
  readonly url: string
  readonly sim: SimHandle
  readonly dbPath: string
  /** Runs an effect against the daemon's own services (Store, Worker, …). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, ForemanServices>) => Effect.Effect<A, E>
}

type ForemanServices = Layer.Layer.Success<typeof ForemanServerLive>

export interface StartOptions {
  readonly sim?: SimOptions
  readonly env?: Readonly<Record<string, string>>
  /** An already running sim to front instead of starting one. */
  readonly target?: SimHandle
  /** Webhook delivery tunables in place of the defaults (e.g. a short attempt timeout). */
  readonly webhookPolicy?: WebhookPolicyValues
}

/** A real foreman (SQLite file in a temp dir, HTTP on a random loopback port) in front of a real sim. */
export const startForeman = (options: StartOptions = {}) =>
  Effect.gen(function*() {
    const sim = options.target ?? (yield* OllamaSim.start(options.sim ?? {}))
    const dir = yield* tempDir
    const dbPath = join(dir, "foreman.db")
    const config = ForemanConfig.fromRecord({
      FOREMAN_ADDR: "127.0.0.1:0",
      FOREMAN_OLLAMA_URL: sim.url,
      FOREMAN_DB_PATH: dbPath,
      FOREMAN_POLL_INTERVAL: "200ms",
      FOREMAN_LOG_LEVEL: "error",
      ...options.env
    })
    const policy = options.webhookPolicy === undefined ? Layer.empty : Layer.succeed(WebhookPolicy, options.webhookPolicy)
    const context = yield* Layer.build(ForemanServerLive.pipe(Layer.provide(config), Layer.provide(policy)))
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "TcpAddress" ? address.port : 0
    const foreman: RunningForeman = {
      url: `http://127.0.0.1:${port}`,
      sim,
      dbPath,
      run: (effect) => Effect.provide(effect, context)
    }
    return foreman
  })

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  Effect.promise(() =>
    fetch(url, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } })
  )

export const text = (response: Response) => Effect.promise(() => response.text())
