/**
 * A URL as foreman shows it (the unauthenticated /healthz, logs): without the `user:password@`
 * that reaches a target behind basic auth. The request itself still carries them.
 */
export const withoutCredentials = (raw: string): string => {
  if (!URL.canParse(raw)) return raw
  const url = new URL(raw)
  if (url.username === "" && url.password === "") return raw
  url.username = ""
  url.password = ""
  return url.toString().replace(/\/+$/, "")
}
