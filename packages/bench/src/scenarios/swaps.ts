import { Effect } from "effect"
import { performance } from "node:perf_hooks"
import type { BenchContext } from "../config.js"
import { sleep } from "../http.js"
import { chatBody, listJobs, simStats, submitJobs, wallMs } from "../jobs.js"
import { attempt, type BenchError, startForeman, withTarget } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, whole } from "../stats.js"

const models = ["llama3.2:1b", "qwen3:8b", "gemma3:4b"] as const
const modelAt = (i: number) => models[i % models.length] ?? models[0]

/** Figure 4: a backlog interleaved over three models, drained by foreman vs in FIFO order. */
export const swaps = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { jobs, loadDelayMs } = ctx.counts.swaps

    // FIFO: the same interleaved sequence sent straight to a fresh sim, one at a time, in order.
    const fifo = yield* Effect.scoped(Effect.gen(function*() {
      const sim = yield* ctx.sims.start({ loadDelayMs })
      return yield* withTarget(sim.url, 1, (target) =>
        attempt("the FIFO drain", async () => {
          const start = performance.now()
          for (let i = 0; i < jobs; i++) {
            await target.expect("POST", "/api/chat", 200, chatBody(modelAt(i), `job ${i}`, { stream: false }))
          }
          const ms = performance.now() - start
          return { swaps: (await simStats(target)).swaps, ms }
        }))
    }))

    // foreman: the backlog is queued while the target is away (the sim refuses connections), so
    // the worker sees all of it before it runs anything; then the sim comes back.
    const drained = yield* Effect.scoped(Effect.gen(function*() {
      const sim = yield* ctx.sims.start({ loadDelayMs })
      const foreman = yield* startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: sim.url })
      yield* sim.refuse
      return yield* withTarget(foreman.url, 1, (daemon) =>
        Effect.gen(function*() {
          yield* attempt("queueing the backlog", () => submitJobs(daemon, jobs, 1, (i) => chatBody(modelAt(i), `job ${i}`)))
          yield* sim.restore
          return yield* withTarget(sim.url, 1, (target) =>
            attempt("foreman's drain", async () => {
              const start = Date.now()
              // Three loads (empty generates) plus one generation per job.
              while ((await simStats(target)).generations < jobs + models.length) {
                if (Date.now() - start > 120_000) throw new Error("the backlog did not drain within 120 s")
                await sleep(25)
              }
              let all = await listJobs(daemon)
              while (all.some((job) => job.state !== "done")) {
                if (Date.now() - start > 120_000) throw new Error("not every job is done after 120 s")
                await sleep(25)
                all = await listJobs(daemon)
              }
              const order = [...all].sort((a, b) => wallMs(a.started_at) - wallMs(b.started_at) || a.id.localeCompare(b.id))
              const switches = order.filter((job, i) => i === 0 || order[i - 1]?.model !== job.model).length
              const first = Math.min(...all.map((job) => wallMs(job.started_at)))
              const last = Math.max(...all.map((job) => wallMs(job.finished_at)))
              return { swaps: (await simStats(target)).swaps, switches, ms: last - first, jobs: all.length }
            }))
        }))
    }))

    return {
      id: "4",
      title: `Swaps: a ${jobs}-job backlog interleaved over ${models.length} models`,
      setup: `${whole(jobs)} jobs cycling through ${models.join(", ")} (job i uses model i mod 3), with a sim that takes ` +
        `${loadDelayMs} ms to load a model. foreman: the jobs are queued with \`POST /jobs\` while the target is away (the ` +
        `sim refusing connections), then the sim comes back and the worker drains the backlog. FIFO: the same sequence sent to a fresh sim in ` +
        `submission order, one at a time, which is what a first-in-first-out queue would ask of the target. Swaps ` +
        `are the sim's count of generation-model loads (the first load included).`,
      tables: [{
        header: ["order", "swaps", "drain s"],
        rows: [
          ["foreman (drain-by-model)", whole(drained.swaps), fixed(drained.ms / 1000, 2)],
          ["FIFO", whole(fifo.swaps), fixed(fifo.ms / 1000, 2)]
        ]
      }],
      goals: [goal("4", `exactly ${models.length} swaps (FIFO: ${whole(fifo.swaps)})`, whole(drained.swaps), drained.swaps === models.length)],
      notes: [
        `Model changes in foreman's execution order (by started_at): ${drained.switches}; jobs done: ${whole(drained.jobs)}.`,
        `foreman's drain time runs from the first job's start to the last job's finish; FIFO's is the whole sequential loop.`
      ],
      plots: []
    }
  })
