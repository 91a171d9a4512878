import { Either, LogLevel } from "effect"

// FOREMAN_LOG_LEVEL takes Effect's labels (`warn`, `off`) and the names @effect/cli's `--log-level`
// knows (`warning`, `none`), plus `err`; the daemon's config and the CLI read them with this one table.
const aliases: Record<string, string> = { warning: "warn", err: "error", none: "off" }

/** A log level by any of its names, in any case. */
export const parseLogLevel = (raw: string): Either.Either<LogLevel.LogLevel, string> => {
  const wanted = raw.trim().toLowerCase()
  const name = aliases[wanted] ?? wanted
  const found = LogLevel.allLevels.find((level) => level.label.toLowerCase() === name)
  return found !== undefined
    ? Either.right(found)
    : Either.left(`expected one of ${LogLevel.allLevels.map((l) => l.label.toLowerCase()).join(", ")}, got "${raw}"`)
}
