import { Duration, Either } from "effect"

// time.ParseDuration, ported with its messages: Ollama answers a request's bad keep_alive with
// them (ollama/KeepAlive.ts), and the FOREMAN_* durations take the same syntax.
const unitNanos: Readonly<Record<string, number>> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }
const maxNanos = 9_223_372_036_854_775_807

/** time's own quoting for its messages: ASCII as is (`"` and `\` escaped), other bytes as \xNN. */
const goQuote = (text: string): string => {
  let quoted = ""
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte)
    quoted += byte >= 0x80 || byte < 0x20 ? `\\x${byte.toString(16).padStart(2, "0")}` : c === "\"" || c === "\\" ? `\\${c}` : c
  }
  return `"${quoted}"`
}

/** time.ParseDuration, in nanoseconds (the sign kept), failing with Go's own message. */
export const parseGoDurationNanos = (text: string): Either.Either<number, string> => {
  const invalid = Either.left(`time: invalid duration ${goQuote(text)}`)
  const sign = text.startsWith("-") ? -1 : 1
  let rest = text.startsWith("-") || text.startsWith("+") ? text.slice(1) : text
  if (rest === "0") return Either.right(0)
  if (rest === "") return invalid
  let total = 0
  while (rest !== "") {
    const [number = "", whole = "", fraction] = /^(\d*)(?:\.(\d*))?/.exec(rest) ?? []
    if (whole === "" && (fraction ?? "") === "") return invalid
    rest = rest.slice(number.length)
    const end = rest.search(/[.\d]/)
    const unit = end === -1 ? rest : rest.slice(0, end)
    if (unit === "") return Either.left(`time: missing unit in duration ${goQuote(text)}`)
    const scale = unitNanos[unit]
    if (scale === undefined) return Either.left(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`)
    total += Number(`${whole === "" ? "0" : whole}.${fraction === undefined || fraction === "" ? "0" : fraction}`) * scale
    if (total > maxNanos) return invalid
    rest = rest.slice(unit.length)
  }
  return Either.right(sign * total)
}

/**
 * A FOREMAN_* duration: Go's syntax (`500ms`, `1h30m`, `0`), surrounding spaces ignored, no sign
 * (none of them can be negative).
 */
export const parseGoDuration = (input: string): Either.Either<Duration.Duration, string> => {
  const text = input.trim()
  const problem = `expected a duration like 500ms, 30s or 24h, got "${input}"`
  if (text.startsWith("-") || text.startsWith("+")) return Either.left(problem)
  return Either.mapBoth(parseGoDurationNanos(text), { onLeft: () => problem, onRight: (nanos) => Duration.millis(nanos / 1e6) })
}
