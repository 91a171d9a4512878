import { Effect } from "effect"
import type { BenchContext } from "../config.js"
import type { BenchError } from "../BenchError.js"
import { goal, type Section } from "../report.js"
import { fixed, median, whole } from "../stats.js"
import { asyncRun, type AsyncRunResult } from "./asyncRun.js"

/** Figure 3: async throughput, POST /jobs from concurrent submitters, instant sim, no webhooks. */
export const throughput = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { jobs, reps, submitters } = ctx.counts.throughput
    const runs: Array<AsyncRunResult> = []
    for (let rep = 0; rep < reps; rep++) runs.push(yield* asyncRun(ctx, { jobs, submitters }))
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
        header: ["run", "submits/s", "submit phase s", "jobs/s", "first submit → last done s", "foreman CPU ms/job"],
        rows: [
          ...runs.map((r, i) => [
            `#${i + 1}`,
            whole(r.submitsPerSecond),
            fixed(r.submitMs / 1000, 2),
            whole(r.jobsPerSecond),
            fixed(r.totalMs / 1000, 2),
            fixed(r.cpuMsPerJob, 3)
          ]),
          ["median", whole(submitsPerSecond), "", whole(jobsPerSecond), "", fixed(median(runs.map((r) => r.cpuMsPerJob)), 3)]
        ]
      }],
      goals: [
        goal("3", "jobs/s, first submit → last done ≥ 1,500", whole(jobsPerSecond), jobsPerSecond >= 1500),
        goal("3", "accepted submits ≥ 3,000/s", whole(submitsPerSecond), submitsPerSecond >= 3000)
      ],
      notes: [
        `foreman CPU ms/job is the daemon's user+system CPU time over the run divided by the jobs (from /proc): ` +
        `what one job costs the daemon whatever else the machine is doing; 1,000 ÷ it bounds jobs/s on one core.`
      ],
      plots: []
    }
  })
