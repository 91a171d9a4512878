import { parseLogLevel } from "@foreman/domain"
import { Either } from "effect"

/**
 * `--log-level` is @effect/cli's built-in option, which knows only LogLevel's own tags (`warning`,
 * `error`, `none`, …, lower case). The README promises it the names FOREMAN_LOG_LEVEL takes, so a
 * value the daemon's parser knows is rewritten to its tag before the command line is parsed; any
 * other is left for @effect/cli to refuse.
 */
const levelTag = (value: string) =>
  Either.match(parseLogLevel(value), { onLeft: () => value, onRight: (level) => level._tag.toLowerCase() })

/** The arguments with `--log-level X` and `--log-level=X` given as @effect/cli's tag; nothing after `--`. */
export const normalizeLogLevel = (argv: ReadonlyArray<string>): Array<string> => {
  const end = argv.indexOf("--")
  return argv.map((arg, i) => {
    if (end !== -1 && i > end) return arg
    if (arg.startsWith("--log-level=")) return `--log-level=${levelTag(arg.slice("--log-level=".length))}`
    return i > 0 && argv[i - 1] === "--log-level" ? levelTag(arg) : arg
  })
}
