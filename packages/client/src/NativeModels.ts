import { Schema } from "effect"

// Only the fields the CLI shows: everything else Ollama sends is accepted and ignored.

const ModelDetails = Schema.Struct({
  family: Schema.optional(Schema.String),
  parameter_size: Schema.optional(Schema.String),
  quantization_level: Schema.optional(Schema.String)
})

/** One entry of GET /api/tags: an installed model. */
export const InstalledModel = Schema.Struct({
  name: Schema.String,
  model: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  digest: Schema.optional(Schema.String),
  modified_at: Schema.optional(Schema.String),
  details: Schema.optional(ModelDetails)
})
export type InstalledModel = typeof InstalledModel.Type

export const InstalledModels = Schema.Struct({ models: Schema.Array(InstalledModel) })
export type InstalledModels = typeof InstalledModels.Type

/** One entry of GET /api/ps: a model loaded in the target's memory. */
export const RunningModel = Schema.Struct({
  name: Schema.String,
  model: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  size_vram: Schema.optional(Schema.Number),
  digest: Schema.optional(Schema.String),
  expires_at: Schema.optional(Schema.String),
  context_length: Schema.optional(Schema.Number),
  details: Schema.optional(ModelDetails)
})
export type RunningModel = typeof RunningModel.Type

export const RunningModels = Schema.Struct({ models: Schema.Array(RunningModel) })
export type RunningModels = typeof RunningModels.Type
