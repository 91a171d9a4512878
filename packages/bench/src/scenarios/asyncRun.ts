import { Effect, Option } from "effect"
import { BenchError, during } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import type { HttpTarget } from "../http.js"
import { awaitJob, chatBody, countInState, lastId, resetSimStats, simStats, submitJobs, wallMs } from "../jobs.js"
import { pollUntil } from "../poll.js"
import { startForeman, withTarget } from "../processes.js"
import { model } from "./overhead.js"

export interface AsyncRunResult {
  readonly jobs: number
  /** First submit to the last 202, ms. */
  readonly submitMs: number
  /** First submit to the last job's finished_at, ms. */
  readonly totalMs: number
  readonly submitsPerSecond: number
  readonly jobsPerSecond: number
  /** Date.now() of the first submit and of the last job's finish: to line up webhook arrivals. */
  readonly startedAtWall: number
  readonly finishedAtWall: number
  /** The daemon's CPU time per job over the run (submit, run, bookkeeping), ms. */
  readonly cpuMsPerJob: number
}

/** Polls the sim (not foreman: no load on the daemon) until it has seen `count` generations. */
const awaitGenerations = (sim: HttpTarget, count: number, timeoutMs: number): Effect.Effect<void, BenchError> =>
  pollUntil(simStats(sim), (stats) => stats.generations >= count, {
    everyMs: 25,
    timeoutMs,
    onTimeout: (last) =>
      new BenchError({
        message: `the sim saw ${Option.match(last, { onNone: () => "no", onSome: (stats) => String(stats.generations) })} of ${count} generations within ${timeoutMs} ms`
      })
  }).pipe(Effect.asVoid)

/**
 * One fresh daemon in front of the shared instant sim; `jobs` async jobs submitted by
 * `submitters` concurrent loops; over when the last one is done. One model, so the worker drains
 * in submission (id) order and the largest id finishes last.
 */
export const asyncRun = (
  ctx: BenchContext,
  options: {
    readonly jobs: number
    readonly submitters: number
    readonly webhookUrl?: string
    /** Runs after the last job is done and before the daemon stops (e.g. waiting for its webhooks). */
    readonly beforeStop?: Effect.Effect<void, BenchError>
  }
): Effect.Effect<AsyncRunResult, BenchError> =>
  Effect.scoped(Effect.gen(function*() {
    const foreman = yield* startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: ctx.sim.url })
    const extra = options.webhookUrl === undefined ? {} : { state_webhook_url: options.webhookUrl }
    return yield* withTarget(foreman.url, options.submitters, (daemon) =>
      withTarget(ctx.sim.url, 1, (sim) =>
        Effect.gen(function*() {
          yield* resetSimStats(sim)
          const cpuBefore = foreman.cpuMs()
          const submitted = yield* submitJobs(daemon, options.jobs, options.submitters, (i) => chatBody(model, `job ${i}`, extra))
          yield* awaitGenerations(sim, options.jobs, Math.max(120_000, options.jobs * 200))
          const last = yield* awaitJob(daemon, lastId(submitted.ids), 30_000)
          if (last.state !== "done") return yield* new BenchError({ message: `the last job ended ${last.state}` })
          const failed = yield* countInState(daemon, "failed", 1)
          if (failed > 0) return yield* new BenchError({ message: `${failed}+ jobs failed` })
          const cpuMsPerJob = (foreman.cpuMs() - cpuBefore) / options.jobs
          if (options.beforeStop !== undefined) yield* options.beforeStop
          const finishedAtWall = wallMs(last.finished_at)
          const totalMs = finishedAtWall - submitted.startedAtWall
          return {
            jobs: options.jobs,
            submitMs: submitted.submitMs,
            totalMs,
            submitsPerSecond: options.jobs / (submitted.submitMs / 1000),
            jobsPerSecond: options.jobs / (totalMs / 1000),
            startedAtWall: submitted.startedAtWall,
            finishedAtWall,
            cpuMsPerJob
          }
        }).pipe(during(`${options.jobs} async jobs`))))
  }))
