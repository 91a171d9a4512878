import { Effect, Either, type Scope } from "effect"
import { attemptResult, type BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { chatBody } from "../jobs.js"
import { startBareProxy, startForeman, withTarget } from "../processes.js"
import { goal, type Section } from "../report.js"
import { fixed, summarize } from "../stats.js"
import { model, rounds, row } from "./overhead.js"

export interface StreamingResult {
  readonly section: Section
  readonly firstChunk: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number> }>
}

/** Figure 2: one streamed /api/chat answer of 2,000 chunks from an instant sim, per path and round. */
export const streaming = (ctx: BenchContext): Effect.Effect<StreamingResult, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const { rounds: total, tokens, warmup } = ctx.counts.streaming
    const sim = yield* ctx.sims.start({ tokens })
    const [proxy, foreman] = yield* Effect.all([
      startBareProxy(sim.url),
      startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: sim.url })
    ], { concurrency: 2 })
    const body = chatBody(model, "Tell me a long story.", { stream: true })
    const cpuBefore = { proxy: proxy.cpuMs(), foreman: foreman.cpuMs() }
    const measured = yield* withTarget(sim.url, 1, (direct) =>
      withTarget(proxy.url, 1, (bare) =>
        withTarget(foreman.url, 1, (daemon) =>
          attemptResult("streamed /api/chat", () =>
            rounds(
              [{ name: "direct", target: direct }, { name: "bare proxy", target: bare }, { name: "foreman", target: daemon }],
              total,
              warmup,
              async (target) => {
                const reply = await target.send("POST", "/api/chat", { body, timeoutMs: 60_000 })
                // Every chunk plus the final done line.
                return reply.status === 200 && reply.lines === tokens + 1
                  ? Either.right(reply)
                  : Either.left(`${target.url}/api/chat answered ${reply.status} with ${reply.lines} lines, expected ${tokens + 1}`)
              }
            )))))
    const cpu = {
      proxy: (proxy.cpuMs() - cpuBefore.proxy) / (total + warmup),
      foreman: (foreman.cpuMs() - cpuBefore.foreman) / (total + warmup)
    }
    const [directFirst = [], proxyFirst = [], foremanFirst = []] = measured.firstLine
    const [directWall = [], proxyWall = [], foremanWall = []] = measured.latency
    const first = { direct: summarize(directFirst), proxy: summarize(proxyFirst), foreman: summarize(foremanFirst) }
    const wall = { direct: summarize(directWall), proxy: summarize(proxyWall), foreman: summarize(foremanWall) }
    const firstAdded = first.foreman.p50 - first.direct.p50
    const speed = wall.direct.p50 / wall.foreman.p50
    const proxySpeed = wall.direct.p50 / wall.proxy.p50
    const header = ["path", "p50 ms", "p90 ms", "p99 ms", "mean ms", "added p50 ms", "added p99 ms"]
    const section: Section = {
      id: "2",
      title: `Streaming: a ${tokens.toLocaleString("en-US")}-chunk /api/chat stream, instant sim`,
      setup: `${total} rounds (after ${warmup} warm-up rounds) of one streamed \`POST /api/chat\` per path, the order ` +
        `rotating each round, against a sim that answers ${tokens} NDJSON chunks plus the done line with no delay ` +
        `between them (the worst case for a relay: nothing to hide its per-chunk cost behind). "First chunk" is the ` +
        `time to the first complete line of the body; "wall" is the time to the last byte.`,
      tables: [
        {
          caption: "First chunk",
          header,
          rows: [row("direct", first.direct, first.direct), row("bare proxy", first.proxy, first.direct), row("foreman", first.foreman, first.direct)]
        },
        {
          caption: "Whole stream (wall time)",
          header,
          rows: [row("direct", wall.direct, wall.direct), row("bare proxy", wall.proxy, wall.direct), row("foreman", wall.foreman, wall.direct)]
        }
      ],
      goals: [
        goal("2", "first chunk added ≤ 1 ms (p50)", `${fixed(firstAdded, 3)} ms`, firstAdded <= 1),
        goal(
          "2",
          "whole-stream speed ≥ 0.9× direct (direct p50 wall ÷ foreman p50 wall)",
          `${fixed(wall.direct.p50, 2)} ms ÷ ${fixed(wall.foreman.p50, 2)} ms = ${fixed(speed, 3)}×`,
          speed >= 0.9
        )
      ],
      notes: [
        `CPU time per stream (from /proc, warm-up included): bare proxy ${fixed(cpu.proxy, 2)} ms, foreman ${fixed(cpu.foreman, 2)} ms.`,
        `The bare proxy's whole-stream speed is ${fixed(proxySpeed, 3)}× direct on the same rounds.`
      ],
      plots: []
    }
    return {
      section,
      firstChunk: [
        { name: "direct", values: directFirst },
        { name: "bare proxy", values: proxyFirst },
        { name: "foreman", values: foremanFirst }
      ]
    }
  })
