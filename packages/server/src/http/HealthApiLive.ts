import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { ForemanApi, Health } from "@foreman/domain"
import { Effect, Option } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { Inventory } from "../inventory/Inventory.js"
import { Worker } from "../jobs/Worker.js"
import { Store } from "../store/Store.js"

export const HealthApiLive = HttpApiBuilder.group(ForemanApi, "health", (handlers) =>
  Effect.gen(function*() {
    const config = yield* ForemanConfig
    const inventory = yield* Inventory
    const store = yield* Store
    const worker = yield* Worker
    return handlers.handle("healthz", () =>
      Effect.gen(function*() {
        const s = yield* inventory.get
        return Health.make({
          status: "ok",
          degraded: s.degraded,
          target: config.ollamaUrlShown,
          last_poll: Option.getOrNull(Option.map(s.lastPoll, (d) => d.toISOString())),
          error: s.degraded ? Option.getOrNull(s.lastError) : null,
          models: s.installed.length,
          resident: yield* worker.resident,
          queued: yield* store.countQueued.pipe(Effect.orElseSucceed(() => -1))
        })
      }))
  }))
