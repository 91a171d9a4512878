// `pnpm bench` (full run, writes docs/benchmarks.md and its SVGs) and `pnpm bench:quick` (small
// counts, prints only). Exits non-zero only when the harness itself fails: a missed goal is
// reported as MISS, not as an error.
//
// Flags: --quick, --only overhead,streaming,… (a subset), --out DIR (where the report goes; default
// docs/ for a complete full run, nowhere otherwise), --foreman PATH (another checkout's foreman.mjs),
// --profile DIR (every daemon runs with --cpu-prof, its .cpuprofile written to DIR when it stops),
// --render-only (rewrite benchmarks.md from the last run's benchmarks.json and findings.md).
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { type BenchContext, fullCounts, type Mode, quickCounts } from "./config.js"
import { BenchError } from "./BenchError.js"
import { machineInfo, renderMarkdown, renderText } from "./document.js"
import { benchDir, builtForeman, defaultForemanBin, repoRoot, startSimHost } from "./processes.js"
import type { Plot, Section, TimedSection } from "./report.js"
import { readRun, type Run, writeRun } from "./results.js"
import { breakdown } from "./scenarios/breakdown.js"
import { overhead } from "./scenarios/overhead.js"
import { scale } from "./scenarios/scale.js"
import { startup } from "./scenarios/startup.js"
import { streaming } from "./scenarios/streaming.js"
import { swaps } from "./scenarios/swaps.js"
import { throughput } from "./scenarios/throughput.js"
import { webhooks } from "./scenarios/webhooks.js"
import { cdfChart, palette } from "./svg.js"

const scenarioNames = ["overhead", "streaming", "throughput", "swaps", "scale", "startup", "webhooks", "breakdown"] as const
type ScenarioName = (typeof scenarioNames)[number]

interface Args {
  readonly mode: Mode
  readonly only: ReadonlyArray<ScenarioName>
  readonly out: string | undefined
  readonly foremanBin: string
  readonly profileDir: string | undefined
  readonly renderOnly: boolean
}

const isScenario = (name: string): name is ScenarioName => scenarioNames.some((known) => known === name)

const parseArgs = (argv: ReadonlyArray<string>): Effect.Effect<Args, BenchError> =>
  Effect.gen(function*() {
    const value = (flag: string) => {
      const at = argv.indexOf(flag)
      return at >= 0 ? argv[at + 1] : undefined
    }
    const known = new Set(["--quick", "--only", "--out", "--foreman", "--profile", "--render-only"])
    const unknown = argv.filter((arg, i) => arg.startsWith("--") && !known.has(arg) && !known.has(argv[i - 1] ?? ""))
    if (unknown.length > 0) return yield* new BenchError({ message: `unknown flag(s): ${unknown.join(" ")}` })
    const mode: Mode = argv.includes("--quick") ? "quick" : "full"
    const onlyRaw = value("--only")?.split(",").map((s) => s.trim()).filter((s) => s !== "")
    // The breakdown is diagnostics without a goal: the full run includes it, the quick one does not.
    const only = onlyRaw ?? scenarioNames.filter((name) => mode === "full" || name !== "breakdown")
    const bad = only.filter((name) => !isScenario(name))
    if (bad.length > 0) return yield* new BenchError({ message: `unknown scenario(s) ${bad.join(", ")}; known: ${scenarioNames.join(", ")}` })
    // Only a complete full run rewrites docs/; a subset or a quick run prints unless --out is given.
    const renderOnly = argv.includes("--render-only")
    const outRaw = value("--out") ?? ((mode === "full" && onlyRaw === undefined) || renderOnly ? join(repoRoot, "docs") : undefined)
    const foremanRaw = value("--foreman")
    const foremanPath = foremanRaw === undefined ? defaultForemanBin : foremanRaw
    const foremanBin = renderOnly ? resolve(foremanPath) : yield* builtForeman(foremanPath)
    const profileRaw = value("--profile")
    return {
      mode,
      profileDir: profileRaw === undefined ? undefined : resolve(profileRaw),
      only: only.filter(isScenario),
      out: outRaw === undefined ? undefined : resolve(outRaw),
      foremanBin,
      renderOnly
    }
  })

const timed = (name: string, section: Effect.Effect<Section, BenchError>) =>
  Effect.gen(function*() {
    yield* Console.log(`\n▶ ${name} …`)
    const loadBefore = loadavg()[0] ?? Number.NaN
    const start = performance.now()
    const result = yield* section
    const done: TimedSection = {
      ...result,
      seconds: (performance.now() - start) / 1000,
      loadBefore,
      loadAfter: loadavg()[0] ?? Number.NaN
    }
    yield* Console.log(renderText([done]))
    return done
  })

