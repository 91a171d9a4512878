import { Effect, Either } from "effect"
import { performance } from "node:perf_hooks"
import { attemptResult, BenchError, during } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { chatBody, listJobs, simStats, submitJobs, wallMs } from "../jobs.js"
import { pollUntil } from "../poll.js"
import { startForeman, withTarget } from "../processes.js"
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
        Effect.gen(function*() {
          // A plain async loop, timed as a whole; a wrong status comes back as Left.
          const ms = yield* attemptResult("the FIFO drain", async () => {
            const start = performance.now()
            for (let i = 0; i < jobs; i++) {
              const reply = await target.check("POST", "/api/chat", 200, chatBody(modelAt(i), `job ${i}`, { stream: false }))
              if (Either.isLeft(reply)) return Either.left(reply.left)
            }
            return Either.right(performance.now() - start)
          })
          const stats = yield* simStats(target).pipe(during("the FIFO drain"))
          return { swaps: stats.swaps, ms }
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
          yield* submitJobs(daemon, jobs, 1, (i) => chatBody(modelAt(i), `job ${i}`)).pipe(during("queueing the backlog"))
          yield* sim.restore
          return yield* withTarget(sim.url, 1, (target) =>
            Effect.gen(function*() {
              const limitMs = 120_000
              const start = Date.now()
              // Three loads (empty generates) plus one generation per job.
              yield* pollUntil(simStats(target), (stats) => stats.generations >= jobs + models.length, {
                everyMs: 25,
                timeoutMs: limitMs,
                onTimeout: () => new BenchError({ message: "the backlog did not drain within 120 s" })
              })
              // Within what is left of the same 120 s.
              const all = yield* pollUntil(listJobs(daemon), (listed) => listed.every((job) => job.state === "done"), {
                everyMs: 25,
                timeoutMs: Math.max(0, limitMs - (Date.now() - start)),
                onTimeout: () => new BenchError({ message: "not every job is done after 120 s" })
              })
              const order = [...all].sort((a, b) => wallMs(a.started_at) - wallMs(b.started_at) || a.id.localeCompare(b.id))
              const switches = order.filter((job, i) => i === 0 || order[i - 1]?.model !== job.model).length
              const first = Math.min(...all.map((job) => wallMs(job.started_at)))
              const last = Math.max(...all.map((job) => wallMs(job.finished_at)))
              const stats = yield* simStats(target)
              return { swaps: stats.swaps, switches, ms: last - first, jobs: all.length }
            }).pipe(during("foreman's drain")))
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
