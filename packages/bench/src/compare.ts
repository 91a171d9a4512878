// `pnpm bench:compare --a PATH --b PATH [--route chat|stream|submit] [--rounds N] [--batch N]`: two builds
// of foreman (each a checkout's bin/foreman.mjs, built) side by side, as the daemon's CPU time per
// request. A change worth a few percent is lost in the figures' run-to-run spread on a shared
// machine; two daemons running at once, fed alternating batches of the same sequential requests,
// see the same machine, and the paired difference of each round cancels most of what it does.
// CPU comes from /proc (user + system, 10 ms ticks, so a batch of 200 reads to 0.05 ms a request).
// Both daemons warm up first; the JIT still lowers both for the first several rounds, which is why
// the pairs, not the totals, are compared. Prints; writes nothing.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Either } from "effect"
import { attemptResult, BenchError } from "./BenchError.js"
import type { HttpTarget } from "./http.js"
import { chatBody } from "./jobs.js"
import { builtForeman, type Child, startForeman, startSimHost, withTarget } from "./processes.js"
import { model } from "./scenarios/overhead.js"
import { fixed, median } from "./stats.js"

interface Route {
  readonly name: string
  readonly path: string
  readonly body: string
  readonly status: number
  /** The target refuses connections after the daemon's first poll: the worker holds, and a submit costs only itself. */
  readonly targetAway: boolean
}

const routes: Record<string, Route> = {
  chat: {
    name: "POST /api/chat, stream false (a sync job), instant sim",
    path: "/api/chat",
    body: chatBody(model, "Say hi in five words.", { stream: false }),
    status: 200,
    targetAway: false
  },
  stream: {
    name: "POST /api/chat, streamed (a sync job relayed chunk by chunk), instant sim",
    path: "/api/chat",
    body: chatBody(model, "Say hi in five words."),
    status: 200,
    targetAway: false
  },
  submit: {
    name: "POST /jobs, target away after the first poll (the submit only)",
    path: "/jobs",
    body: chatBody(model, "queued"),
    status: 202,
    targetAway: true
  }
}

interface Args {
  readonly a: string
  readonly b: string
  readonly route: Route
  readonly rounds: number
  readonly batch: number
}

const parseArgs = (argv: ReadonlyArray<string>): Effect.Effect<Args, BenchError> =>
  Effect.gen(function*() {
    const value = (flag: string) => {
      const at = argv.indexOf(flag)
      return at >= 0 ? argv[at + 1] : undefined
    }
    const known = new Set(["--a", "--b", "--route", "--rounds", "--batch"])
    const unknown = argv.filter((arg, i) => arg.startsWith("--") && !known.has(arg) && !known.has(argv[i - 1] ?? ""))
    if (unknown.length > 0) return yield* new BenchError({ message: `unknown flag(s): ${unknown.join(" ")}` })
    const a = value("--a")
    const b = value("--b")
    if (a === undefined || b === undefined) {
      return yield* new BenchError({ message: "usage: pnpm bench:compare --a PATH --b PATH [--route chat|stream|submit] [--rounds N] [--batch N]" })
    }
    const routeName = value("--route") ?? "chat"
    const route = routes[routeName]
    if (route === undefined) return yield* new BenchError({ message: `unknown route ${routeName}; known: ${Object.keys(routes).join(", ")}` })
    const count = (flag: string, fallback: number) =>
      Effect.suspend(() => {
        const raw = value(flag)
        const parsed = raw === undefined ? fallback : Number(raw)
        return Number.isInteger(parsed) && parsed > 0
          ? Effect.succeed(parsed)
          : Effect.fail(new BenchError({ message: `${flag} takes a positive whole number, not ${raw}` }))
      })
    return {
      a: yield* builtForeman(a),
      b: yield* builtForeman(b),
      route,
      rounds: yield* count("--rounds", 20),
      batch: yield* count("--batch", 200)
    }
  })

/** The daemon's CPU ms per request over `count` sequential requests; a wrong status comes back as `Left`. */
const batchCpu = async (target: HttpTarget, daemon: Child, route: Route, count: number): Promise<Either.Either<number, string>> => {
  const before = daemon.cpuMs()
  for (let i = 0; i < count; i++) {
    const reply = await target.send("POST", route.path, { body: route.body, keepBody: true })
    if (reply.status !== route.status) return Either.left(`${route.path} answered ${reply.status}: ${reply.body.slice(0, 200)}`)
  }
  return Either.right((daemon.cpuMs() - before) / count)
}

const program = Effect.gen(function*() {
  const args = yield* parseArgs(process.argv.slice(2))
  const { batch, route, rounds } = args
  const sims = yield* startSimHost
  const sim = yield* sims.start()
  const [a, b] = yield* Effect.all([
    startForeman({ bin: args.a, ollamaUrl: sim.url }),
    startForeman({ bin: args.b, ollamaUrl: sim.url })
  ], { concurrency: 2 })
  if (route.targetAway) yield* sim.refuse
  yield* Console.log(`${route.name}\nA: ${args.a}\nB: ${args.b}\n${rounds} rounds of ${batch} requests to each, the order alternating\n`)
  const perRound = yield* withTarget(a.url, 1, (toA) =>
    withTarget(b.url, 1, (toB) =>
      Effect.gen(function*() {
        const run = (target: HttpTarget, daemon: Child, count: number) =>
          attemptResult("the comparison", () => batchCpu(target, daemon, route, count))
        yield* run(toA, a, batch)
        yield* run(toB, b, batch)
        const out: Array<{ readonly a: number; readonly b: number }> = []
        for (let round = 0; round < rounds; round++) {
          const [first, second] = round % 2 === 0 ? [run(toA, a, batch), run(toB, b, batch)] : [run(toB, b, batch), run(toA, a, batch)]
          const x = yield* first
          const y = yield* second
          const pair = round % 2 === 0 ? { a: x, b: y } : { a: y, b: x }
          out.push(pair)
          yield* Console.log(`round ${String(round + 1).padStart(2)}: A ${fixed(pair.a, 3)}  B ${fixed(pair.b, 3)}  A−B ${fixed(pair.a - pair.b, 3)} ms`)
        }
        return out
      })))
  const warm = perRound.slice(Math.floor(perRound.length / 2))
  const summary = (pairs: typeof perRound) =>
    `A ${fixed(median(pairs.map((p) => p.a)), 3)}, B ${fixed(median(pairs.map((p) => p.b)), 3)} ms a request; ` +
    `paired A−B ${fixed(median(pairs.map((p) => p.a - p.b)), 3)} ms (${fixed(100 * median(pairs.map((p) => (p.a - p.b) / p.b)), 1)} %)`
  yield* Console.log(`\nmedians, every round: ${summary(perRound)}\nmedians, second half: ${summary(warm)}`)
})

NodeRuntime.runMain(
  Effect.scoped(program).pipe(Effect.catchTag("BenchError", (error) =>
    Console.error(`bench:compare: ${error.message}`).pipe(Effect.zipRight(Effect.sync(() => {
      process.exitCode = 1
    }))))),
  { disablePrettyLogger: true }
)
