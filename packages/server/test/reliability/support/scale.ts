/**
 * Bounded (CI) and soak sizes of the reliability suite. `FOREMAN_SOAK=1` selects the soak numbers
 * (`pnpm soak`); otherwise each test runs in a form that finishes in about two minutes.
 */
export const soak = process.env["FOREMAN_SOAK"] === "1"

/** The bounded value, or the soak one under FOREMAN_SOAK=1. */
export const scaled = <A>(bounded: A, soakValue: A): A => (soak ? soakValue : bounded)

/** Per-test timeout: the bounded form must stay well under CI's patience; soak runs are long. */
export const testTimeout = (boundedMs: number, soakMs: number) => scaled(boundedMs, soakMs)

/**
 * The seed of every random choice in the suite (kill moments, fault rhythm, fast-check runs).
 * Printed by each test; set FOREMAN_RELIABILITY_SEED to replay a run.
 */
export const seed = (() => {
  const fromEnv = Number(process.env["FOREMAN_RELIABILITY_SEED"])
  return Number.isInteger(fromEnv) ? fromEnv : Math.floor(Math.random() * 2 ** 31)
})()

/** A small seeded generator (mulberry32): reproducible randomness for schedules. */
export const randomSource = (start: number) => {
  let state = start >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    /** Uniform in [0, 1). */
    next,
    /** Uniform in [min, max). */
    between: (min: number, max: number) => min + (max - min) * next(),
    /** One of the items. */
    pick: <A>(items: ReadonlyArray<A>): A => {
      const item = items[Math.floor(next() * items.length)]
      if (item === undefined) throw new Error("pick from an empty list")
      return item
    },
    /** True with probability p. */
    chance: (p: number) => next() < p
  }
}

/** One line per figure, easy to grep out of a CI log: `[reliability] <test> <name>=<value> …`. */
export const report = (test: string, figures: Readonly<Record<string, string | number | boolean>>) => {
  const parts = Object.entries(figures).map(([name, value]) => `${name}=${value}`)
  console.log(`[reliability] ${test} ${soak ? "(soak)" : "(bounded)"} seed=${seed} ${parts.join(" ")}`)
}

/** The p-th percentile (0–100) of some numbers, nearest rank. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}
