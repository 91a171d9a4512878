/**
 * `--log-level` is @effect/cli's built-in option, which knows only LogLevel's own tags (`warning`,
 * `error`, `none`, …, lower case). The README promises it the names FOREMAN_LOG_LEVEL takes, so the
 * value is rewritten to those tags before the command line is parsed.
 */
const aliases: Record<string, string> = { warn: "warning", err: "error", off: "none" }

const levelTag = (value: string) => {
  const lower = value.trim().toLowerCase()
  return aliases[lower] ?? lower
}

/** The arguments with `--log-level X` and `--log-level=X` given as @effect/cli's tag; nothing after `--`. */
export const normalizeLogLevel = (argv: ReadonlyArray<string>): Array<string> => {
  const end = argv.indexOf("--")
  return argv.map((arg, i) => {
    if (end !== -1 && i > end) return arg
    if (arg.startsWith("--log-level=")) return `--log-level=${levelTag(arg.slice("--log-level=".length))}`
    return i > 0 && argv[i - 1] === "--log-level" ? levelTag(arg) : arg
  })
}
