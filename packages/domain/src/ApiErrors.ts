import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Schema } from "effect"

// Foreman's own routes answer errors as {"_tag": …, "error": "…"} with the status annotated here.
// Each reads as its `error` (a schema error's default message is its fields as JSON).

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {
  override get message() {
    return this.error
  }
}

export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  override get message() {
    return this.error
  }
}

export class JobNotFound extends Schema.TaggedError<JobNotFound>()(
  "JobNotFound",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  override get message() {
    return this.error
  }
}

export class ModelNotFound extends Schema.TaggedError<ModelNotFound>()(
  "ModelNotFound",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  override get message() {
    return this.error
  }
}

export class JobAlreadyTerminal extends Schema.TaggedError<JobAlreadyTerminal>()(
  "JobAlreadyTerminal",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {
  override get message() {
    return this.error
  }
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 413 })
) {
  override get message() {
    return this.error
  }
}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { error: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {
  override get message() {
    return this.error
  }
}
