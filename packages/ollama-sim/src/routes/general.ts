import { Effect } from "effect"
import { SimConfig } from "../SimOptions.js"
import { json, text } from "../wire/responses.js"

/** GET|HEAD / */
export const root = Effect.succeed(text("Ollama is running"))

/** GET|HEAD /api/version */
export const version = Effect.map(SimConfig, (config) => json({ version: config.version }))
