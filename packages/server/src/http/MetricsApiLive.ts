import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { ForemanApi } from "@foreman/domain"
import { Effect } from "effect"
import { MetricsExporter } from "../metrics/MetricsExporter.js"

export const MetricsApiLive = HttpApiBuilder.group(ForemanApi, "metrics", (handlers) =>
  Effect.map(MetricsExporter, (exporter) =>
    handlers.handle("metrics", () =>
      // A broken scrape is foreman's fault, not the caller's: it surfaces as a logged 500.
      exporter.scrape.pipe(Effect.orDie))))
