/** 1.2s, 42s, 3m05s, 2h10m: short enough for a status line, precise where it matters. */
export const duration = (millis: number): string => {
  const ms = Math.max(0, millis)
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`
  const seconds = Math.floor(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, "0")}m`
  return `${Math.floor(hours / 24)}d`
}

/** How long ago an ISO timestamp was, e.g. "3m05s ago"; "-" when there is none. */
export const ago = (iso: string | null | undefined, now: number): string => {
  if (iso === null || iso === undefined) return "-"
  const then = Date.parse(iso)
  return Number.isNaN(then) ? iso : `${duration(now - then)} ago`
}

/** How long until an ISO timestamp, e.g. "4m59s from now" (Ollama's `expires_at`). */
export const fromNow = (iso: string | undefined, now: number): string => {
  if (iso === undefined) return "-"
  const then = Date.parse(iso)
  if (Number.isNaN(then)) return iso
  // Ollama reports a model pinned with keep_alive -1 as expiring centuries from now.
  if (then - now > 365 * 24 * 3600_000) return "forever"
  return then <= now ? "now" : `${duration(then - now)} from now`
}

/** Sizes the way `ollama list` prints them (decimal units). */
export const bytes = (size: number | undefined): string => {
  if (size === undefined) return "-"
  const units = ["B", "KB", "MB", "GB", "TB"]
  let value = size
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

/** Pretty JSON for `--json`: stable, indented, one document per command. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2)

/** A word a POSIX shell reads back as `value`: bare when that is safe, else single-quoted. */
export const shellWord = (value: string): string =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
