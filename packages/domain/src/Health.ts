import { Schema } from "effect"

export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  degraded: Schema.Boolean,
  target: Schema.String,
  last_poll: Schema.NullOr(Schema.String),
  /** Why the last poll of the target failed while degraded; null when it answered. */
  error: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  models: Schema.Number,
  resident: Schema.NullOr(Schema.String),
  queued: Schema.Number
}) {}
