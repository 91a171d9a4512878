import type { SimHost, SimProcess } from "./processes.js"

export type Mode = "full" | "quick"

/** How much of everything a run does. The goals are the issue's; only the counts shrink in quick mode. */
export interface Counts {
  /** Figure 1: sequential sync non-streaming /api/chat, rounds of direct / bare proxy / foreman. */
  readonly overhead: { readonly warmup: number; readonly rounds: number }
  /** Figure 2: one streamed answer of `tokens` chunks per path and round. */
  readonly streaming: { readonly tokens: number; readonly warmup: number; readonly rounds: number }
  /** Figure 3: async jobs via POST /jobs; each repetition on a fresh daemon. */
  readonly throughput: { readonly jobs: number; readonly submitters: number; readonly reps: number }
  /** Figure 4: a backlog interleaved over three models; every swap costs `loadDelayMs` in the sim. */
  readonly swaps: { readonly jobs: number; readonly loadDelayMs: number }
  /**
   * Figure 5: drain rate with `queued` jobs waiting vs a `nearEmpty` backlog. The rate is taken over
   * `window` jobs after the first `skip` (JIT warm-up) in both runs.
   */
  readonly scale: {
    readonly queued: number
    readonly nearEmpty: number
    readonly skip: number
    readonly window: number
    readonly submitters: number
    /** Idle time after the last submit before RSS is read. */
    readonly settleMs: number
  }
  /** Figure 5: start-to-ready and idle RSS, each start a fresh daemon. */
  readonly startup: { readonly starts: number; readonly idleSettleMs: number }
  /** Figure 6: jobs with and without webhooks, alternating, each repetition on fresh daemons. */
  readonly webhooks: { readonly jobs: number; readonly submitters: number; readonly reps: number }
}

export const fullCounts: Counts = {
  overhead: { warmup: 300, rounds: 3000 },
  streaming: { tokens: 2000, warmup: 15, rounds: 100 },
  throughput: { jobs: 5000, submitters: 32, reps: 3 },
  swaps: { jobs: 300, loadDelayMs: 20 },
  scale: { queued: 100_000, nearEmpty: 5_500, skip: 500, window: 5_000, submitters: 32, settleMs: 60_000 },
  startup: { starts: 5, idleSettleMs: 30_000 },
  webhooks: { jobs: 2000, submitters: 32, reps: 5 }
}

export const quickCounts: Counts = {
  overhead: { warmup: 20, rounds: 100 },
  streaming: { tokens: 2000, warmup: 2, rounds: 5 },
  throughput: { jobs: 200, submitters: 32, reps: 1 },
  swaps: { jobs: 30, loadDelayMs: 20 },
  scale: { queued: 400, nearEmpty: 200, skip: 20, window: 120, submitters: 32, settleMs: 3000 },
  startup: { starts: 1, idleSettleMs: 3000 },
  webhooks: { jobs: 100, submitters: 32, reps: 1 }
}

export interface BenchContext {
  readonly mode: Mode
  readonly counts: Counts
  /** The foreman CLI entry point (`packages/cli/bin/foreman.mjs`). */
  readonly foremanBin: string
  /** Extra node flags for every daemon (--profile DIR adds --cpu-prof). */
  readonly foremanNodeArgs: ReadonlyArray<string>
  /** Starts more sims (in the one sim process). */
  readonly sims: SimHost
  /** An instant sim with the default models, shared by the scenarios that need nothing else. */
  readonly sim: SimProcess
}
