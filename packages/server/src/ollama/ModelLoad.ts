import type { JobApi, JobEndpoint } from "@foreman/domain"
import { Option } from "effect"
import { onlyUnloads } from "./GenerationFields.js"
import { fieldOf, isObject } from "./GoFields.js"

/** How the worker loads a job's model before running the job, read from the job's request. */
export interface ModelLoad {
  /**
   * The request only unloads the model (`keep_alive: 0` and nothing to generate; Ollama's
   * expireRunner). Loading it first would be wasted, and would evict the model that is resident.
   */
  readonly unloadOnly: boolean
  readonly path: string
  readonly body: string
}

const parseObject = (text: string): Readonly<Record<string, unknown>> => {
  try {
    const parsed: unknown = JSON.parse(text)
    return isObject(parsed) ? parsed : {}
  } catch {
    return {}
  }
}

/**
 * The load goes to the job's own endpoint with nothing to generate: Ollama then checks the
 * capability the job needs (a chat load of an embedding model fails as the chat would), and the
 * job's `options` load the runner with the context size and GPU layers the job will ask for, since
 * a runner loaded with other options is loaded again (needsReload in server/sched.go).
 */
export const modelLoadFor = (
  job: { readonly api: JobApi; readonly endpoint: JobEndpoint; readonly model: string; readonly payload: string },
  keepAlive: Option.Option<string | number>
): ModelLoad => {
  const request = parseObject(job.payload)
  const native = job.api === "native"
  const chat = job.endpoint === "chat"
  const named = fieldOf(request, "model")
  const model = typeof named === "string" ? named : job.model
  const requestOptions = fieldOf(request, "options")
  const options = native && isObject(requestOptions) ? { options: requestOptions } : {}
  const keepAliveField = Option.match(keepAlive, { onNone: () => ({}), onSome: (keep_alive) => ({ keep_alive }) })
  return {
    unloadOnly: onlyUnloads(request, job.api, job.endpoint),
    path: chat ? "/api/chat" : "/api/generate",
    body: JSON.stringify({ model, ...(chat ? { messages: [] } : {}), ...options, ...keepAliveField })
  }
}
