import { Effect } from "effect"
import type { BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { rssAt, sampleRss, startForeman } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, median } from "../stats.js"

/** Seconds after ready at which the early (transient) RSS is read. */
const earlySeconds = 3

/** Figure 5 (daemon): start to ready and idle RSS, each start a fresh daemon and database. */
export const startup = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { idleSettleMs, starts } = ctx.counts.startup
    const idleSeconds = idleSettleMs / 1000
    const runs: Array<{ readonly startMs: number; readonly earlyMB: number; readonly idleMB: number }> = []
    for (let i = 0; i < starts; i++) {
      runs.push(yield* Effect.scoped(Effect.gen(function*() {
        const foreman = yield* startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: ctx.sim.url })
        const curve = yield* sampleRss(foreman.memory, idleSettleMs)
        return { startMs: foreman.startMs, earlyMB: rssAt(curve, earlySeconds), idleMB: rssAt(curve, idleSeconds) }
      })))
    }
    const startMs = median(runs.map((r) => r.startMs))
    const idleMB = median(runs.map((r) => r.idleMB))
    return {
      id: "5b",
      title: "Scale: start to ready, idle memory",
      setup: `${starts} starts of \`node packages/cli/bin/foreman.mjs serve\` (a fresh database each, the instant sim up): ` +
        `start to ready is spawn to the first 200 from \`/healthz\` (polled every 5 ms); idle RSS is the daemon's ` +
        `VmRSS ${idleSeconds} s after ready, nothing asked of it meanwhile but its own polls of the target. ` +
        `The RSS ${earlySeconds} s after ready is shown beside it: V8 returns the heap that start-up grew only once its ` +
        `memory reducer sees allocation stop, 10–20 s into the quiet on these machines.`,
      tables: [{
        header: ["start", "start → ready ms", `RSS +${earlySeconds} s MB`, `idle RSS (+${idleSeconds} s) MB`],
        rows: [
          ...runs.map((r, i) => [`#${i + 1}`, fixed(r.startMs, 0), fixed(r.earlyMB, 1), fixed(r.idleMB, 1)]),
          ["median", fixed(startMs, 0), fixed(median(runs.map((r) => r.earlyMB)), 1), fixed(idleMB, 1)]
        ]
      }],
      goals: [
        goal("5", "idle RSS ≤ 90 MB", `${fixed(idleMB, 1)} MB`, idleMB <= 90),
        goal("5", "start to ready ≤ 1.5 s", `${fixed(startMs / 1000, 2)} s`, startMs <= 1500)
      ],
      notes: [],
      plots: []
    }
  })
