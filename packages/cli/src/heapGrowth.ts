import { Effect } from "effect"
import { setFlagsFromString } from "node:v8"

/**
 * How far V8 may let the daemon's old space grow past what was live at the last full collection,
 * in percent (ADR-0036). Left to itself V8 allows 3–4× on a heap this small, and gives the excess
 * back only when its memory reducer decides the process has gone quiet, 10–100 s later.
 */
const heapGrowingPercent = 50

const flag = /^--heap[-_]growing[-_]percent(=|$)/

/**
 * Caps the daemon's heap growth unless the operator chose a factor on node's command line. Called
 * before the daemon is loaded; V8 reads the flag each time it sets the next limit after a full GC.
 */
export const limitHeapGrowth = (execArgv: ReadonlyArray<string>): Effect.Effect<boolean> =>
  Effect.sync(() => {
    if (execArgv.some((arg) => flag.test(arg))) return false
    setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`)
    return true
  })
