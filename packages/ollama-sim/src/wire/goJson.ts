// Go's encoding/json (behind gin's c.JSON and Ollama's stream lines) escapes
// <, > and & for HTML safety, and U+2028/U+2029; JSON.stringify does not.
const goEscaped = /[<>&\u2028\u2029]/g

const escapeChar = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`

/** JSON text byte-identical to what Go would write for the same value. */
export const goJson = (value: unknown): string => JSON.stringify(value).replace(goEscaped, escapeChar)
