import { Effect, Either } from "effect"
import { performance } from "node:perf_hooks"
import { attemptResult, type BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { chatBody } from "../jobs.js"
import { withTarget } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, median, whole } from "../stats.js"
import { asyncRun, type AsyncRunResult } from "./asyncRun.js"
import { model } from "./overhead.js"

/**
 * The jobs' own requests sent straight to the sim, one after another over one keep-alive
 * connection: what the target answers per second when nothing stands in front of it. A worker that
 * runs one generation at a time (ADR-0009) can never finish jobs faster than this on this machine.
 */
const simSequentialRate = (ctx: BenchContext, requests: number): Effect.Effect<number, BenchError> =>
  withTarget(ctx.sim.url, 1, (sim) =>
    attemptResult("the sim answering sequentially", async (): Promise<Either.Either<number, string>> => {
      const start = performance.now()
      for (let i = 0; i < requests; i++) {
        const reply = await sim.check("POST", "/api/chat", 200, chatBody(model, `job ${i}`))
        if (Either.isLeft(reply)) return Either.left(reply.left)
      }
      return Either.right(requests / ((performance.now() - start) / 1000))
    }))

/** Figure 3: async throughput, POST /jobs from concurrent submitters, instant sim, no webhooks. */
export const throughput = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { jobs, reps, submitters } = ctx.counts.throughput
    const runs: Array<AsyncRunResult> = []
    const ceilings: Array<number> = []
    const ceilingRequests = Math.min(jobs, 3000)
    for (let rep = 0; rep < reps; rep++) {
      runs.push(yield* asyncRun(ctx, { jobs, submitters }))
      ceilings.push(yield* simSequentialRate(ctx, ceilingRequests))
    }
    const ceiling = median(ceilings)
    const jobsPerSecond = median(runs.map((r) => r.jobsPerSecond))
    const submitsPerSecond = median(runs.map((r) => r.submitsPerSecond))
    return {
      id: "3",
      title: "Async throughput: POST /jobs, instant sim, no webhooks",
      setup: `${whole(jobs)} jobs submitted with \`POST /jobs\` by ${submitters} concurrent submitters (each one request ` +
        `at a time over its own keep-alive connection) to a fresh daemon in front of the instant sim; the worker drains ` +
        `while they submit. Jobs/s counts from the first submit to the last job's \`finished_at\`; accepted submits/s ` +
        `from the first submit to the last 202. ${reps} repetition${reps === 1 ? "" : "s"}, each on a fresh daemon; ` +
        `the goals are judged on the medians.`,
      tables: [{
        header: ["run", "submits/s", "submit phase s", "jobs/s", "first submit → last done s", "foreman CPU ms/job", "sim alone, sequential req/s"],
        rows: [
          ...runs.map((r, i) => [
            `#${i + 1}`,
            whole(r.submitsPerSecond),
            fixed(r.submitMs / 1000, 2),
            whole(r.jobsPerSecond),
            fixed(r.totalMs / 1000, 2),
            fixed(r.cpuMsPerJob, 3),
            whole(ceilings[i] ?? Number.NaN)
          ]),
          ["median", whole(submitsPerSecond), "", whole(jobsPerSecond), "", fixed(median(runs.map((r) => r.cpuMsPerJob)), 3), whole(ceiling)]
        ]
      }],
      goals: [
        goal("3", "jobs/s, first submit → last done ≥ 1,500", whole(jobsPerSecond), jobsPerSecond >= 1500),
        goal("3", "accepted submits ≥ 3,000/s", whole(submitsPerSecond), submitsPerSecond >= 3000)
      ],
      notes: [
        `foreman CPU ms/job is the daemon's user+system CPU time over the run divided by the jobs (from /proc): ` +
        `what one job costs the daemon whatever else the machine is doing; 1,000 ÷ it bounds jobs/s on one core.`,
        `"Sim alone" is the same sim answering ${whole(ceilingRequests)} of the jobs' own requests sent straight to it ` +
        `one after another over one keep-alive connection, right after each run: the target's own pace on this machine. ` +
        `foreman runs one generation at a time (ADR-0009), so its jobs/s cannot exceed it; ` +
        `foreman's median is ${fixed(jobsPerSecond / ceiling, 2)}× it.`
      ],
      plots: []
    }
  })
