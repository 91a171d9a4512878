import { Either } from "effect"

// keep_alive decoding, as api.Duration.UnmarshalJSON does it: numbers are
// seconds, strings are Go durations ("10m", "1h30m"), negatives mean forever.

/** math.MaxInt64 nanoseconds, what Ollama uses for "forever", in milliseconds. */
export const foreverMs = 9_223_372_036_854.775

export const defaultKeepAliveMs = 5 * 60 * 1000

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

const number = /^(\d*)(?:\.(\d*))?/

/** time.ParseDuration, in milliseconds, failing with Go's error text. */
export const parseGoDuration = (text: string): Either.Either<number, string> => {
  const invalid = Either.left(`time: invalid duration "${text}"`)
  let rest = text
  let sign = 1
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === "0") return Either.right(0)
  if (rest === "") return invalid
  let total = 0
  while (rest !== "") {
    const [matched = "", whole = "", fraction] = number.exec(rest) ?? []
    if (whole === "" && (fraction === undefined || fraction === "")) return invalid
    rest = rest.slice(matched.length)
    const unitLength = rest.search(/[\d.]/)
    const unit = unitLength === -1 ? rest : rest.slice(0, unitLength)
    if (unit === "") return Either.left(`time: missing unit in duration "${text}"`)
    const scale = unitMs[unit]
    if (scale === undefined) return Either.left(`time: unknown unit "${unit}" in duration "${text}"`)
    total += Number(`${whole === "" ? "0" : whole}.${fraction ?? "0"}`) * scale
    rest = rest.slice(unit.length)
  }
  return Either.right(sign * total)
}

const goTypeName = (value: unknown): string =>
  typeof value === "boolean" ? "bool" : Array.isArray(value) ? "[]interface {}" : "map[string]interface {}"

/** A request's keep_alive in milliseconds (foreverMs for negatives); undefined means the 5m default. */
export const parseKeepAlive = (value: unknown): Either.Either<number, string> => {
  if (value === undefined || value === null) return Either.right(defaultKeepAliveMs)
  if (typeof value === "number") return Either.right(value < 0 ? foreverMs : value * 1000)
  if (typeof value === "string") return Either.map(parseGoDuration(value), (ms) => (ms < 0 ? foreverMs : ms))
  return Either.left(`Unsupported type: '${goTypeName(value)}'`)
}
