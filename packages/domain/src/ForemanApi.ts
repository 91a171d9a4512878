import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Health } from "./Health.js"

export class HealthGroup extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Health)
) {}

/** Foreman's own HTTP API. The native Ollama surface is served beside it as raw routes. */
export class ForemanApi extends HttpApi.make("foreman")
  .add(HealthGroup)
  .annotate(OpenApi.Title, "foreman")
  .annotate(OpenApi.Description, "A queued, observable job endpoint in front of one Ollama server.")
{}
