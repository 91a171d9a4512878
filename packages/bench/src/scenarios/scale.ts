import { Duration, Effect, Schedule } from "effect"
import { performance } from "node:perf_hooks"
import { BenchError, during } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { chatBody, decodeHealth, simStats, submitJobs } from "../jobs.js"
import { type Memory, rssAt, type RssCurve, sampleRss, startForeman, withTarget } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, median, whole } from "../stats.js"
import { lineChart, palette } from "../svg.js"
import { model } from "./overhead.js"

interface Drain {
  readonly backlog: number
  readonly submitsPerSecond: number
  readonly idle: Memory
  /** Right after the last submit; then RSS over the quiet that follows, and the peak by its end. */
  readonly filled: Memory
  readonly afterFill: RssCurve
  readonly peakMB: number
  /** Jobs per second over the window, and the window actually measured. */
  readonly rate: number
  readonly measured: number
  /** (seconds since the first generation, generations so far), for the plot. */
  readonly curve: ReadonlyArray<readonly [number, number]>
}

/**
 * A daemon whose target goes away (the sim refuses connections) while `backlog` jobs are queued;
 * then the sim comes back and the drain rate is taken over `window` jobs after the first `skip`,
 * from the sim's generation counter (polled, so the daemon is not asked anything while it drains).
 */
const drain = (ctx: BenchContext, backlog: number, window: number): Effect.Effect<Drain, BenchError> =>
  Effect.scoped(Effect.gen(function*() {
    const { settleMs, skip, submitters } = ctx.counts.scale
    const sim = yield* ctx.sims.start()
    const foreman = yield* startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: sim.url })
    const idle = foreman.memory()
    yield* sim.refuse
    const filled = yield* withTarget(foreman.url, submitters, (daemon) =>
      Effect.gen(function*() {
        const submitted = yield* submitJobs(daemon, backlog, submitters, (i) => chatBody(model, `job ${i}`), 60 * 60_000)
        const filled = foreman.memory()
        const afterFill = yield* sampleRss(foreman.memory, settleMs)
        // The first job was claimed before the worker found the target gone; it is back in the queue.
        // Up to 100 reads of /healthz, 100 ms apart, until it counts the whole backlog.
        const queuedNow = yield* Effect.flatMap(daemon.expect("GET", "/healthz", 200), (reply) => decodeHealth(reply.body)).pipe(
          Effect.map((health) => health.queued),
          Effect.repeat(Schedule.spaced(Duration.millis(100)).pipe(
            Schedule.intersect(Schedule.recurs(99)),
            Schedule.whileInput((queued: number) => queued !== backlog),
            Schedule.passthrough
          ))
        )
        if (queuedNow !== backlog) return yield* new BenchError({ message: `healthz says ${queuedNow} queued, expected ${backlog}` })
        return { submitsPerSecond: backlog / (submitted.submitMs / 1000), filled, afterFill, peakMB: foreman.memory().peakMB }
      }).pipe(during(`queueing ${backlog} jobs`)))
    yield* sim.restore
    const target = skip + window
    const curve = yield* withTarget(sim.url, 1, (stats) =>
      Effect.suspend(() => {
        const points: Array<readonly [number, number]> = []
        const start = performance.now()
        // Bounded: a drain far below the goal still ends, and the rate is taken over what was done.
        const limitMs = Math.max(120_000, target * 40)
        return simStats(stats).pipe(
          Effect.map((counters) => {
            points.push([(performance.now() - start) / 1000, counters.generations])
            return counters.generations
          }),
          Effect.repeat(Schedule.spaced(Duration.millis(25)).pipe(
            Schedule.whileInput((generations: number) => generations < target && performance.now() - start <= limitMs)
          )),
          Effect.as(points)
        )
      }).pipe(during("the drain")))
    const from = curve.find(([, g]) => g >= skip) ?? curve[0] ?? [0, 0]
    const to = curve.find(([, g]) => g >= target) ?? curve[curve.length - 1] ?? from
    const rate = (to[1] - from[1]) / (to[0] - from[0])
    const firstGeneration = curve.find(([, g]) => g > 0)?.[0] ?? 0
    return {
      backlog,
      submitsPerSecond: filled.submitsPerSecond,
      idle,
      filled: filled.filled,
      afterFill: filled.afterFill,
      peakMB: filled.peakMB,
      rate,
      measured: to[1] - from[1],
      curve: curve.filter(([, g]) => g > 0).map(([t, g]) => [t - firstGeneration, g] as const)
    }
  }))

