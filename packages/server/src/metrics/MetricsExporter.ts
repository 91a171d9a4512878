import * as Metrics from "@effect/opentelemetry/Metrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { Data, Effect, Metric } from "effect"
import { Inventory } from "../inventory/Inventory.js"
import { Store } from "../store/Store.js"
import { WebhookOutbox } from "../store/WebhookOutbox.js"
import { ForemanMetrics, upstreamErrorKinds } from "./ForemanMetrics.js"

export class MetricsUnavailable extends Data.TaggedError("MetricsUnavailable")<{ readonly reason: string }> {}

/**
 * Effect's metrics in the Prometheus text format, through OpenTelemetry's exporter (its own HTTP
 * server kept off: foreman serves /metrics itself, behind its auth).
 */
export class MetricsExporter extends Effect.Service<MetricsExporter>()("foreman/MetricsExporter", {
  scoped: Effect.gen(function*() {
    const store = yield* Store
    const outbox = yield* WebhookOutbox
    const inventory = yield* Inventory
    const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true })
    const serializer = new PrometheusSerializer("", false, undefined, true, true)
    const producer = yield* Metrics.makeProducer.pipe(Effect.provide(Resource.layer({ serviceName: "foreman" })))
    yield* Metrics.registerProducer(producer, () => exporter)

    // A counter is exported only once updated: zero the fixed series, so rate() and absent() in a
    // dashboard see them from the first scrape, not from the first webhook failure or swap.
    const counters = [
      ForemanMetrics.swaps,
      ForemanMetrics.webhookDeliveries,
      ForemanMetrics.webhookFailures,
      ...(["done", "failed", "cancelled"] as const).map((state) => ForemanMetrics.jobsFinished.pipe(Metric.tagged("state", state))),
      ...upstreamErrorKinds.map((kind) => ForemanMetrics.upstreamErrors.pipe(Metric.tagged("kind", kind)))
    ]
    yield* Effect.forEach(counters, (counter) => Metric.incrementBy(counter, 0), { discard: true })

    // Models seen queued before, so a drained model's depth drops to 0 instead of going stale.
    const seenModels = new Set<string>()

    const refreshGauges = Effect.gen(function*() {
      const byState = yield* store.countByState
      for (const state of ["queued", "loading", "working", "done", "failed", "cancelled"] as const) {
        const n = byState.find((row) => row.state === state)?.n ?? 0
        yield* Metric.set(ForemanMetrics.jobs.pipe(Metric.tagged("state", state)), n)
      }
      const byModel = yield* store.queuedByModel
      for (const model of seenModels) {
        if (!byModel.some((row) => row.model === model)) yield* Metric.set(ForemanMetrics.queueDepth.pipe(Metric.tagged("model", model)), 0)
      }
      for (const row of byModel) {
        seenModels.add(row.model)
        yield* Metric.set(ForemanMetrics.queueDepth.pipe(Metric.tagged("model", row.model)), row.n)
      }
      yield* Metric.set(ForemanMetrics.webhookPending, yield* outbox.pendingCount)
      yield* Metric.set(ForemanMetrics.targetUp, (yield* inventory.get).degraded ? 0 : 1)
    })

    /** The current metrics, as Prometheus text. */
    const scrape = refreshGauges.pipe(
      Effect.zipRight(Effect.tryPromise({
        try: () => exporter.collect(),
        catch: (cause) => new MetricsUnavailable({ reason: String(cause) })
      })),
      Effect.map((collected) => serializer.serialize(collected.resourceMetrics)),
      Effect.withSpan("MetricsExporter.scrape")
    )

    return { scrape } as const
  })
}) {}
