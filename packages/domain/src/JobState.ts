import { Schema } from "effect"

export const JobState = Schema.Literal("queued", "loading", "working", "done", "failed", "cancelled")
export type JobState = typeof JobState.Type

export const terminalStates: ReadonlyArray<JobState> = ["done", "failed", "cancelled"]

export const isTerminal = (state: JobState): boolean => terminalStates.includes(state)

/** Which native endpoint a job runs against on the target. */
export const JobEndpoint = Schema.Literal("chat", "generate")
export type JobEndpoint = typeof JobEndpoint.Type

/** Sync jobs belong to a caller holding a connection; async ones were submitted via POST /jobs. */
export const JobMode = Schema.Literal("sync", "async")
export type JobMode = typeof JobMode.Type

/** Which wire family a job speaks to the target: Ollama's native API or its OpenAI-compatible /v1. */
export const JobApi = Schema.Literal("native", "openai")
export type JobApi = typeof JobApi.Type
