// Order statistics for latency samples and rates. Plain functions: they run on the measured data
// after each loop, never inside it.

export interface Summary {
  readonly n: number
  readonly min: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

export const sorted = (values: ReadonlyArray<number>): ReadonlyArray<number> => [...values].sort((a, b) => a - b)

/** The q-quantile of ascending values, linearly interpolated (q in [0, 1]); NaN when empty. */
export const quantileOfSorted = (ascending: ReadonlyArray<number>, q: number): number => {
  if (ascending.length === 0) return Number.NaN
  const position = Math.min(1, Math.max(0, q)) * (ascending.length - 1)
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  const low = ascending[lower] ?? Number.NaN
  const high = ascending[upper] ?? low
  return low + (high - low) * (position - lower)
}

export const quantile = (values: ReadonlyArray<number>, q: number): number => quantileOfSorted(sorted(values), q)

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

export const summarize = (values: ReadonlyArray<number>): Summary => {
  const ascending = sorted(values)
  const total = ascending.reduce((sum, value) => sum + value, 0)
  return {
    n: ascending.length,
    min: ascending[0] ?? Number.NaN,
    p50: quantileOfSorted(ascending, 0.5),
    p90: quantileOfSorted(ascending, 0.9),
    p99: quantileOfSorted(ascending, 0.99),
    max: ascending[ascending.length - 1] ?? Number.NaN,
    mean: ascending.length === 0 ? Number.NaN : total / ascending.length
  }
}

/** Pairwise differences of two equally long series (e.g. per-round foreman − direct). */
export const differences = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): ReadonlyArray<number> =>
  a.flatMap((value, i) => {
    const other = b[i]
    return other === undefined ? [] : [value - other]
  })

/** Fixed-precision text for tables: "1.23". */
export const fixed = (value: number, digits = 2): string => Number.isFinite(value) ? value.toFixed(digits) : "n/a"

/** Thousands-separated whole numbers: "100,000". */
export const whole = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a"
