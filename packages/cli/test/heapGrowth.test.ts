import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { join } from "node:path"
import { nodeRun } from "./support/cli.js"

const churn = join(import.meta.dirname, "support", "heapChurn.ts")

const Churned = Schema.parseJson(Schema.Struct({
  applied: Schema.Boolean,
  peak: Schema.Number,
  live: Schema.Number
}))

/** The churn script in a fresh node with `nodeArgs`, and what it printed. */
const runChurn = (nodeArgs: ReadonlyArray<string>) =>
  nodeRun(["--expose-gc", ...nodeArgs, "--import", "tsx", churn]).pipe(Effect.flatMap((run) => {
    expect(run.code, run.stderr).toBe(0)
    return Schema.decode(Churned)(run.stdout.trim())
  }))

// ADR-0036: a burst of work used to leave the daemon's old space at 3–4× what was live.
describe("the daemon's heap growth", () => {
  it.effect("stays within the cap while promoted objects churn", () =>
    Effect.gen(function*() {
      const { applied, live, peak } = yield* runChurn([])
      expect(applied).toBe(true)
      // 1.5× at each full collection; the live set grows while the churn starts, hence 2.5×.
      // Left to V8 (node 20), this churn peaks at 4.2× on these machines.
      expect(peak / live, `peak ${peak} bytes, live ${live}`).toBeLessThan(2.8)
    }), { timeout: 60_000 })

  it.effect("leaves a factor chosen on node's command line alone", () =>
    Effect.gen(function*() {
      const chosen = yield* runChurn(["--heap-growing-percent=300"])
      expect(chosen.applied).toBe(false)
      // The operator's 4× holds: the daemon's 1.5× would have kept it under 2.8×.
      expect(chosen.peak / chosen.live, `peak ${chosen.peak} bytes, live ${chosen.live}`).toBeGreaterThan(3)
      expect((yield* runChurn(["--heap_growing_percent=300"])).applied).toBe(false)
    }), { timeout: 60_000 })
})
