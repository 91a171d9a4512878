import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startForeman } from "../support/foreman.js"

// Alone in its file, so nothing in this process has updated a metric before the scrape.
describe("MetricsExporter", () => {
  it.live("a fresh daemon exports its fixed counters at 0, before anything has counted", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const text = yield* Effect.promise(() => fetch(`${foreman.url}/metrics`).then((r) => r.text()))
      for (
        const series of [
          "foreman_swaps_total",
          "foreman_webhook_deliveries_total",
          "foreman_webhook_failures_total",
          `foreman_jobs_finished_total{state="done"}`,
          `foreman_jobs_finished_total{state="failed"}`,
          `foreman_jobs_finished_total{state="cancelled"}`,
          `foreman_upstream_errors_total{kind="connection"}`,
          `foreman_upstream_errors_total{kind="http"}`
        ]
      ) expect(text.split("\n"), series).toContainEqual(`${series} 0`)
    }).pipe(Effect.scoped))
})
