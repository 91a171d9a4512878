/** What a CLI prints on one line of stderr; longer text is cut with an ellipsis. */
const maxShown = 120

/** Said of an answer that is not foreman's. */
export const notForeman = "the answer was not foreman's JSON"

// A page (a proxy's, a captive portal's, another web server's) is markup: many lines of it say less
// than where it came from.
const isMarkup = (text: string, contentType: string) => /html|xml/i.test(contentType) || text.startsWith("<")

/**
 * A body that is not foreman's error JSON, in one line: as is when it is one short line (Ollama's
 * `404 page not found`); a page as its type and size; other text with its whitespace collapsed,
 * cut at 120 characters.
 */
export const bodySummary = (raw: string, contentType: string | undefined): string => {
  const text = raw.trim()
  if (text === "") return `${notForeman} (empty body)`
  if (!/[\r\n]/.test(text) && text.length <= maxShown) return text
  const type = contentType?.split(";")[0]?.trim() ?? ""
  if (isMarkup(text, type)) {
    const size = `${new TextEncoder().encode(raw).byteLength} bytes`
    return `${notForeman} but a page (${type === "" ? size : `${type}, ${size}`}): is FOREMAN_URL foreman's address?`
  }
  const line = text.replace(/\s+/g, " ")
  return line.length <= maxShown ? line : `${line.slice(0, maxShown - 1)}…`
}
