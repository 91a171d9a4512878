// Summarizes a V8 .cpuprofile (from `pnpm bench -- --profile DIR`): where the daemon's CPU went,
// by package/file and by function, self and inclusive.
//   node --import tsx src/profileSummary.ts DIR/CPU.*.cpuprofile [--top 40] [--match text] [--skip-ms N]
// --skip-ms drops the first N ms of samples (start-up: module loading and transpiling).
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Schema } from "effect"
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly hitCount?: number | undefined
  readonly children?: ReadonlyArray<number> | undefined
}

const Profile = Schema.Struct({
  nodes: Schema.Array(Schema.Struct({
    id: Schema.Number,
    callFrame: Schema.Struct({ functionName: Schema.String, url: Schema.String, lineNumber: Schema.Number }),
    hitCount: Schema.optional(Schema.Number),
    children: Schema.optional(Schema.Array(Schema.Number))
  })),
  startTime: Schema.Number,
  endTime: Schema.Number,
  samples: Schema.Array(Schema.Number),
  timeDeltas: Schema.Array(Schema.Number)
})

/** "effect/Stream", "@effect/sql", "server/src/store/Store.ts", "node:internal/…" or "(program)". */
const packageOf = (url: string): string => {
  if (url === "") return "(native/program)"
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url)
  if (pnpm?.[1] !== undefined) {
    const rest = pnpm[2] ?? ""
    const file = /(?:dist\/esm|dist\/cjs|src)\/(?:internal\/)?([^/]+?)(?:\.[cm]?[jt]s)?$/.exec(rest)?.[1]
    return `${pnpm[1]}${file === undefined ? "" : `/${file}`}`
  }
  const workspace = /packages\/([^/]+\/src\/.*)$/.exec(url)
  if (workspace?.[1] !== undefined) return workspace[1]
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/")
  return url.replace(/^file:\/\//, "")
}

const program = Effect.gen(function*() {
  const argv = process.argv.slice(2)
  const flags = new Set(["--top", "--match", "--skip-ms"])
  const file = argv.find((arg, i) => !arg.startsWith("--") && !flags.has(argv[i - 1] ?? ""))
  if (file === undefined) return yield* Console.error("usage: profileSummary.ts FILE.cpuprofile [--top N] [--match TEXT]")
  const topAt = argv.indexOf("--top")
  const top = topAt >= 0 ? Number(argv[topAt + 1] ?? "40") : 40
  const matchAt = argv.indexOf("--match")
  const match = matchAt >= 0 ? argv[matchAt + 1] : undefined
  const skipAt = argv.indexOf("--skip-ms")
  const skipMs = skipAt >= 0 ? Number(argv[skipAt + 1] ?? "0") : 0
  const profile = yield* Schema.decodeUnknown(Schema.parseJson(Profile))(readFileSync(file, "utf8"))
  const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  // Time per sample: its delta (the next sample's delta is the time spent in this one).
  const selfMs = new Map<number, number>()
  let clockMs = 0
  profile.samples.forEach((id, i) => {
    clockMs += (profile.timeDeltas[i] ?? 0) / 1000
    if (clockMs < skipMs) return
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms)
  })
  const totalMs = [...selfMs.values()].reduce((a, b) => a + b, 0)
  const key = (node: ProfileNode) => `${node.callFrame.functionName || "(anonymous)"}  ${packageOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
  const selfByFunction = new Map<string, number>()
  const selfByPackage = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, ms] of selfMs) {
    const node = nodes.get(id)
    if (node === undefined) continue
    selfByFunction.set(key(node), (selfByFunction.get(key(node)) ?? 0) + ms)
    const pkg = packageOf(node.callFrame.url)
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + ms)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at)
      if (frame === undefined) break
      const k = key(frame)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms)
    }
  }
  const show = (title: string, entries: Map<string, number>) => {
    const rows = [...entries].filter(([k]) => match === undefined || k.includes(match)).sort((a, b) => b[1] - a[1]).slice(0, top)
    return `\n${title}\n` + rows.map(([k, ms]) => `${ms.toFixed(0).padStart(8)} ms ${(100 * ms / totalMs).toFixed(1).padStart(5)}%  ${k}`).join("\n")
  }
  yield* Console.log(`${file}: ${(totalMs / 1000).toFixed(2)} s sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s`)
  yield* Console.log(show("self time by package/file", selfByPackage))
  yield* Console.log(show("self time by function", selfByFunction))
  yield* Console.log(show("inclusive time by function", inclusive))
})

NodeRuntime.runMain(program, { disablePrettyLogger: true })
