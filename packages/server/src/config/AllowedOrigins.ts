import { Either } from "effect"

/**
 * Browser origins Ollama allows by default (envconfig.AllowedOrigins): pages served from this
 * machine on any port, and desktop and editor webviews. FOREMAN_ORIGINS adds to them, as
 * OLLAMA_ORIGINS does, so a browser app that talks to Ollama talks to foreman unchanged.
 */
export const defaultOrigins: ReadonlyArray<string> = [
  ...["localhost", "127.0.0.1", "0.0.0.0"].flatMap((host) => [
    `http://${host}`,
    `https://${host}`,
    `http://${host}:*`,
    `https://${host}:*`
  ]),
  "app://*",
  "file://*",
  "tauri://*",
  "vscode-webview://*",
  "vscode-file://*"
]

/** FOREMAN_ORIGINS: comma-separated origins; one `*` in each stands for anything, `*` alone for any origin. */
export const parseOrigins = (raw: string): Either.Either<ReadonlyArray<string>, string> => {
  // Lower-cased, as gin-contrib/cors does: browsers send origins in lower case.
  const origins = raw.split(",").map((origin) => origin.trim().toLowerCase()).filter((origin) => origin !== "")
  const bad = origins.find((origin) => origin !== "*" && (!origin.includes("://") || origin.split("*").length > 2))
  return bad === undefined
    ? Either.right(origins)
    : Either.left(`expected origins like https://app.example.com or chrome-extension://*, separated by commas, got "${bad}"`)
}

/** Matches as gin-contrib/cors does with wildcards on: exactly, or by what comes before and after the `*`. */
export const originMatcher = (patterns: ReadonlyArray<string>) => {
  const exact = new Set(patterns.filter((pattern) => !pattern.includes("*")))
  const wildcards = patterns.flatMap((pattern) => {
    const star = pattern.indexOf("*")
    return star < 0 ? [] : [{ prefix: pattern.slice(0, star), suffix: pattern.slice(star + 1) }]
  })
  return (origin: string): boolean =>
    exact.has(origin) ||
    wildcards.some(({ prefix, suffix }) =>
      origin.length >= prefix.length + suffix.length && origin.startsWith(prefix) && origin.endsWith(suffix))
}
