import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { BadRequest, JobAlreadyTerminal, JobNotFound, ModelNotFound, PayloadTooLarge, Unauthorized } from "./ApiErrors.js"
import { Health } from "./Health.js"
import { JobList, JobView, SubmitAccepted, SubmitJob } from "./JobView.js"
import { withoutDecodeErrors } from "./OpenApiCleanup.js"

export class HealthGroup extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Health)
) {}

// FOREMAN_TOKEN, when set, guards every route but /healthz: a missing or wrong token is a 401
// (answered by the server's auth middleware, documented here for /openapi.json and the client).
export class MetricsGroup extends HttpApiGroup.make("metrics").add(
  HttpApiEndpoint.get("metrics", "/metrics").addSuccess(
    Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/plain; version=0.0.4; charset=utf-8" }))
  )
).addError(Unauthorized) {}

// Ids and filters arrive as plain strings and are validated by the handlers, so a malformed one is
// answered in foreman's own error shape rather than the framework's decode error.
const JobPath = Schema.Struct({ id: Schema.String })
// A repeated query parameter arrives as an array; the handler refuses it in foreman's shape.
const QueryParam = Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))

export class JobsGroup extends HttpApiGroup.make("jobs")
  .add(
    HttpApiEndpoint.post("submit", "/jobs")
      .setPayload(SubmitJob)
      .addSuccess(SubmitAccepted, { status: 202 })
      .addError(BadRequest)
      .addError(ModelNotFound)
      .addError(PayloadTooLarge)
  )
  .add(
    HttpApiEndpoint.get("list", "/jobs")
      .setUrlParams(Schema.Struct({
        state: QueryParam,
        model: QueryParam,
        limit: QueryParam,
        cursor: QueryParam
      }))
      .addSuccess(JobList)
      .addError(BadRequest)
  )
  .add(
    HttpApiEndpoint.get("get", "/jobs/:id").setPath(JobPath).addSuccess(JobView).addError(BadRequest).addError(JobNotFound)
  )
  .add(
    HttpApiEndpoint.del("cancel", "/jobs/:id")
      .setPath(JobPath)
      .addSuccess(JobView)
      .addError(BadRequest)
      .addError(JobNotFound)
      .addError(JobAlreadyTerminal)
  )
  .add(
    HttpApiEndpoint.get("artifact", "/jobs/:id/artifacts/:name")
      .setPath(Schema.Struct({ id: Schema.String, name: Schema.String }))
      // The artifact's own content type (`completion`: text/plain; charset=utf-8).
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "*/*" }))
      .addError(BadRequest)
      .addError(JobNotFound)
  )
  .add(
    HttpApiEndpoint.get("events", "/jobs/:id/events")
      .setPath(JobPath)
      .addSuccess(Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/event-stream" })))
      // A reconnect (Last-Event-ID) to a job whose end the client has seen: nothing more to send.
      .addSuccess(HttpApiSchema.NoContent)
      .addError(BadRequest)
      .addError(JobNotFound)
  )
  .addError(Unauthorized)
{}

/** Foreman's own HTTP API. The native Ollama surface is served beside it as raw routes. */
export class ForemanApi extends HttpApi.make("foreman")
  .add(HealthGroup)
  .add(JobsGroup)
  .add(MetricsGroup)
  .annotate(OpenApi.Title, "foreman")
  .annotate(OpenApi.Description, "A queued, observable job endpoint in front of one Ollama server.")
  .annotate(OpenApi.Transform, withoutDecodeErrors)
{}