/** Runs the scenarios, prints every figure and the goals, and writes the report when asked to. */
const measure = (args: Args) => Effect.gen(function*() {
  const counts = args.mode === "quick" ? quickCounts : fullCounts
  const started = performance.now()
  const startedAt = new Date()
  const machine = machineInfo()
  yield* Console.log(
    `foreman bench (${args.mode}): ${args.only.join(", ")}\n` +
      `${machine.cores} cores (${machine.cpu}), Node ${machine.node}, load ${machine.load}; foreman: ${args.foremanBin}`
  )
  const sections = yield* Effect.scoped(Effect.gen(function*() {
    const sims = yield* startSimHost
    const sim = yield* sims.start()
    const foremanNodeArgs = args.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${args.profileDir}`]
    const ctx: BenchContext = { mode: args.mode, counts, foremanBin: args.foremanBin, foremanNodeArgs, sims, sim }
    const out: Array<TimedSection> = []
    const latencyPanels: Array<Parameters<typeof cdfChart>[0][number]> = []
    const colors = [palette.direct, palette.proxy, palette.foreman]
    const withColors = (series: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number> }>) =>
      series.map((s, i) => ({ ...s, color: colors[i] ?? palette.other }))
    for (const name of args.only) {
      switch (name) {
        case "overhead": {
          out.push(yield* timed(name, Effect.scoped(Effect.map(overhead(ctx), (result) => {
            latencyPanels.push({
              title: `Sync /api/chat latency, ${counts.overhead.rounds} sequential requests per path (CDF)`,
              xLabel: "latency (ms)",
              series: withColors(result.samples),
              clipQuantile: 0.995
            })
            return result.section
          }))))
          break
        }
        case "streaming": {
          out.push(yield* timed(name, Effect.scoped(Effect.map(streaming(ctx), (result) => {
            latencyPanels.push({
              title: `Time to the first chunk of a ${counts.streaming.tokens}-chunk stream, ${counts.streaming.rounds} per path (CDF)`,
              xLabel: "time to first chunk (ms)",
              series: withColors(result.firstChunk),
              clipQuantile: 0.98
            })
            return result.section
          }))))
          break
        }
        case "throughput":
          out.push(yield* timed(name, throughput(ctx)))
          break
        case "swaps":
          out.push(yield* timed(name, swaps(ctx)))
          break
        case "scale":
          out.push(yield* timed(name, scale(ctx)))
          break
        case "startup":
          out.push(yield* timed(name, startup(ctx)))
          break
        case "webhooks":
          out.push(yield* timed(name, Effect.scoped(webhooks(ctx))))
          break
        case "breakdown":
          out.push(yield* timed(name, Effect.scoped(breakdown(ctx))))
          break
      }
    }
    if (latencyPanels.length > 0) {
      const plot: Plot = { file: "benchmarks-latency.svg", alt: "Latency distributions: direct vs bare proxy vs foreman", svg: cdfChart(latencyPanels) }
      const first = out.findIndex((s) => s.id === "1" || s.id === "2")
      const host = out[first]
      if (host !== undefined) out[first] = { ...host, plots: [plot, ...host.plots] }
    }
    return out
  }))
  const seconds = (performance.now() - started) / 1000
  const goals = sections.flatMap((s) => s.goals)
  const missed = goals.filter((g) => !g.pass).length
  yield* Console.log(
    `\n${"=".repeat(72)}\nGoals (${args.mode} run, ${seconds.toFixed(1)} s):\n` +
      goals.map((g) => `  ${g.pass ? "PASS" : "MISS"}  [${g.figure}] ${g.goal}: ${g.measured}`).join("\n") +
      `\n${goals.length - missed} PASS, ${missed} MISS`
  )
  if (args.out !== undefined) {
    const run: Run = { mode: args.mode, counts, machine, startedAt, seconds, sections, foremanBin: args.foremanBin }
    yield* writeReport(args.out, run)
    writeRun(args.out, run)
  }
})

/** benchmarks.md (with the current findings.md) and every plot that has its SVG. */
const writeReport = (out: string, run: Run) =>
  Effect.gen(function*() {
    const findingsPath = join(benchDir, "findings.md")
    const findings = existsSync(findingsPath) ? readFileSync(findingsPath, "utf8") : undefined
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, "benchmarks.md"), renderMarkdown({ ...run, findings }))
    for (const plot of run.sections.flatMap((s) => s.plots)) {
      if (plot.svg !== "") writeFileSync(join(out, plot.file), plot.svg)
    }
    yield* Console.log(`wrote ${join(out, "benchmarks.md")}`)
  })

const main = Effect.gen(function*() {
  const args = yield* parseArgs(process.argv.slice(2))
  if (!args.renderOnly) return yield* measure(args)
  // Render the last run's figures again (e.g. after editing findings.md), measuring nothing.
  const out = args.out ?? join(repoRoot, "docs")
  yield* writeReport(out, yield* readRun(out))
})

NodeRuntime.runMain(main, { disablePrettyLogger: true })
