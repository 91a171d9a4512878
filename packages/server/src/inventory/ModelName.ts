/**
 * One spelling per model, so drain-by-model, the installed check and `?model=` agree with Ollama:
 * names are `[host/][namespace/]model[:tag]` with `registry.ollama.ai`, `library` and `latest` filled
 * in (types/model/name.go), compared case-insensitively (getExistingName in server/routes.go), and
 * shown in the shortest form, as /api/tags does. `LLAMA3`, `library/llama3` and `llama3:latest` are
 * all `llama3:latest`.
 */
export const normalizeModel = (name: string): string => {
  const trimmed = name.trim().toLowerCase()
  if (trimmed.includes("@")) return trimmed
  const colon = trimmed.lastIndexOf(":")
  // A colon before the last slash belongs to a host's port, not a tag.
  const hasTag = colon > trimmed.lastIndexOf("/")
  const parts = (hasTag ? trimmed.slice(0, colon) : trimmed).split("/")
  if (parts.length === 3 && parts[0] === "registry.ollama.ai") parts.shift()
  if (parts.length === 2 && parts[0] === "library") parts.shift()
  return `${parts.join("/")}:${hasTag ? trimmed.slice(colon + 1) : "latest"}`
}
