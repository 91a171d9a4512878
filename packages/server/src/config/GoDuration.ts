import { Duration, Either } from "effect"

const unitMillis: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y

/** Parses Go's time.ParseDuration syntax (`500ms`, `1h30m`, `0`) as the original's config did. */
export const parseGoDuration = (input: string): Either.Either<Duration.Duration, string> => {
  const text = input.trim()
  if (text === "0") return Either.right(Duration.zero)
  if (text.length === 0 || text.startsWith("-")) {
    return Either.left(`expected a duration like 500ms, 30s or 24h, got "${input}"`)
  }
  let millis = 0
  part.lastIndex = 0
  while (part.lastIndex < text.length) {
    const start = part.lastIndex
    const match = part.exec(text)
    if (match === null || match.index !== start) {
      return Either.left(`expected a duration like 500ms, 30s or 24h, got "${input}"`)
    }
    millis += Number(match[1]) * (unitMillis[match[2] ?? ""] ?? 0)
  }
  return Either.right(Duration.millis(millis))
}

/** Renders a duration the way Go prints it, for messages and for keep_alive values. */
export const formatGoDuration = (duration: Duration.Duration): string => {
  const millis = Duration.toMillis(duration)
  if (millis % 3_600_000 === 0 && millis > 0) return `${millis / 3_600_000}h`
  if (millis % 60_000 === 0 && millis > 0) return `${millis / 60_000}m`
  if (millis % 1000 === 0) return `${millis / 1000}s`
  return `${millis}ms`
}
