/** Reading a JSON body's fields as Ollama's Go decoder does. */

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A field as Ollama's Go decoder reads it: keys match the field's name in any case
 * (`"Stream"` sets `stream`). A key repeated in one spelling keeps its last value, in JSON.parse
 * as in Go; `generationFields` refuses two spellings of one field, whose order JSON.parse loses.
 */
export const fieldOf = (body: Readonly<Record<string, unknown>>, name: string): unknown => {
  if (name in body) return body[name]
  for (const key of Object.keys(body)) {
    if (key.toLowerCase() === name) return body[key]
  }
  return undefined
}
