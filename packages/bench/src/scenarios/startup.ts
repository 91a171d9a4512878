import { Duration, Effect } from "effect"
import type { BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { startForeman } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, median } from "../stats.js"

/** Figure 5 (daemon): start to ready and idle RSS, each start a fresh daemon and database. */
export const startup = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { idleSettleMs, starts } = ctx.counts.startup
    const runs: Array<{ readonly startMs: number; readonly rssMB: number }> = []
    for (let i = 0; i < starts; i++) {
      runs.push(yield* Effect.scoped(Effect.gen(function*() {
        const foreman = yield* startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: ctx.sim.url })
        yield* Effect.sleep(Duration.millis(idleSettleMs))
        return { startMs: foreman.startMs, rssMB: foreman.memory().rssMB }
      })))
    }
    const startMs = median(runs.map((r) => r.startMs))
    const rssMB = median(runs.map((r) => r.rssMB))
    return {
      id: "5b",
      title: "Scale: start to ready, idle memory",
      setup: `${starts} starts of \`node packages/cli/bin/foreman.mjs serve\` (a fresh database each, the instant sim up): ` +
        `start to ready is spawn to the first 200 from \`/healthz\` (polled every 5 ms); idle RSS is the daemon's ` +
        `VmRSS ${idleSettleMs / 1000} s after ready.`,
      tables: [{
        header: ["start", "start → ready ms", "idle RSS MB"],
        rows: [
          ...runs.map((r, i) => [`#${i + 1}`, fixed(r.startMs, 0), fixed(r.rssMB, 1)]),
          ["median", fixed(startMs, 0), fixed(rssMB, 1)]
        ]
      }],
      goals: [
        goal("5", "idle RSS ≤ 90 MB", `${fixed(rssMB, 1)} MB`, rssMB <= 90),
        goal("5", "start to ready ≤ 1.5 s", `${fixed(startMs / 1000, 2)} s`, startMs <= 1500)
      ],
      notes: [],
      plots: []
    }
  })