/** Figure 5 (queue scale): drain rate and memory with a huge backlog vs a near-empty one. */
export const scale = (ctx: BenchContext): Effect.Effect<Section, BenchError> =>
  Effect.gen(function*() {
    const { nearEmpty, queued, settleMs, skip, window } = ctx.counts.scale
    const small = yield* drain(ctx, nearEmpty, Math.min(window, nearEmpty - skip))
    const big = yield* drain(ctx, queued, window)
    const ratio = big.rate / small.rate
    const mb = (value: number) => `${fixed(value, 1)} MB`
    const settledSeconds = settleMs / 1000
    const settled = (d: Drain) => rssAt(d.afterFill, settledSeconds)
    const plot = lineChart({
      title: `Jobs run since the drain began: ${whole(queued)} queued vs ${whole(nearEmpty)} queued`,
      xLabel: "seconds since the first generation",
      yLabel: "jobs run (sim generations)",
      lines: [
        { name: `${whole(nearEmpty)} queued (near empty)`, color: palette.direct, points: small.curve },
        { name: `${whole(queued)} queued`, color: palette.foreman, points: big.curve }
      ]
    })
    const memoryPlot = lineChart({
      title: `Daemon RSS after the last submit, the worker holding: ${whole(queued)} queued vs ${whole(nearEmpty)} queued`,
      xLabel: "seconds since the last submit",
      yLabel: "VmRSS (MB)",
      lines: [
        { name: `${whole(nearEmpty)} queued (near empty)`, color: palette.direct, points: small.afterFill },
        { name: `${whole(queued)} queued`, color: palette.foreman, points: big.afterFill }
      ]
    })
    return {
      id: "5a",
      title: `Scale: draining with ${whole(queued)} jobs queued`,
      setup: `Two fresh daemons whose target (the instant sim) goes away, refusing connections, while the backlog is ` +
        `queued by ${ctx.counts.scale.submitters} concurrent \`POST /jobs\` submitters; then the sim listens again, the ` +
        `worker's probe notices and it drains. ` +
        `The drain rate is the sim's generation count over jobs ${whole(skip)}…${whole(skip + window)} of the drain ` +
        `(the first ${whole(skip)} are JIT warm-up), polled every 25 ms, so the daemon is not asked anything while it drains. ` +
        `"Near empty" is a ${whole(nearEmpty)}-job backlog measured the same way. RSS with the backlog queued is the ` +
        `daemon's VmRSS ${settledSeconds} s after the last submit (sampled every second, the worker holding the queue); ` +
        `the 3 s reading beside it is the heap the submit burst grew, before V8's memory reducer returns it. Peak is VmHWM.`,
      tables: [{
        header: ["backlog", "submits/s while filling", "drain jobs/s", "jobs measured", "RSS idle", "RSS after fill", "RSS +3 s", `RSS +${settledSeconds} s`, "peak RSS"],
        rows: [small, big].map((d) => [
          whole(d.backlog),
          whole(d.submitsPerSecond),
          whole(d.rate),
          whole(d.measured),
          mb(d.idle.rssMB),
          mb(d.filled.rssMB),
          mb(rssAt(d.afterFill, 3)),
          mb(settled(d)),
          mb(d.peakMB)
        ])
      }],
      goals: [
        goal(
          "5",
          `drain rate with ${whole(queued)} queued ≥ 0.67× near empty`,
          `${whole(big.rate)} vs ${whole(small.rate)} jobs/s = ${fixed(ratio, 3)}×`,
          ratio >= 0.67
        ),
        goal("5", `RSS with ${whole(queued)} queued ≤ 150 MB`, `${mb(settled(big))} (peak ${mb(big.peakMB)})`, settled(big) <= 150)
      ],
      notes: [`Median submit rate while filling: ${whole(median([small.submitsPerSecond, big.submitsPerSecond]))}/s (accepted while the worker holds).`],
      plots: [
        { file: "benchmarks-drain.svg", alt: "Jobs run over time: a near-empty backlog vs a huge one", svg: plot },
        { file: "benchmarks-memory.svg", alt: "Daemon RSS over the quiet after the backlog was queued", svg: memoryPlot }
      ]
    }
  })
