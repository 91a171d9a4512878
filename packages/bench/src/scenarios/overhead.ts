import { Effect, Either, type Scope } from "effect"
import { attemptResult, type BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import type { HttpTarget } from "../http.js"
import { chatBody } from "../jobs.js"
import { startBareProxy, startForeman, withTarget } from "../processes.js"
import { goal, type Section } from "../report.js"
import { differences, fixed, median, type Summary, summarize } from "../stats.js"

export const model = "llama3.2:1b"

export interface Path {
  readonly name: string
  readonly target: HttpTarget
}

export interface Timing {
  readonly ms: number
  readonly firstLineMs: number
}

export interface Rounds {
  /** Samples per path (in `paths` order), warm-up rounds left out. */
  readonly latency: ReadonlyArray<Array<number>>
  readonly firstLine: ReadonlyArray<Array<number>>
}

/**
 * Rounds of one request per path, the order rotating each round so no path always goes first
 * (or always follows foreman's background work). Sequential: one request in flight at a time.
 * A plain async loop; the first `Left` from `send` ends it and is handed back.
 */
export const rounds = async (
  paths: ReadonlyArray<Path>,
  total: number,
  warmup: number,
  send: (target: HttpTarget) => Promise<Either.Either<Timing, string>>
): Promise<Either.Either<Rounds, string>> => {
  const latency = paths.map(() => new Array<number>())
  const firstLine = paths.map(() => new Array<number>())
  for (let round = 0; round < warmup + total; round++) {
    for (let k = 0; k < paths.length; k++) {
      const index = (round + k) % paths.length
      const path = paths[index]
      if (path === undefined) continue
      const sent = await send(path.target)
      if (Either.isLeft(sent)) return Either.left(sent.left)
      const reply = sent.right
      if (round >= warmup) {
        latency[index]?.push(reply.ms)
        firstLine[index]?.push(reply.firstLineMs)
      }
    }
  }
  return Either.right({ latency, firstLine })
}

export const row = (name: string, s: Summary, direct: Summary) => [
  name,
  fixed(s.p50, 3),
  fixed(s.p90, 3),
  fixed(s.p99, 3),
  fixed(s.mean, 3),
  name === "direct" ? "—" : fixed(s.p50 - direct.p50, 3),
  name === "direct" ? "—" : fixed(s.p99 - direct.p99, 3)
]

export interface OverheadResult {
  readonly section: Section
  /** Latency samples per path, for the plot. */
  readonly samples: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number> }>
}

/** Figure 1: sync non-streaming /api/chat, sequential, instant sim. */
export const overhead = (ctx: BenchContext): Effect.Effect<OverheadResult, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const { rounds: total, warmup } = ctx.counts.overhead
    const [proxy, foreman] = yield* Effect.all([
      startBareProxy(ctx.sim.url),
      startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: ctx.sim.url })
    ], { concurrency: 2 })
    const body = chatBody(model, "Say hi in five words.", { stream: false })
    const cpuBefore = { proxy: proxy.cpuMs(), foreman: foreman.cpuMs() }
    const measured = yield* withTarget(ctx.sim.url, 1, (direct) =>
      withTarget(proxy.url, 1, (bare) =>
        withTarget(foreman.url, 1, (daemon) =>
          attemptResult("sequential /api/chat", () =>
            rounds(
              [{ name: "direct", target: direct }, { name: "bare proxy", target: bare }, { name: "foreman", target: daemon }],
              total,
              warmup,
              async (target) => {
                const reply = await target.send("POST", "/api/chat", { body, keepBody: true })
                return reply.status === 200 && reply.body.includes("\"done\":true")
                  ? Either.right(reply)
                  : Either.left(`${target.url}/api/chat answered ${reply.status}: ${reply.body.slice(0, 300)}`)
              }
            )))))
    const requests = total + warmup
    const cpu = { proxy: (proxy.cpuMs() - cpuBefore.proxy) / requests, foreman: (foreman.cpuMs() - cpuBefore.foreman) / requests }
    const [directMs = [], proxyMs = [], foremanMs = []] = measured.latency
    const direct = summarize(directMs)
    const bare = summarize(proxyMs)
    const daemon = summarize(foremanMs)
    const proxyAddedP50 = bare.p50 - direct.p50
    const foremanAddedP50 = daemon.p50 - direct.p50
    const foremanAddedP99 = daemon.p99 - direct.p99
    const ratio = foremanAddedP50 / proxyAddedP50
    const pairedProxy = median(differences(proxyMs, directMs))
    const pairedForeman = median(differences(foremanMs, directMs))
    const section: Section = {
      id: "1",
      title: "Overhead: sync non-streaming /api/chat, sequential, instant sim",
      setup: `${total} rounds (after ${warmup} warm-up rounds) of one \`POST /api/chat\` with \`"stream": false\` to each path, ` +
        `one request in flight at a time, the path order rotating every round. Paths: the sim directly; the bare ` +
        `node:http proxy (\`packages/bench/src/proxyMain.ts\`, its own process) in front of the same sim; foreman ` +
        `(\`foreman serve\`, its own process) in front of the same sim. "Added" is the path's quantile minus the ` +
        `direct quantile.`,
      tables: [{
        header: ["path", "p50 ms", "p90 ms", "p99 ms", "mean ms", "added p50 ms", "added p99 ms"],
        rows: [row("direct", direct, direct), row("bare proxy", bare, direct), row("foreman", daemon, direct)]
      }],
      goals: [
        goal(
          "1",
          "foreman's added p50 ≤ 2.0× the bare proxy's added p50",
          `${fixed(foremanAddedP50, 3)} ms vs ${fixed(proxyAddedP50, 3)} ms = ${fixed(ratio, 2)}×`,
          ratio <= 2.0
        ),
        goal("1", "foreman's added p99 ≤ 3 ms", `${fixed(foremanAddedP99, 3)} ms`, foremanAddedP99 <= 3)
      ],
      notes: [
        `Median of the per-round differences (paired): bare proxy +${fixed(pairedProxy, 3)} ms, foreman +${fixed(pairedForeman, 3)} ms.`,
        `CPU time per request (from /proc, the warm-up included; robust to a busy machine): bare proxy ${fixed(cpu.proxy, 3)} ms, foreman ${fixed(cpu.foreman, 3)} ms (${fixed(cpu.foreman / cpu.proxy, 1)}×).`,
        `Each foreman request is a sync job: a row inserted, claimed, run against the sim and marked done (an insert, a one-statement claim, and the done with its artifact in one transaction) before the answer is written.`
      ],
      plots: []
    }
    return {
      section,
      samples: [
        { name: "direct", values: directMs },
        { name: "bare proxy", values: proxyMs },
        { name: "foreman", values: foremanMs }
      ]
    }
  })
