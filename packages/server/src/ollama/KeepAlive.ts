import { Either } from "effect"

// A request's keep_alive as Ollama decodes it (api.Duration.UnmarshalJSON): a number is seconds, a
// string is a Go duration (time.ParseDuration), anything else is refused. Ollama refuses a bad one
// before it schedules anything, so foreman must too, or the worker would swap models first.

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

const goTypeName = (value: unknown): string =>
  typeof value === "boolean" ? "bool" : Array.isArray(value) ? "[]interface {}" : "map[string]interface {}"

/** Why Ollama would refuse this keep_alive (its 400 text), or undefined when it decodes. */
export const keepAliveProblem = (value: unknown): string | undefined =>
  value === undefined || value === null || typeof value === "number"
    ? undefined
    : typeof value === "string"
    ? Either.match(parseGoDurationNanos(value), { onLeft: (problem) => problem, onRight: () => undefined })
    : `Unsupported type: '${goTypeName(value)}'`

/**
 * A keep_alive that unloads at once: a number of seconds truncated to zero nanoseconds, or a
 * duration of zero ("0", "0s", "-0s"); negatives pin forever instead.
 */
export const isZeroKeepAlive = (value: unknown): boolean =>
  typeof value === "number"
    ? value >= 0 && value * 1e9 < 1
    : typeof value === "string" && Either.getOrElse(Either.map(parseGoDurationNanos(value), (nanos) => nanos === 0), () => false)
