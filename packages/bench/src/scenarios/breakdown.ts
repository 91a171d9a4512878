import { Effect, Either, type Scope } from "effect"
import { attemptResult, type BenchError } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import type { HttpTarget } from "../http.js"
import { chatBody } from "../jobs.js"
import { type Child, startBareProxy, startForeman, withTarget } from "../processes.js"
import type { Section } from "../report.js"
import { fixed, summarize } from "../stats.js"
import { model } from "./overhead.js"

interface Probe {
  readonly name: string
  readonly method: "GET" | "POST"
  readonly path: string
  readonly body?: string
  readonly status: number
}

/**
 * Sequential requests of one kind: latency p50 and the serving process's CPU per request. A plain
 * async loop (nothing of Effect between the requests); a wrong status comes back as `Left`.
 */
const measure = async (
  target: HttpTarget,
  server: Child,
  probe: Probe,
  warmup: number,
  count: number
): Promise<Either.Either<{ readonly p50: number; readonly cpuMs: number }, string>> => {
  const latencies: Array<number> = []
  let cpuBefore = 0
  for (let i = 0; i < warmup + count; i++) {
    if (i === warmup) cpuBefore = server.cpuMs()
    const reply = await target.send(probe.method, probe.path, probe.body === undefined ? { keepBody: true } : { body: probe.body, keepBody: true })
    if (reply.status !== probe.status) return Either.left(`${probe.method} ${probe.path} answered ${reply.status}: ${reply.body.slice(0, 200)}`)
    if (i >= warmup) latencies.push(reply.ms)
  }
  return Either.right({ p50: summarize(latencies).p50, cpuMs: (server.cpuMs() - cpuBefore) / count })
}

/**
 * Not a goal of its own: where foreman's time per request goes, route by route, as the daemon's
 * CPU time per request (robust on a busy machine) and p50 latency, beside the bare proxy's.
 */
export const breakdown = (ctx: BenchContext): Effect.Effect<Section, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const { rounds } = ctx.counts.overhead
    const count = Math.max(100, Math.round(rounds / 3))
    const warmup = Math.max(20, Math.round(count / 10))
    const away = yield* ctx.sims.start()
    const [proxy, foreman, holding] = yield* Effect.all([
      startBareProxy(ctx.sim.url),
      startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: ctx.sim.url }),
      startForeman({ bin: ctx.foremanBin, nodeArgs: ctx.foremanNodeArgs, ollamaUrl: away.url })
    ], { concurrency: 3 })
    // Its target goes away after the first poll: the worker holds, so POST /jobs costs only the
    // submit (parse, insert, announce), and the model check answers from the cached model list.
    yield* away.refuse
    const chat = chatBody(model, "Say hi in five words.", { stream: false })
    const probes: ReadonlyArray<Probe> = [
      { name: "GET /api/version (passthrough)", method: "GET", path: "/api/version", status: 200 },
      { name: "POST /api/chat, stream false (sync job)", method: "POST", path: "/api/chat", body: chat, status: 200 }
    ]
    const rows = yield* withTarget(proxy.url, 1, (bare) =>
      withTarget(foreman.url, 1, (daemon) =>
        withTarget(holding.url, 1, (held) =>
          Effect.gen(function*() {
            const run = (target: HttpTarget, server: Child, probe: Probe) =>
              attemptResult("the breakdown", () => measure(target, server, probe, warmup, count))
            const out: Array<ReadonlyArray<string>> = []
            const foremanOnly: ReadonlyArray<Probe> = [
              { name: "GET /api/tags (served from the inventory cache)", method: "GET", path: "/api/tags", status: 200 },
              { name: "GET /healthz (HttpApi route, count of queued jobs)", method: "GET", path: "/healthz", status: 200 }
            ]
            for (const probe of foremanOnly) {
              const f = yield* run(daemon, foreman, probe)
              out.push([probe.name, fixed(f.p50, 3), fixed(f.cpuMs, 3), "", ""])
            }
            for (const probe of probes) {
              const p = yield* run(bare, proxy, probe)
              const f = yield* run(daemon, foreman, probe)
              out.push([probe.name, fixed(f.p50, 3), fixed(f.cpuMs, 3), fixed(p.p50, 3), fixed(p.cpuMs, 3)])
            }
            const submit: Probe = { name: "POST /jobs, target away (submit only: parse, insert, announce)", method: "POST", path: "/jobs", body: chatBody(model, "queued"), status: 202 }
            const s = yield* run(held, holding, submit)
            out.push([submit.name, fixed(s.p50, 3), fixed(s.cpuMs, 3), "", ""])
            return out
          }))))
    return {
      id: "B",
      title: "Breakdown: foreman's cost per request, route by route",
      setup: `Diagnostics, no goal: ${count} sequential requests per route (after ${warmup} warm-up) on fresh daemons in ` +
        `front of the instant sim (and one whose sim refuses connections after foreman's first poll, for the submit-only cost). CPU ms/request is the ` +
        `serving process's user+system time from /proc divided by the requests: it does not depend on how busy the ` +
        `machine is the way latency does, and the rows subtract: chat − version ≈ the job bookkeeping (SQLite, ` +
        `events, worker hand-off); version − tags ≈ the upstream HTTP client.`,
      tables: [{
        header: ["route", "foreman p50 ms", "foreman CPU ms/req", "bare proxy p50 ms", "bare proxy CPU ms/req"],
        rows
      }],
      goals: [],
      notes: [],
      plots: []
    }
  })
