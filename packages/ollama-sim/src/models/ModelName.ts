// Ollama model names: [host/][namespace/]model[:tag], defaults filled in the way
// types/model/name.go does, so "llama3.2" and "llama3.2:latest" are the same model.

const defaultHost = "registry.ollama.ai"
const defaultNamespace = "library"
const defaultTag = "latest"

export interface ModelName {
  readonly host: string
  readonly namespace: string
  readonly model: string
  readonly tag: string
}

const partPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/
const namespacePattern = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$/
const hostPattern = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$/

/** Parses a name, or undefined when Ollama would call it invalid. */
export const parseName = (raw: string): ModelName | undefined => {
  // An explicit `:local` source suffix names the installed model before it (internal/modelref).
  const withoutDigest = (raw.split("@")[0] ?? "").replace(/:\s*local\s*$/i, "")
  const colon = withoutDigest.lastIndexOf(":")
  const hasTag = colon >= 0 && !withoutDigest.slice(colon + 1).includes("/")
  const path = hasTag ? withoutDigest.slice(0, colon) : withoutDigest
  const tag = hasTag ? withoutDigest.slice(colon + 1) : defaultTag
  const parts = path.split("/")
  if (parts.length > 3) return undefined
  const model = parts[parts.length - 1] ?? ""
  const namespace = parts.length >= 2 ? parts[parts.length - 2] ?? "" : defaultNamespace
  const host = parts.length === 3 ? parts[0] ?? "" : defaultHost
  const valid = partPattern.test(model) && partPattern.test(tag) &&
    namespacePattern.test(namespace) && hostPattern.test(host)
  return valid ? { host, namespace, model, tag } : undefined
}

/** The form /api/tags and /api/ps print: "llama3.2:1b", "me/model:latest". */
export const displayName = (name: ModelName): string => {
  const prefix = name.host.toLowerCase() !== defaultHost
    ? `${name.host}/${name.namespace}/`
    : name.namespace.toLowerCase() !== defaultNamespace
    ? `${name.namespace}/`
    : ""
  return `${prefix}${name.model}:${name.tag}`
}

/** Names compare case-insensitively, like getExistingName in server/routes.go. */
export const nameKey = (name: ModelName): string =>
  `${name.host}/${name.namespace}/${name.model}:${name.tag}`.toLowerCase()

/** A cloud model's name (`:cloud`, or a tag ending in `-cloud`): Ollama proxies it to ollama.com, loading nothing. */
export const isCloudName = (raw: string): boolean => {
  const tag = raw.slice(raw.lastIndexOf(":") + 1).trim().toLowerCase()
  return raw.includes(":") && (tag === "cloud" || (!tag.includes("/") && tag.endsWith("-cloud")))
}
