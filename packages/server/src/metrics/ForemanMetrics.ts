import { Metric, MetricBoundaries } from "effect"

// Seconds from 10ms to ~5.8h (0.01 · 2^21) in doubling buckets: a queue wait can be long when the
// target sleeps overnight. `count` includes the +Inf bucket.
const seconds = MetricBoundaries.exponential({ start: 0.01, factor: 2, count: 23 })

/** The `kind` label of foreman_upstream_errors_total. */
export const upstreamErrorKinds = ["connection", "http"] as const
export type UpstreamErrorKind = typeof upstreamErrorKinds[number]

/** Every metric foreman exports on /metrics, defined once. Gauges are refreshed at scrape time. */
export const ForemanMetrics = {
  jobs: Metric.gauge("foreman_jobs", { description: "Jobs in the database, by state" }),
  queueDepth: Metric.gauge("foreman_queue_depth", { description: "Queued jobs, by model" }),
  jobDuration: Metric.histogram("foreman_job_duration_seconds", seconds, "From the first dispatch to a terminal state (outcomes: foreman_jobs_finished_total)"),
  queueWait: Metric.histogram("foreman_job_queue_wait_seconds", seconds, "From submission to the first dispatch"),
  jobsFinished: Metric.counter("foreman_jobs_finished", { description: "Jobs that reached a terminal state, by state", incremental: true }),
  swaps: Metric.counter("foreman_swaps", { description: "Model loads the worker asked the target for", incremental: true }),
  upstreamErrors: Metric.counter("foreman_upstream_errors", { description: "Failed requests to the target, by kind", incremental: true }),
  targetUp: Metric.gauge("foreman_target_up", { description: "1 when the target answered the last poll, else 0 (degraded)" }),
  webhookDeliveries: Metric.counter("foreman_webhook_deliveries", { description: "Webhook events delivered (2xx)", incremental: true }),
  webhookFailures: Metric.counter("foreman_webhook_failures", { description: "Failed webhook delivery attempts", incremental: true }),
  webhookPending: Metric.gauge("foreman_webhook_pending", { description: "Webhook events waiting to be delivered" }),
  httpRequests: Metric.counter("foreman_http_requests", { description: "HTTP requests, by route, method and status", incremental: true })
} as const
