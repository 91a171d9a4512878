/**
 * One spelling per model, so drain-by-model, the installed check and `?model=` agree with Ollama:
 * names are `[host/][namespace/]model[:tag]` with `registry.ollama.ai`, `library` and `latest` filled
 * in (types/model/name.go), compared case-insensitively (getExistingName in server/routes.go), and
 * shown in the shortest form, as /api/tags does. `LLAMA3`, `library/llama3` and `llama3:latest` are
 * all `llama3:latest`. An explicit `:local` (below) names the model it is appended to.
 */
export const normalizeModel = (name: string): string => {
  const { base, source } = modelSource(name)
  const trimmed = (source === "local" ? base : name).trim().toLowerCase()
  if (trimmed.includes("@")) return trimmed
  const colon = trimmed.lastIndexOf(":")
  // A colon before the last slash belongs to a host's port, not a tag.
  const hasTag = colon > trimmed.lastIndexOf("/")
  const parts = (hasTag ? trimmed.slice(0, colon) : trimmed).split("/")
  if (parts.length === 3 && parts[0] === "registry.ollama.ai") parts.shift()
  if (parts.length === 2 && parts[0] === "library") parts.shift()
  return `${parts.join("/")}:${hasTag ? trimmed.slice(colon + 1) : "latest"}`
}

/**
 * Where Ollama runs a model named with a source suffix (internal/modelref: parseSourceSuffix): a
 * last `:cloud` tag or a tag ending in `-cloud` runs on ollama.com, proxied by the target without
 * any install; `:local` forces the installed model it is appended to. `base` is the name without
 * the suffix (`gpt-oss:120b-cloud` → `gpt-oss:120b`).
 */
export const modelSource = (name: string): { readonly base: string; readonly source: "cloud" | "local" | undefined } => {
  const colon = name.lastIndexOf(":")
  if (colon < 0) return { base: name, source: undefined }
  const tag = name.slice(colon + 1).trim()
  const suffix = tag.toLowerCase()
  if (suffix === "cloud") return { base: name.slice(0, colon), source: "cloud" }
  if (suffix === "local") return { base: name.slice(0, colon), source: "local" }
  if (!tag.includes("/") && suffix.endsWith("-cloud")) {
    return { base: name.slice(0, colon + 1) + tag.slice(0, -"-cloud".length), source: "cloud" }
  }
  return { base: name, source: undefined }
}

/** A model the target proxies to ollama.com: it never loads on the target's GPU. */
export const isCloudModel = (name: string): boolean => modelSource(name).source === "cloud"

/** Why a job for a cloud model is refused: it would hold the GPU's queue for work done elsewhere. */
export const cloudModelNotQueued = (model: string) =>
  `model "${model}" runs on ollama.com, not on this target's GPU, so foreman does not queue it as a job: send it to /api/chat or /api/generate, which pass it straight through`
